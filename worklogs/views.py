"""三本 pages. Everyone in scope reads; only the secretary writes their own records (for_user(user, "change")
keeps only those), within WORKLOG_EDIT_DAYS. Figures are computed by reports.py, never typed twice."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.forms import add_service_error
from accounts.params import parse_id
from accounts.roles import Role
from accounts.views import ScopedCreateView, ScopedDeleteView, ScopedDetailView, ScopedListView, ScopedUpdateView
from secretaries.models import Secretary
from secretaries.privacy import reads_diary_text
from villages.filters import area_level
from villages.models import Region

from . import reports, services
from .filters import ServiceRecordFilter, WorkLogFilter
from .forms import BoardForm, OverviewForm, ReflectionForm, ServiceRecordForm, WorkLogForm
from .models import ServiceRecord, Summary, WorkLog
from .periods import KINDS, WEEK, Period, in_range

NOT_A_SECRETARY = "民情日记和办实事记录由第一书记本人填写；您的账号没有关联第一书记。"


def own_secretary(user):
    """The secretary record linked to a secretary's login, or None."""
    if user.role != Role.SECRETARY:
        return None
    return Secretary.objects.filter(user=user).first()


def require_own_secretary(user):
    secretary = own_secretary(user)
    if secretary is None:
        raise PermissionDenied(NOT_A_SECRETARY)
    return secretary


def day_from(value, default):
    """A date from a URL or query string; `default` when it is not one or lies outside 2000–2100."""
    try:
        day = datetime.date.fromisoformat(value) if value else default
    except ValueError:
        return default
    return day if day is None or in_range(day) else default


class OwnEntryMixin:
    """Create and update pages whose saving is one service call; its ValidationError goes onto the form."""

    done = "已保存。"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "edit_days": settings.WORKLOG_EDIT_DAYS,
                "cancel": self.list_url}

    def form_valid(self, form):
        try:
            self.object = self.save(form)
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.done)
        return redirect(self.object)

    def get(self, request, *args, **kwargs):
        if getattr(self, "object", None) is not None:  # an update: refused at once once the window has passed
            try:
                services.check_editable(self.object, timezone.localdate())
            except ValidationError as error:
                messages.error(request, error.messages[0])
                return redirect(self.object)
        return super().get(request, *args, **kwargs)


class OwnDeleteMixin:
    service = None

    def form_valid(self, form):
        try:
            type(self).service(user=self.request.user, request=self.request, **{self.keyword: self.object})
        except ValidationError as error:
            messages.error(self.request, error.messages[0])
            return redirect(self.object)
        messages.success(self.request, f"已删除：{self.object}。")
        return redirect(self.success_url)


# --- Work logs ---------------------------------------------------------------------------------

class LogMixin:
    model = WorkLog
    form_class = WorkLogForm
    list_url = reverse_lazy("worklogs:log_list")


