"""待办 for township officials and county staff: everything waiting, with batch actions — confirm many
close-outs or decide many leave requests at once, through the apps' own services, all or nothing, each item
audited by its service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.params import parse_id
from accounts.roles import Role
from presence import access as presence_access
from presence import services as presence_services
from tasks import access as task_access
from tasks import services as task_services

from . import waiting

NOT_AN_OFFICE = "待办页面供镇街和县委组织部工作人员使用。"


def _office(user):
    if not (user.is_county_admin or user.role == Role.TOWNSHIP):
        raise PermissionDenied(NOT_AN_OFFICE)


@require_GET
@login_required
def todo(request):
    _office(request.user)
    context = {"counts": waiting.township_counts(request.user), **waiting.township_lists(request.user),
               "limit": waiting.LIST_LIMIT}
    return render(request, "dashboards/home_township.html", context)


def _selected(request, queryset, label):
    ids = [pk for pk in map(parse_id, request.POST.getlist("ids")) if pk is not None]
    if not ids:
        raise ValidationError(f"请先勾选要处理的{label}。")
    found = list(queryset.filter(pk__in=ids).order_by("pk"))
    if len(found) != len(set(ids)):
        # Another region's item, or one already handled elsewhere: nothing is done.
        raise ValidationError(f"所选{label}中有 {len(set(ids)) - len(found)} 项已不在待办中或不在您的管辖范围内，"
                              "未作任何处理，请刷新后重试。")
    return found


def _run(request, action):
    """Do `action` for all selected items in one transaction: one refusal and none is done."""
    try:
        with transaction.atomic():
            return action()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return None


@require_POST
@login_required
def closeouts_batch(request):
    """Confirm (销号) or return (退回, with a reason) the selected close-outs."""
    user = request.user
    if not task_access.may_review(user):
        raise PermissionDenied(NOT_AN_OFFICE)
    reject = request.POST.get("action") == "reject"
    reason = request.POST.get("reason", "").strip()

    def action():
        tasks = _selected(request, waiting.closeouts(user), "待确认办结任务")
        if reject and not reason:
            raise ValidationError("批量退回须填写退回理由。")
        for task in tasks:
            try:
                if reject:
                    task_services.task_reject(task, user=user, request=request, reason=reason)
                else:
                    task_services.task_confirm(task, user=user, request=request)
            except ValidationError as error:
                raise ValidationError(f"“{task.title}”：{'；'.join(error.messages)}（全部未处理）") from None
        return len(tasks)

    done = _run(request, action)
    if done:
        messages.success(request, f"已退回 {done} 项任务。" if reject else f"已确认办结 {done} 项任务，全部销号。")
    return redirect("dashboards:todo")


@require_POST
@login_required
def leave_batch(request):
    """Approve or reject (with a reason) the selected leave requests."""
    user = request.user
    if not presence_access.supervises(user):
        raise PermissionDenied(NOT_AN_OFFICE)
    approve = request.POST.get("action") != "reject"
    note = request.POST.get("reason", "").strip()

    def action():
        requests = _selected(request, waiting.leave_requests(user), "请假申请")
        for leave in requests:
            try:
                presence_services.leave_decide(user=user, leave=leave, approve=approve, note=note, request=request)
            except (ValidationError, PermissionDenied) as error:
                text = "；".join(error.messages) if isinstance(error, ValidationError) else str(error)
                raise ValidationError(f"{leave}：{text}（全部未处理）") from None
        return len(requests)

    done = _run(request, action)
    if done:
        messages.success(request, f"已批准 {done} 项请假。" if approve else f"已驳回 {done} 项请假。")
    return redirect("dashboards:todo")
