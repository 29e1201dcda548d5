from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.roles import Role
from accounts.scoping import PERSONAL_ROLES
from alliances import reports as alliance_reports
from evaluations.services import training
from presence import reports as presence_reports
from projects import reports as project_reports
from tasks import reports as task_reports
from villages.filters import area_level
from villages.models import Region
from worklogs import reports as worklog_reports

from . import reports, setup, waiting


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
    context = {
        **figures(user),
        "area_label": Region.Level(area_level(user)).label,
        "cache_seconds": settings.DASHBOARD_CACHE_SECONDS,
        "waiting": waiting.township_counts(user) if user.role == Role.TOWNSHIP else waiting.county_counts(user),
        "setup": setup.checklist(user),
    }
    return render(request, "dashboards/county.html", context)


def figures(user):
    """The dashboard's totals for the user's region and role, cached for DASHBOARD_CACHE_SECONDS: they scan every
    village of the region, so a province dashboard would otherwise cost a province scan per view. Everyone with
    the same region and role sees the same figures (for_user scopes by exactly these two)."""
    key = f"dashboard:figures:{user.region_id}:{user.role}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    areas = reports.areas(user)
    deadlines = reports.deadlines(user)
    deadlines["rows"] = list(deadlines["rows"])
    result = {
        "villages": reports.village_totals(areas),
        "missing": list(reports.villages_missing_secretary(user)),
        "by_level": reports.secretaries_by_dispatch_level(user),
        "by_unit": reports.secretaries_by_unit(user),
        "areas": areas,
        "deadlines": deadlines,
        "tasks": task_reports.county_figures(user),
        "projects": project_reports.county_figures(user),
        "logs": worklog_reports.county_figures(user),
        "presence": presence_reports.county_figures(user),
        "alliances": alliance_reports.county_figures(user),
    }
    if settings.DASHBOARD_CACHE_SECONDS:
        cache.set(key, result, settings.DASHBOARD_CACHE_SECONDS)
    return result
