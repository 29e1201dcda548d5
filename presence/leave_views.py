"""请销假: a secretary asks, the township decides, the county office reads the newly approved."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import add_service_error
from accounts.roles import Role
from secretaries.models import Secretary

from . import access, reports, services
from .forms import DecisionForm, LeaveForm
from .models import Leave

RECENT_DAYS = 14


def own_profile(user):
    if user.role != Role.SECRETARY:
        return None
    return Secretary.objects.filter(user=user).first()


@require_GET
@login_required
def leave_list(request):
    user = request.user
    today = timezone.localdate()
    leaves = (Leave.objects.for_user(user).select_related("secretary", "village__region__parent", "decided_by")
              .order_by("-start_date", "-pk"))
    status = request.GET.get("status", "")
    if status in Leave.Status.values:
        leaves = leaves.filter(status=status)
    recent = []
    if user.is_county_admin:
        since = timezone.now() - datetime.timedelta(days=RECENT_DAYS)
        recent = (Leave.objects.for_user(user).approved().filter(decided_at__gte=since)
                  .select_related("secretary", "village__region__parent", "decided_by").order_by("-decided_at"))
    over = []
    if access.supervises(user):
        over = reports.over_leave_limit(Secretary.objects.for_user(user), today.year)
    return render(request, "presence/leave_list.html", {
        "leaves": leaves[:300], "status": status, "statuses": Leave.Status.choices, "recent": recent,
        "recent_days": RECENT_DAYS, "over": over, "limit": settings.PRESENCE_MAX_LEAVE_DAYS, "year": today.year,
        "profile": own_profile(user), "supervises": access.supervises(user),
        "details": access.sees_leave_details(user),
    })


@require_http_methods(["GET", "POST"])
@login_required
def leave_create(request):
    profile = own_profile(request.user)
    if profile is None:
        raise PermissionDenied("请假由第一书记本人提出。")
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            leave = services.leave_request(user=request.user, request=request, secretary=profile, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "请假申请已提交，等待镇（街道）审批。")
            return redirect(leave)
    return render(request, "presence/leave_form.html", {"form": form, "profile": profile})


def scoped_leave(request, pk):
    return get_object_or_404(Leave.objects.for_user(request.user).select_related(
        "secretary__unit", "village__region__parent", "decided_by", "requested_by"), pk=pk)


@require_GET
@login_required
def leave_detail(request, pk):
    leave = scoped_leave(request, pk)
    pending = leave.status == Leave.Status.PENDING
    return render(request, "presence/leave_detail.html", {
        "leave": leave,
        "decision_form": DecisionForm() if pending and access.may_decide_leave(request.user, leave) else None,
        "may_cancel": pending and leave.secretary.user_id == request.user.pk,
        "details": access.sees_leave_details(request.user),
    })


@require_POST
@login_required
def leave_decide(request, pk):
    leave = scoped_leave(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择批准或驳回。")
        return redirect(leave)
    try:
        services.leave_decide(user=request.user, request=request, leave=leave,
                              approve=form.cleaned_data["decision"] == "approve",
                              note=form.cleaned_data["decision_note"])
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, "已审批。")
    return redirect(leave)


@require_POST
@login_required
def leave_cancel(request, pk):
    leave = scoped_leave(request, pk)
    if leave.secretary.user_id != request.user.pk:
        raise PermissionDenied("只有申请人本人可以撤回请假。")
    try:
        services.leave_cancel(user=request.user, request=request, leave=leave)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, "请假申请已撤回。")
    return redirect(leave)