class LogList(LogMixin, ScopedListView):
    filterset_class = WorkLogFilter

    def decorate(self, queryset):
        return queryset.select_related("secretary", "village__region__parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        mine = own_secretary(self.request.user)
        context.update(today=today, mine=mine, export_query=self.request.GET.urlencode(),
                       todays_log=mine and WorkLog.objects.filter(secretary=mine, date=today).first(),
                       reads_text=reads_diary_text(self.request.user))
        return context


class LogDetail(LogMixin, ScopedDetailView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, log = self.request.user, self.object
        context["services"] = ServiceRecord.objects.for_user(user).filter(work_log=log).order_by("pk")
        context["mine"] = log.secretary.user_id == user.pk
        context["editable"] = context["mine"] and log.is_editable(timezone.localdate())
        context["reads_text"] = reads_diary_text(user)
        return context


class LogCreate(OwnEntryMixin, LogMixin, ScopedCreateView):
    template_name = "worklogs/worklog_form.html"
    done = "民情日记已保存。"

    def get_form_kwargs(self):
        self.secretary = require_own_secretary(self.request.user)
        return {**super().get_form_kwargs(), "instance": WorkLog(secretary=self.secretary)}

    def get_initial(self):
        return {"date": day_from(self.request.GET.get("date"), timezone.localdate())}

    def save(self, form):
        return services.worklog_create(user=self.request.user, request=self.request, secretary=self.secretary,
                                       **form.cleaned_data)


class LogUpdate(OwnEntryMixin, LogMixin, ScopedUpdateView):
    template_name = "worklogs/worklog_form.html"
    done = "民情日记已修改。"

    def save(self, form):
        return services.worklog_update(user=self.request.user, request=self.request, log=self.object,
                                       **form.cleaned_data)


class LogDelete(OwnDeleteMixin, LogMixin, ScopedDeleteView):
    success_url = LogMixin.list_url
    service, keyword = services.worklog_delete, "log"


# --- Service records ---------------------------------------------------------------------------

class ServiceMixin:
    model = ServiceRecord
    form_class = ServiceRecordForm
    list_url = reverse_lazy("worklogs:service_list")

    def choices(self, secretary, day):
        """The form's villages (the secretary's township) and logs (their own, still editable)."""
        since = timezone.localdate() - datetime.timedelta(days=settings.WORKLOG_EDIT_DAYS)
        return {"villages": services.service_villages(secretary, day),
                "logs": WorkLog.objects.filter(secretary=secretary, date__gte=since).order_by("-date")}


class ServiceList(ServiceMixin, ScopedListView):
    filterset_class = ServiceRecordFilter

    def decorate(self, queryset):
        return queryset.select_related("secretary", "village__region__parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kinds = reports.service_kinds(self.object_list.aggregate(**reports.service_aggregates()))
        context.update(kinds=kinds, sentence=reports.service_sentence(kinds, lead="共"),
                       mine=own_secretary(self.request.user), export_query=self.request.GET.urlencode())
        return context


class ServiceDetail(ServiceMixin, ScopedDetailView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["mine"] = self.object.secretary.user_id == self.request.user.pk
        context["editable"] = context["mine"] and self.object.is_editable(timezone.localdate())
        return context


class ServiceCreate(OwnEntryMixin, ServiceMixin, ScopedCreateView):
    template_name = "worklogs/servicerecord_form.html"
    done = "办实事记录已保存。"

    def get_form_kwargs(self):
        self.secretary = require_own_secretary(self.request.user)
        kwargs = super().get_form_kwargs()
        return {**kwargs, **self.choices(self.secretary, timezone.localdate()),
                "instance": ServiceRecord(secretary=self.secretary)}

    def get_initial(self):
        """From a log (?log=): its date, village and the link, so the day is entered once."""
        pk = parse_id(self.request.GET.get("log"))
        log = None
        if pk is not None:
            log = WorkLog.objects.for_user(self.request.user, "change").filter(pk=pk).first()
        if log is not None:
            return {"date": log.date, "village": log.village_id, "work_log": log.pk}
        today = timezone.localdate()
        assignment = services.serving_assignment(self.secretary, today)
        return {"date": today, "village": assignment and assignment.village_id}

    def save(self, form):
        return services.service_create(user=self.request.user, request=self.request, secretary=self.secretary,
                                       **form.cleaned_data)


class ServiceUpdate(OwnEntryMixin, ServiceMixin, ScopedUpdateView):
    template_name = "worklogs/servicerecord_form.html"
    done = "办实事记录已修改。"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), **self.choices(self.object.secretary, self.object.date)}

    def save(self, form):
        return services.service_update(user=self.request.user, request=self.request, record=self.object,
                                       **form.cleaned_data)


class ServiceDelete(OwnDeleteMixin, ServiceMixin, ScopedDeleteView):
    success_url = ServiceMixin.list_url
    service, keyword = services.service_delete, "record"


# --- 周总结 / 月交流, the township board, 为民服务 ----------------------------------------------------

@require_http_methods(["GET", "POST"])
@login_required
def summary(request, pk, kind, start):
    """A secretary's week or month: figures from the logs, the entries, and their one typed part, the reflection."""
    secretary = get_object_or_404(Secretary.objects.for_user(request.user), pk=pk)
    day = day_from(start, None)
    if kind not in KINDS or day is None:
        raise Http404("没有这个周期。")
    period, today = Period.containing(kind, day), timezone.localdate()
    writes = secretary.user_id == request.user.pk and request.user.has_perm("worklogs.add_summary")
    form = ReflectionForm(request.POST or None)
    if request.method == "POST":
        if not writes:
            raise PermissionDenied("周总结、月交流的体会由第一书记本人填写。")
        if form.is_valid() and save_reflection(request, secretary, period, form):
            messages.success(request, "体会与打算已保存。")
            return redirect("worklogs:summary", secretary.pk, kind, period.key())
    data = reports.secretary_period(secretary, request.user, period)
    form.initial["text"] = getattr(data["reflection"], "text", "")
    open_now = period.start <= today and Summary(kind=kind, period_start=period.start).is_editable(today)
    return render(request, "worklogs/summary.html", {
        **data, "secretary": secretary, "form": form, "writes": writes and open_now,
        "reads_text": reads_diary_text(request.user),
        "previous": period.previous(), "next": period.next() if period.end < today else None,
    })


def save_reflection(request, secretary, period, form):
    try:
        services.summary_save(user=request.user, request=request, secretary=secretary, period=period,
                              text=form.cleaned_data["text"])
    except ValidationError as error:
        add_service_error(form, error)
        return False
    return True


@require_GET
@login_required
def my_summary(request, kind):
    """The secretary's own current week or month; anyone else goes to the board."""
    if kind not in KINDS:
        raise Http404("没有这种周期。")
    mine = own_secretary(request.user)
    if mine is None:
        return redirect(f"{reverse('worklogs:board')}?kind={kind}")
    return redirect("worklogs:summary", mine.pk, kind, f"{timezone.localdate():%Y-%m-%d}")


@require_GET
@login_required
def board(request):
    """The secretaries in scope for a week or month with the figures from their logs, in village order."""
    if not request.user.has_perm("worklogs.view_worklog"):
        raise PermissionDenied("您的角色无权查看民情日记。")
    form = BoardForm(request.GET or None, user=request.user)
    choice = form.cleaned_data if form.is_valid() else {}
    period = Period.containing(choice.get("kind") or WEEK, choice.get("day") or timezone.localdate())
    # A city or province lists one row per serving secretary (25,000 in a province: 4 s and more): above the
    # county, the board shows a county's or city's people once one is chosen.
    choose_area = choice.get("township") is None and area_level(request.user) != Region.Level.TOWNSHIP
    if choose_area:
        data = {"period": period, "rows": [], "totals": {}, "areas": []}
    else:
        data = reports.board(request.user, period, choice.get("township"))
    return render(request, "worklogs/board.html", {
        **data, "form": form, "previous": period.previous(), "next": period.next(),
        "show_areas": len(data["areas"]) > 1, "choose_area": choose_area,
    })


@require_GET
@login_required
def service_overview(request):
    """为民服务: service records by area and kind, and the sentence the articles would write from them."""
    if not request.user.has_perm("worklogs.view_servicerecord"):
        raise PermissionDenied("您的角色无权查看办实事记录。")
    form = OverviewForm(request.GET or None)
    year = form.cleaned_data.get("year") if form.is_valid() else None
    return render(request, "worklogs/service_overview.html", {
        **reports.service_overview(request.user, year), "form": form, "year": year,
    })
