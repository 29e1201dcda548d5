"""积分制 pages: the catalogue, the events each role may see, recording, disputing and deciding."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import add_service_error
from accounts.roles import Role
from accounts.views import show_errors
from villages.models import Region

from . import services
from .models import PointEvent, PointItem
from .points_forms import PointEventForm, PointItemForm, ReasonForm


def records(user):
    return user.is_county_admin or user.role == Role.TOWNSHIP


def keeps_catalogue(user):
    return user.is_county_admin and user.region is not None and user.region.level not in (
        Region.Level.TOWNSHIP, Region.Level.VILLAGE)


@require_http_methods(["GET", "POST"])
@login_required
def points(request):
    user = request.user
    item_form = PointItemForm(prefix="item")
    event_form = PointEventForm(prefix="event", user=user) if records(user) else None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "item":
            if not keeps_catalogue(user):
                raise PermissionDenied("只有县（市、区）及以上组织部门的管理员可以维护积分目录。")
            item_form = PointItemForm(request.POST, prefix="item")
            if item_form.is_valid():
                try:
                    item = services.point_item_create(user=user, request=request, region=user.region,
                                                      **item_form.cleaned_data)
                except ValidationError as error:
                    add_service_error(item_form, error)
                else:
                    messages.success(request, f"已新增积分项目“{item.name}”。")
                    return redirect("evaluations:points")
        elif action == "record":
            if not records(user):
                raise PermissionDenied("积分由县委组织部或镇街工作人员登记，您的角色不能登记。")
            event_form = PointEventForm(request.POST, prefix="event", user=user)
            if event_form.is_valid():
                data = event_form.cleaned_data
                try:
                    event = services.point_event_record(
                        user=user, request=request, item=data["item"], secretary=data["assignment"].secretary,
                        date=data["date"], evidence=data["evidence"])
                except ValidationError as error:
                    add_service_error(event_form, error)
                else:
                    messages.success(request, f"已登记{event.secretary.name}：{event.item.name}（{event.points:+}）。")
                    return redirect("evaluations:points")
        else:
            messages.error(request, "没有这种操作。")
            return redirect("evaluations:points")
    events = (PointEvent.objects.for_user(user).select_related("item", "secretary", "village__region__parent")
              .order_by("-date", "-pk"))
    if request.GET.get("status") in PointEvent.Status.values:
        events = events.filter(status=request.GET["status"])
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "evaluations/points.html", {
        "items": PointItem.objects.for_user(user).select_related("region"),
        "page_obj": page, "paginator": page.paginator, "object_list": page.object_list,
        "item_form": item_form if keeps_catalogue(user) else None, "event_form": event_form,
        "reason_form": ReasonForm(), "statuses": PointEvent.Status.choices,
        "status": request.GET.get("status", ""),
    })


@require_POST
@login_required
def point_dispute(request, pk):
    """The secretary disputes an event about themselves."""
    user = request.user
    event = get_object_or_404(PointEvent.objects.for_user(user).select_related("secretary"), pk=pk)
    if user.role != Role.SECRETARY or event.secretary.user_id != user.pk:
        raise PermissionDenied("只有本人可以对积分记录提出申诉。")
    try:
        services.point_event_dispute(event, user=user, request=request, reason=request.POST.get("reason", ""))
        messages.success(request, "已提出申诉：处理前该积分仍计入，县委组织部处理后以处理结果为准。")
    except ValidationError as error:
        show_errors(request, error)
    return redirect("evaluations:points")


@require_POST
@login_required
def point_decide(request, pk):
    user = request.user
    event = get_object_or_404(PointEvent.objects.for_user(user), pk=pk)
    if not user.is_county_admin:
        raise PermissionDenied("积分申诉由县委组织部处理。")
    try:
        services.point_event_decide(event, user=user, request=request, revoke=request.POST.get("revoke") == "1",
                                    decision=request.POST.get("decision", ""))
        messages.success(request, "已处理积分申诉。")
    except ValidationError as error:
        show_errors(request, error)
    return redirect("evaluations:points")
