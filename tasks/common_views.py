"""县统一下发的任务清单: county staff write a list and issue it to the chosen secretaries in one step; everyone
in the region follows each item's progress, aggregated over the secretaries who received it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import add_service_error
from accounts.views import show_errors
from villages.models import Region

from . import access, reports, services
from .forms import CommonItemForm, CommonTaskForm, IssueForm
from .models import CommonTask

ONLY_COUNTY = "县统一任务清单由县委组织部制定和下发。"


def common_or_404(user, pk):
    return get_object_or_404(CommonTask.objects.for_user(user).select_related("region"), pk=pk)


def require_issuer(user, common):
    """County staff of the list's own region (or above): a list kept by the city is not a county's to change."""
    access.require(access.may_issue(user) and CommonTask.objects.for_user(user, "change").filter(pk=common.pk)
                   .exists(), ONLY_COUNTY)


@require_GET
@login_required
def common_list(request):
    commons = (CommonTask.objects.for_user(request.user).select_related("region")
               .annotate(item_count=Count("items", distinct=True)).order_by("-year", "-created_at", "-pk"))
    return render(request, "tasks/common_list.html", {"commons": commons,
                                                      "may_create": access.may_issue(request.user)})


@require_http_methods(["GET", "POST"])
@login_required
def common_create(request):
    user = request.user
    access.require(access.may_issue(user) and user.region is not None
                   and user.region.level not in (Region.Level.TOWNSHIP, Region.Level.VILLAGE), ONLY_COUNTY)
    form = CommonTaskForm(request.POST or None, user=user)
    if form.is_valid():
        try:
            common = services.common_create(user=user, request=request, region=user.region, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "清单已建立，请逐项添加任务，然后下发。")
            return redirect(common)
    return render(request, "tasks/common_form.html", {"form": form})


@require_GET
@login_required
def common_detail(request, pk):
    user = request.user
    common = common_or_404(user, pk)
    issues = access.may_issue(user) and CommonTask.objects.for_user(user, "change").filter(pk=common.pk).exists()
    rows = reports.common_progress(user, common, timezone.localdate())
    return render(request, "tasks/common_detail.html", {
        "common": common, "rows": rows, "total": reports.totals(rows), "issues": issues,
        "item_form": CommonItemForm(), "issue_form": IssueForm(user=user) if issues else None,
    })


@require_POST
@login_required
def common_item_add(request, pk):
    common = common_or_404(request.user, pk)
    require_issuer(request.user, common)
    form = CommonItemForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(common)
    try:
        item = services.common_item_add(common, user=request.user, request=request, **form.cleaned_data)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, f"已添加第 {item.position} 项。")
    return redirect(common)


@require_POST
@login_required
def common_issue(request, pk):
    common = common_or_404(request.user, pk)
    require_issuer(request.user, common)
    form = IssueForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, "所选镇街无效，请重新选择。")
        return redirect(common)
    try:
        people, created = services.common_issue(common, user=request.user, request=request,
                                                townships=list(form.cleaned_data["townships"]))
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, f"已下发给 {people} 名第一书记，新增任务 {created} 条（已收到的不重复下发）。")
    return redirect(common)
