"""The message centre, a person's channel choices, the county's channel settings and delivery log, and 通知公告."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import audit
from accounts.forms import add_service_error
from accounts.models import AuditLog
from accounts.views import show_errors
from excel.writer import SheetSpec, xlsx_response
from villages.models import Region

from . import announcements, services
from .forms import AnnouncementForm, ChannelSettingsForm, PreferenceForm
from .models import Announcement, AnnouncementAttachment, Channel, ChannelSettings, Delivery, Preference

PAGE_SIZE = 30
RECEIPT_PAGE_SIZE = 50  # recipients a page on an announcement's page


def _county_staff(user):
    if not user.is_county_admin:
        raise PermissionDenied("仅组织部门工作人员可以操作。")


# --- Message centre -----------------------------------------------------------------------------------------------

@require_GET
@login_required
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    rows = services.inbox(request.user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page, "unread_only": unread_only})


@require_POST
@login_required
def message_open(request, pk):
    message = get_object_or_404(services.inbox(request.user), pk=pk)
    services.message_read(message, user=request.user)
    if message.url and url_has_allowed_host_and_scheme(message.url, allowed_hosts={request.get_host()}):
        return redirect(message.url)
    return redirect("notifications:inbox")


@require_POST
@login_required
def read_all(request):
    count = services.messages_read_all(user=request.user)
    messages.success(request, f"已将 {count} 条消息标为已读。")
    return redirect("notifications:inbox")


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request):
    preference = Preference.objects.filter(user=request.user).first() or Preference(user=request.user)
    form = PreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            creating = preference.pk is None
            form.save()
            audit.record(user=request.user, request=request, obj=form.instance,
                         action=AuditLog.Action.CREATE if creating else AuditLog.Action.UPDATE,
                         changes=None if creating else {f: "已修改" for f in form.changed_data})
        messages.success(request, "消息接收设置已保存。")
        return redirect("notifications:preferences")
    county = services.county_settings([request.user]).get(request.user.pk)
    available = county.enabled() if county else {}
    return render(request, "notifications/preferences.html", {
        "form": form, "county": county,
        "available": [label for value, label in Channel.choices if available.get(value)]})


# --- County settings and the delivery log (county staff) --------------------------------------------------------

def _own_county(user):
    _county_staff(user)
    if user.region is None or user.region.level != Region.Level.COUNTY:
        raise PermissionDenied("消息渠道按县设置，请使用县级账号。")
    return user.region


@require_http_methods(["GET", "POST"])
@login_required
def channel_settings(request):
    county = _own_county(request.user)
    instance = ChannelSettings.objects.filter(region=county).first() or ChannelSettings(region=county)
    form = ChannelSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            creating = instance.pk is None
            form.save()
            # Secrets and tokens never enter the audit log: only which settings changed.
            audit.record(user=request.user, request=request, obj=form.instance,
                         action=AuditLog.Action.CREATE if creating else AuditLog.Action.UPDATE,
                         changes={f: "已修改" for f in form.changed_data})
        messages.success(request, "消息渠道设置已保存。")
        return redirect("notifications:channel_settings")
    return render(request, "notifications/channel_settings.html", {"form": form, "county": county})


@require_GET
@login_required
def delivery_log(request):
    _county_staff(request.user)
    rows = (Delivery.objects.for_user(request.user).select_related("message__recipient")
            .order_by("-created_at", "-pk"))
    state = request.GET.get("state", "")
    if state in Delivery.State.values:
        rows = rows.filter(state=state)
    channel = request.GET.get("channel", "")
    if channel in Channel.values:
        rows = rows.filter(channel=channel)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/delivery_log.html", {
        "page": page, "states": Delivery.State.choices, "channels": Channel.choices, "state": state,
        "channel": channel})


# --- 通知公告 ------------------------------------------------------------------------------------------------------

@require_GET
@login_required
def announcement_list(request):
    user = request.user
    if user.is_county_admin or user.role == "leader":
        rows = Announcement.objects.for_user(user).select_related("created_by").order_by("-published_at", "-pk")
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "notifications/announcement_list.html", {"page": page, "publisher": True})
    rows = (user.receipts.select_related("announcement").order_by("-announcement__published_at", "-pk"))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/announcement_list.html", {"page": page, "publisher": False})


@require_http_methods(["GET", "POST"])
@login_required
def announcement_create(request):
    _county_staff(request.user)
    form = AnnouncementForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            announcement = announcements.announcement_publish(
                user=request.user, region=services.county_of(request.user.region), title=data["title"],
                body=data["body"], to_all_secretaries=data["to_all_secretaries"], townships=data["townships"],
                unit_ids=data["units"], files=data["files"], request=request)
        except ValidationError as error:
            add_service_error(form, error)
        except OSError:
            # A full disk or a read-only media folder: the transaction is undone, the files already written go.
            announcements.discard_files(data["files"])
            form.add_error("files", "附件保存失败（存储空间不足或不可写），通知未发布，请稍后重试或联系管理员。")
        else:
            queued = getattr(announcement, "queued_for", 0)
            messages.success(request, f"已发布，{queued:,} 人将收到；站内消息正在后台发送，几分钟内全部送达。" if queued
                             else f"已发布，{announcement.receipts.count()} 人将收到。")
            return redirect(announcement)
    return render(request, "notifications/announcement_form.html", {"form": form})


def _announcement(request, pk):
    """Publishers see what is in their region; recipients what they received; anyone else gets a 404."""
    user = request.user
    announcement = get_object_or_404(Announcement.objects.select_related("created_by", "region", "send_job"),
                                     pk=pk)
    receipt = announcement.receipts.filter(user=user).first()
    publisher = (user.is_county_admin or user.role == "leader") and \
        Announcement.objects.for_user(user).filter(pk=pk).exists()
    if receipt is None and not publisher:
        raise Http404
    return announcement, receipt, publisher


@require_GET
@login_required
def announcement_detail(request, pk):
    announcement, receipt, publisher = _announcement(request, pk)
    if receipt is not None:
        announcements.mark_read(announcement, request.user)
    context = {"announcement": announcement, "receipt": receipt, "publisher": publisher,
               "attachments": list(announcement.attachments.all())}
    if publisher:
        context.update(_receipt_list(request, announcement))
    return render(request, "notifications/announcement_detail.html", context)


def _receipt_list(request, announcement):
    """The publisher's view of who has read: the counts (one aggregate), and one page of the recipients, all or
    those in one state (未读, to chase them), RECEIPT_PAGE_SIZE a page. The page's COUNT is the aggregate's."""
    state = request.GET.get("state", "")
    if state not in announcements.RECEIPT_STATES:
        state = ""
    counts = announcements.receipt_counts(announcement)
    paginator = Paginator(announcements.receipts(announcement, state), RECEIPT_PAGE_SIZE)
    paginator.count = counts[state or "total"]
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {**counts, "state": state, "states": [(key, label, counts[key])
                                                 for key, (label, _q) in announcements.RECEIPT_STATES.items()],
            "state_label": announcements.RECEIPT_STATES[state][0] if state else "",
            "rows": [announcements.receipt_row(r) for r in page.object_list], "page_obj": page,
            "paginator": paginator, "query_without_page": query.urlencode()}


@require_POST
@login_required
def announcement_acknowledge(request, pk):
    announcement, receipt, _publisher = _announcement(request, pk)
    try:
        announcements.acknowledge(announcement, user=request.user, note=request.POST.get("note", ""),
                                  request=request)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, "已回执。")
    return redirect(announcement)


@require_GET
@login_required
def announcement_export(request, pk):
    announcement, _receipt, publisher = _announcement(request, pk)
    if not publisher:
        raise PermissionDenied("仅发布单位可以导出回执情况。")
    state = request.GET.get("state", "")
    state = state if state in announcements.RECEIPT_STATES else None
    rows = ([name, role, region, "已读" if read else "未读", read, "已回执" if ack else "未回执", ack, note]
            for name, role, region, read, ack, note in announcements.receipt_rows(announcement, state))
    headers = ("姓名", "角色", "所属区域", "阅读", "阅读时间", "回执", "回执时间", "回执说明")
    suffix = f"-{announcements.RECEIPT_STATES[state][0]}" if state else ""
    return xlsx_response(f"{announcement.title[:40]}-回执情况{suffix}.xlsx",
                         [SheetSpec("回执情况", headers, rows, widths={0: 12, 2: 14, 4: 20, 6: 20, 7: 30})])


@require_GET
@login_required
def attachment_download(request, pk):
    attachment = get_object_or_404(AnnouncementAttachment, pk=pk)
    _announcement(request, attachment.announcement_id)
    try:
        handle = attachment.file.open("rb")
    except OSError:
        raise Http404("附件文件不存在。") from None
    return FileResponse(handle, as_attachment=True, filename=attachment.name)
