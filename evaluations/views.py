"""Evaluation periods: the list, a new period, the period page and its actions, the roster, honours and grades.

Every page of evaluations finds its period (or meeting, or person) through `for_user` first — another region's
object is a 404 — and only then asks evaluations.access whether this role may do this. The score grids and peer
meetings are in grid_views, the ranking and results in result_views, locking and publication in lock_views.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import add_service_error
from accounts.params import id_or_404
from accounts.roles import Role
from accounts.views import ScopedListView, show_errors
from secretaries.models import Assignment
from villages.models import Region

from . import access, completeness, evidence, services
from .filters import PeriodFilter
from .forms import PeriodForm, ReopenForm
from .models import Channel, Contest, Participant, Period, SurveyCode


def period_or_404(user, pk):
    return get_object_or_404(Period.objects.for_user(user).select_related("region", "scheme", "previous"), pk=pk)


class PeriodList(ScopedListView):
    model = Period
    filterset_class = PeriodFilter
    template_name = "evaluations/period_list.html"
    paginate_by = 30

    def decorate(self, queryset):
        return (queryset.select_related("region", "scheme").annotate(people=Count("participants"))
                .order_by("-year", "-end_date", "-pk"))


@require_http_methods(["GET", "POST"])
@login_required
def period_create(request):
    user = request.user
    if not user.is_county_admin or user.region is None or user.region.level in (
            Region.Level.TOWNSHIP, Region.Level.VILLAGE):
        raise PermissionDenied("只有县（市、区）及以上组织部门的管理员可以新建考评周期。")
    form = PeriodForm(request.POST or None, user=user)
    if form.is_valid():
        try:
            period = services.period_create(user=user, request=request, region=user.region, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"已新建{period.label}考评（草稿）。核对方案后即可开启评分。")
            return redirect(period)
    return render(request, "evaluations/period_form.html", {"form": form})


@login_required
def period_detail(request, pk):
    period = period_or_404(request.user, pk)
    user = request.user
    manages = access.manages(user, period)
    meetings = (access.meetings_for(user).filter(period=period).select_related("township")
                .annotate(people=Count("participants", distinct=True), score_count=Count("scores", distinct=True))
                .order_by("-date", "pk"))
    weights = period.channel_weights() if period.rules else period.scheme.channel_weights()
    mine = None
    if user.role == Role.SECRETARY:
        mine = Participant.objects.for_user(user).filter(period=period).first()
    context = {
        "period": period,
        "manages": manages,
        "report": (completeness.summary(period, Participant.objects.for_user(user).filter(period=period))
                   if user.role != Role.SECRETARY and period.status != Period.Status.DRAFT else None),
        "contests": Contest.objects.for_user(user).filter(period=period).annotate(
            people=Count("speakers", distinct=True)).order_by("-date", "pk"),
        "publications": (period.publications.select_related("published_by", "withdrawn_by")
                         if manages else []),
        "meetings": meetings,
        "mine": mine,
        "dimensions": period.rules.get("dimensions") if period.rules else period.scheme.rules()["dimensions"],
        "channels": [(name, weights.get(code)) for code, name in period.channel_list()],
        "sees_results": access.sees_results(user, period),
        "may_enter_org": access.may_enter(user, Channel.ORG) and manages and Channel.ORG in weights,
        "may_enter_township": access.may_enter(user, Channel.TOWNSHIP) and Channel.TOWNSHIP in weights,
        "may_enter_village": (access.may_enter(user, Channel.VILLAGE) and Channel.VILLAGE in weights
                              and period.village_input == "grid"),
        "reopen_form": ReopenForm(),
        "honours": (evidence.attach(period.honours.select_related("participant__secretary", "participant__township")
                                    .order_by("kind", "-basis", "pk"), period) if manages and period.is_frozen
                    else []),
        "pending": (period.participants.filter(grade_pending=True).select_related("secretary")
                    if manages and period.status == Period.Status.LOCKED else []),
        "everyone": (period.participants.select_related("secretary").order_by("rank_county", "pk")
                     if manages and period.status == Period.Status.LOCKED else []),
        "codes": (SurveyCode.objects.filter(period=period).aggregate(
            total=Count("pk"), used=Count("pk", filter=Q(used_at__isnull=False))) if manages else None),
    }
    return render(request, "evaluations/period_detail.html", context)


ACTIONS = {
    "open": (services.period_open, "已开启评分：参评名单已生成，考评规则已从方案复制到本周期。"),
    "confirm": (services.honours_confirm, "已确认三争荣誉和季度之星名单。"),
    "publish": (services.period_publish, "已发布考评结果：镇街和第一书记本人现在可以查看。"),
}


@require_POST
@login_required
def period_action(request, pk, action):
    period = period_or_404(request.user, pk)
    access.require_manager(request.user, period)
    try:
        if action == "reopen":
            form = ReopenForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors["reason"])
            services.period_reopen(period, user=request.user, request=request, reason=form.cleaned_data["reason"])
            messages.success(request, "已重新开启评分，理由已记入操作日志。")
        elif action == "compute":
            services.period_compute(period)
            messages.success(request, "已按当前分数试算排名（未发布，仅县委组织部可见）。")
            return redirect("evaluations:ranking", pk=period.pk)
        elif action in ACTIONS:
            service, done = ACTIONS[action]
            service(period, user=request.user, request=request)
            messages.success(request, done)
        else:
            raise Http404("没有这种操作。")
    except ValidationError as error:
        show_errors(request, error)
    return redirect(period)


@require_http_methods(["GET", "POST"])
@login_required
def period_roster(request, pk):
    """参评名单: who is evaluated; county staff add someone who served in the period or take off the unscored."""
    user = request.user
    period = period_or_404(user, pk)
    manages = access.manages(user, period)
    people = (Participant.objects.for_user(user).filter(period=period)
              .select_related("secretary", "township", "village__region").order_by("village__region__path", "pk"))
    if request.method == "POST":
        access.require_manager(user, period)
        try:
            if request.POST.get("action") == "add":
                mine = services.candidates(period).filter(pk__in=Assignment.objects.for_user(user).values("pk"))
                assignment = get_object_or_404(mine, pk=id_or_404(request.POST.get("assignment")))
                person = services.participant_add(period, assignment, user=user, request=request)
                messages.success(request, f"已将{person.secretary.name}加入参评名单。")
            else:
                person = get_object_or_404(people, pk=id_or_404(request.POST.get("participant")))
                services.participant_remove(period, person, user=user, request=request,
                                            reason=request.POST.get("reason", ""))
                messages.success(request, f"已将{person.secretary.name}移出参评名单。")
        except ValidationError as error:
            show_errors(request, error)
        return redirect("evaluations:period_roster", pk=period.pk)
    page = Paginator(people, 100).get_page(request.GET.get("page"))
    candidates = []
    if manages and period.is_scoring:
        candidates = services.candidates(period).filter(pk__in=Assignment.objects.for_user(user).values("pk"))[:500]
    return render(request, "evaluations/period_roster.html", {
        "period": period, "page_obj": page, "paginator": page.paginator, "object_list": page.object_list,
        "manages": manages, "candidates": candidates,
    })


@require_POST
@login_required
def honour_change(request, pk, honour):
    """Give an honour to someone other than the rule's nominee (a reason is required)."""
    user = request.user
    period = period_or_404(user, pk)
    access.require_manager(user, period)
    honour = get_object_or_404(period.honours.all(), pk=honour)
    replacement = get_object_or_404(period.participants.all(), pk=id_or_404(request.POST.get("participant")))
    try:
        services.honour_change(period, honour, replacement, user=user, request=request,
                               reason=request.POST.get("reason", ""))
        messages.success(request, f"已将“{honour.get_kind_display()}”调整为{replacement.secretary.name}。")
    except ValidationError as error:
        show_errors(request, error)
    return redirect(period)


@require_POST
@login_required
def grades_decide(request, pk):
    user = request.user
    period = period_or_404(user, pk)
    access.require_manager(user, period)
    chosen = period.participants.filter(pk__in=[id_or_404(v) for v in request.POST.getlist("excellent")])
    try:
        services.grades_decide(period, list(chosen), user=user, request=request)
        messages.success(request, "已决定待定人员的年度等次。")
    except ValidationError as error:
        show_errors(request, error)
    return redirect(period)
