from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.roles import Role
from accounts.scoping import PERSONAL_ROLES
from evaluations.services import training
from villages.filters import area_level
from villages.models import Region

from . import setup, summary, waiting


@require_GET
@login_required
def home(request):
    """Each role lands on what waits for it: secretaries and unit contacts on their own home page, the offices on
    the dashboard (which opens with their list of things to do)."""
    user = request.user
    if user.role == Role.SECRETARY:
        context = waiting.for_secretary(user)
        if context is None:
            return render(request, "dashboards/unlinked.html")
        context["training"] = training.year_summary(context["secretary"], context["today"].year)
        return render(request, "dashboards/home_secretary.html", context)
    if user.role == Role.UNIT_CONTACT:
        context = waiting.for_unit(user)
        if not context["units"]:
            return render(request, "dashboards/unlinked.html")
        return render(request, "dashboards/home_unit.html", context)
    return redirect("dashboards:county")


@require_GET
@login_required
def county(request):
    user = request.user
    if user.role in PERSONAL_ROLES:
        raise PermissionDenied("总览仅供组织部门、镇街和县领导查看。")
    figures, computed_at = summary.for_user(user)
    context = {
        **figures,
        "computed_at": computed_at,
        "area_label": Region.Level(area_level(user)).label,
        "cache_seconds": settings.DASHBOARD_CACHE_SECONDS,
        "waiting": waiting.township_counts(user) if user.role == Role.TOWNSHIP else waiting.county_counts(user),
        "setup": setup.checklist(user, figures.get("setup_counts")),
    }
    return render(request, "dashboards/county.html", context)
