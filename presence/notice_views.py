"""通报: drafts made by the three-absences rule, edited and issued by county staff."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import audit
from accounts.forms import add_service_error
from accounts.models import AuditLog

from . import access, services
from .forms import NoticeForm, TalkForm
from .models import SpotCheck


def scoped_notice(request, pk):
    return get_object_or_404(access.notices_for(request.user).select_related(
        "secretary__unit", "village__region__parent", "team_leader", "issued_by", "closed_by"), pk=pk)


@require_GET
@login_required
def notice_list(request):
    notices = (access.notices_for(request.user).select_related("secretary", "village__region__parent", "team_leader")
               .order_by("status", "-created_at", "-pk"))
    return render(request, "presence/notice_list.html", {"notices": notices[:300],
                                                         "may_issue": access.may_issue(request.user)})


@require_GET
@login_required
def notice_detail(request, pk):
    notice = scoped_notice(request, pk)
    checks = SpotCheck.objects.for_user(request.user).filter(notices=notice).order_by("date", "pk")
    return render(request, "presence/notice_detail.html", {"notice": notice, "checks": checks,
                                                           "may_issue": access.may_issue(request.user)})


@require_http_methods(["GET", "POST"])
@login_required
def notice_edit(request, pk):
    notice = scoped_notice(request, pk)
    if not access.may_issue(request.user):
        raise PermissionDenied("只有县委组织部管理员可以修改通报。")
    if notice.is_issued:
        messages.error(request, "通报已发布，不能再修改。")
        return redirect(notice)
    form = NoticeForm(request.POST or None, instance=notice)
    if request.method == "POST" and form.is_valid():
        before = {name: form.initial.get(name) for name in form.changed_data}
        after = {name: form.cleaned_data.get(name) for name in form.changed_data}
        with transaction.atomic():
            form.instance.edited = form.instance.edited or bool(form.changed_data)
            form.save()
            audit.record(user=request.user, request=request, action=AuditLog.Action.UPDATE, obj=notice,
                         changes=audit.diff(before, after, form.changed_data))
        messages.success(request, "通报草稿已保存。")
        return redirect(notice)
    return render(request, "presence/notice_form.html", {"notice": notice, "form": form})


@require_POST
@login_required
def notice_issue(request, pk):
    notice = scoped_notice(request, pk)
    try:
        services.notice_issue(user=request.user, request=request, notice=notice)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, "通报已发布，已记入该同志的在岗在位记录。")
    return redirect(notice)


@require_http_methods(["GET", "POST"])
@login_required
def notice_talk(request, pk):
    """登记约谈: the talk took place; the notice is closed."""
    notice = scoped_notice(request, pk)
    if not access.may_issue(request.user):
        raise PermissionDenied("只有县委组织部管理员可以登记约谈。")
    if not notice.is_issued or notice.is_closed:
        messages.error(request, "只有已发布、尚未销号的通报可以登记约谈。")
        return redirect(notice)
    form = TalkForm(request.POST or None, instance=notice)
    if request.method == "POST" and form.is_valid():
        try:
            services.notice_close(user=request.user, request=request, notice=notice, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "约谈已登记，通报已销号。")
            return redirect(notice)
    return render(request, "presence/notice_talk.html", {"notice": notice, "form": form})
