"""Evaluation periods: lifecycle, score grids, peer meetings, rankings and results.

Every page finds its period (or meeting, or person) through `for_user` first — another region's object is a
404 — and only then asks evaluations.access whether this role may do this.
"""

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Avg, Count, F, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import add_service_error
from accounts.params import id_or_404
from accounts.roles import Role
from accounts.views import ScopedListView, show_errors
from alliances.models import Alliance
from excel.writer import SheetSpec, xlsx_response
from secretaries.models import Assignment
from villages.filters import area_level, area_queryset
from villages.models import Region

from . import access, completeness, evidence, scoring, services
from .filters import PeriodFilter, RankingFilter
from .forms import MeetingForm, PeriodForm, ReopenForm, ScoreGridForm
from .models import Channel, Contest, DimensionResult, Participant, Period, Score, SurveyCode, SurveyTally
from .templatetags.scores import score as shown

GRID_CHANNELS = {Channel.ORG.value, Channel.TOWNSHIP.value, Channel.VILLAGE.value}
DISTRIBUTION = ((None, 60, "60 分以下"), (60, 70, "60–70"), (70, 80, "70–80"), (80, 85, "80–85"),
                (85, 90, "85–90"), (90, 95, "90–95"), (95, None, "95 分及以上"))


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


# Score grids -------------------------------------------------------------------------------------------------

def _existing(period, channel, participants, rater=None):
    table = {}
    rows = Score.objects.filter(period=period, channel=channel, rater=rater, participant__in=participants)
    for pid, dimension, value in rows.values_list("participant_id", "dimension", "value"):
        table.setdefault(pid, {})[dimension] = value
    return table


def _grid(request, period, channel, participants, *, rater=None, meeting=None, context):
    """The shared GET/POST of a score grid; returns the response."""
    participants = list(participants)
    existing = _existing(period, channel, participants, rater)
    frozen = not period.is_scoring
    form = ScoreGridForm(request.POST if request.method == "POST" else None, participants=participants,
                         dimensions=period.dimensions, existing=existing, disabled=frozen)
    if request.method == "POST":
        if frozen:
            messages.error(request, services.FROZEN if period.is_frozen else services.NOT_SCORING)
        elif form.is_valid():
            try:
                changed = services.save_grid(period, channel, form.scores, user=request.user, request=request,
                                             rater=rater, meeting=meeting)
            except ValidationError as error:
                show_errors(request, error)
            else:
                messages.success(request, f"已保存：{changed} 人的分数有变化。" if changed else "没有需要保存的变化。")
                return redirect(request.get_full_path())
        else:
            messages.error(request, "分数未保存，请按提示修改。")
    label = dict(period.channel_list()).get(channel, Channel(channel).label)
    context.update({"period": period, "form": form, "frozen": frozen, "channel_label": label,
                    "dimensions": period.dimensions})
    return render(request, "evaluations/score_grid.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def score_grid(request, pk, channel):
    """组织考评 or 镇街点评 for one township at a time."""
    user = request.user
    period = period_or_404(user, pk)
    if channel not in GRID_CHANNELS or (period.rules and channel not in period.channel_weights()):
        raise Http404("本周期的考评方案没有这种评分表。")
    if channel == Channel.VILLAGE and period.village_input != "grid":
        raise Http404("本周期的村级评价由代表凭测评码评价，没有评分表。")
    access.require_channel(user, channel)
    if channel == Channel.ORG:
        access.require_manager(user, period)
    townships = Region.objects.for_user(user).filter(
        pk__in=Participant.objects.filter(period=period).values("township")).order_by("path")
    township_id = request.GET.get("township") or (user.region_id if user.role == Role.TOWNSHIP else None)
    if township_id is None:
        township = townships.first()
        if township is None:
            raise Http404("本周期没有您可以评分的镇街。")
    else:
        try:
            township = get_object_or_404(townships, pk=int(township_id))
        except ValueError:
            raise Http404("没有这个镇街。") from None
    participants = (Participant.objects.for_user(user).filter(period=period, township=township)
                    .select_related("secretary", "village__region").order_by("village__region__path", "pk"))
    return _grid(request, period, channel, participants, context={
        "township": township, "townships": townships, "channel": channel,
    })


# Peer meetings ------------------------------------------------------------------------------------------------

def meeting_or_404(user, pk):
    meetings = access.meetings_for(user).select_related("period__region", "period__scheme", "township")
    return get_object_or_404(meetings, pk=pk)


@require_http_methods(["GET", "POST"])
@login_required
def meeting_create(request, pk):
    period = period_or_404(request.user, pk)
    access.require_manager(request.user, period)
    form = MeetingForm(request.POST or None, period=period, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.ensure_scoring(period)
            meeting = services.meeting_create(
                period, user=request.user, request=request, name=data["name"], date=data["date"],
                township=data["township"], participants=list(data["participants"]) or None)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"已建立“{meeting.name}”，参会 {meeting.participants.count()} 人。")
            return redirect(meeting)
    return render(request, "evaluations/meeting_form.html", {"form": form, "period": period})


@login_required
def meeting_detail(request, pk):
    user = request.user
    meeting = meeting_or_404(user, pk)
    period = meeting.period
    members = list(meeting.participants.select_related("secretary", "village__region").order_by(
        "village__region__path", "pk"))
    given = dict(Score.objects.filter(meeting=meeting).values("rater").annotate(
        n=Count("participant", distinct=True)).values_list("rater", "n"))
    manages = access.manages(user, period)
    rows = [{"member": m, "given": given.get(m.pk, 0), "may_rate": manages or m.secretary.user_id == user.pk}
            for m in members]
    return render(request, "evaluations/meeting_detail.html", {
        "meeting": meeting, "period": period, "rows": rows, "others": len(members) - 1, "manages": manages,
    })


@require_http_methods(["GET", "POST"])
@login_required
def peer_grid(request, pk, rater):
    """One rater's scores for every other member of the meeting; never for themselves."""
    user = request.user
    meeting = meeting_or_404(user, pk)
    period = meeting.period
    rater = get_object_or_404(meeting.participants.select_related("secretary"), pk=rater)
    if not (access.manages(user, period) or (user.role == Role.SECRETARY and rater.secretary.user_id == user.pk)):
        raise PermissionDenied(access.NOT_YOUR_CHANNEL[Channel.PEER])
    others = (meeting.participants.exclude(pk=rater.pk).select_related("secretary", "village__region")
              .order_by("village__region__path", "pk"))
    return _grid(request, period, Channel.PEER, others, rater=rater, meeting=meeting,
                 context={"meeting": meeting, "rater": rater, "channel": Channel.PEER})


# Results ---------------------------------------------------------------------------------------------------

def _results(request, period):
    if not access.sees_results(request.user, period):
        raise PermissionDenied("考评结果尚未发布，发布后才能查看。")
    results = access.results_for(request.user, period)
    # The area choices follow the user's level (townships for county staff, counties or cities above): reading the
    # period's townships from its results costs a pass over a province's ranking.
    townships = area_queryset(request.user)
    alliances = Alliance.objects.filter(pk__in=results.values("alliance")).order_by("name")
    filterset = RankingFilter(request.GET or None, queryset=results, townships=townships, alliances=alliances,
                              area_label=Region.Level(area_level(request.user)).label)
    if filterset.is_bound and not filterset.is_valid():
        return filterset, results.none()
    return filterset, filterset.qs


def _ranked(queryset):
    return (queryset.select_related("secretary", "township", "village__region", "alliance")
            .prefetch_related("honours")
            .order_by(F("rank_county").asc(nulls_last=True), "secretary__name", "pk"))


def distribution(queryset):
    """How many composites fall in each band: one aggregate query."""
    bands = {}
    for low, high, _label in DISTRIBUTION:
        condition = Q(composite__isnull=False)
        if low is not None:
            condition &= Q(composite__gte=low)
        if high is not None:
            condition &= Q(composite__lt=high)
        bands[f"b{low}"] = Count("pk", filter=condition)
    counts = queryset.aggregate(**bands, average=Avg("composite"))
    biggest = max([counts[f"b{low}"] for low, _h, _l in DISTRIBUTION] + [1])
    return {
        "bands": [{"label": label, "count": counts[f"b{low}"], "width": round(100 * counts[f"b{low}"] / biggest)}
                  for low, _high, label in DISTRIBUTION],
        "average": counts["average"],
    }


@login_required
def ranking(request, pk):
    period = period_or_404(request.user, pk)
    filterset, results = _results(request, period)
    paginator = Paginator(_ranked(results), 50)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    services.reader_record(period, request.user)
    return render(request, "evaluations/ranking.html", {
        "channels": period.channel_list(),
        "period": period, "filter": filterset, "page_obj": page, "paginator": paginator,
        "object_list": page.object_list, "query_without_page": query.urlencode(),
        "distribution": distribution(results), "manages": access.manages(request.user, period),
    })


RANKING_HEADERS = ("县排名", "镇排名", "分盟", "盟内排名", "位次进退", "姓名", "派出单位", "镇街", "村", "派驻层级",
                   "组织考评", "镇街点评", "观摩互评", "党员群众测评", "综合得分", "渠道缺失", "红旗", "星级", "等次",
                   "荣誉")


def _number(value):
    return float(shown(value)) if value is not None else None


@login_required
def ranking_export(request, pk):
    period = period_or_404(request.user, pk)
    _filterset, results = _results(request, period)
    rows = (
        [p.rank_county, p.rank_township, p.alliance.name if p.alliance else "", p.rank_alliance, p.change_label,
         p.secretary.name, p.unit_name, p.township.name,
         p.village.region.name, p.get_dispatch_level_display(), _number(p.score_org), _number(p.score_township),
         _number(p.score_peer), _number(p.score_survey), _number(p.composite), "是" if p.channels_missing else "",
         "红旗" if p.flag else "", p.stars or None, p.get_grade_display() + ("（待定）" if p.grade_pending else ""),
         "、".join(h.get_kind_display() for h in p.honours.all())]
        for p in _ranked(results).iterator(chunk_size=2000)
    )
    sheet = SheetSpec(f"{period.label}排名", RANKING_HEADERS, rows, widths={4: 24, 5: 12, 6: 12})
    return xlsx_response(f"{period.region.name}{period.label}考评排名.xlsx", [sheet])


def radar(labels, series, size=320, radius=110):
    """SVG points for a radar chart: series = [(name, css class, [score 0–100 per label])]."""
    centre = size / 2
    count = len(labels)

    def point(index, value):
        angle = -math.pi / 2 + 2 * math.pi * index / count
        r = radius * float(value or 0) / 100
        return round(centre + r * math.cos(angle), 1), round(centre + r * math.sin(angle), 1)

    rings = [" ".join(f"{x},{y}" for x, y in (point(i, level) for i in range(count)))
             for level in (20, 40, 60, 80, 100)]
    axes = [{"end": point(i, 100), "label": point(i, 118), "text": label} for i, label in enumerate(labels)]
    shapes = [{"name": name, "css": css, "points": " ".join(f"{x},{y}" for x, y in
                                                             (point(i, v) for i, v in enumerate(values)))}
              for name, css, values in series]
    return {"size": size, "centre": centre, "rings": rings, "axes": axes, "shapes": shapes}


@login_required
def result_detail(request, pk):
    user = request.user
    person = get_object_or_404(
        Participant.objects.for_user(user).select_related("period__region", "secretary", "township",
                                                          "village__region"), pk=pk)
    period = person.period
    if not access.sees_results(user, period):
        raise PermissionDenied("考评结果尚未发布，发布后才能查看。")
    services.reader_record(period, user)
    dimensions = period.dimensions
    positions = range(1, len(dimensions) + 1)
    mine = dict(DimensionResult.objects.filter(participant=person).values_list("position", "score"))
    averages = dict(DimensionResult.objects.filter(period=period).values("position").annotate(
        avg=Avg("score")).values_list("position", "avg"))
    table = scoring.channel_dimension_scores(person)
    raters = Score.objects.filter(participant=person, channel=Channel.PEER).aggregate(
        n=Count("rater", distinct=True))["n"]
    responses = SurveyTally.objects.filter(participant=person, dimension=1).values_list(
        "satisfied", "basic", "unsatisfied")
    weights = period.channel_weights()
    channel_rows = [
        {"label": label, "weight": weights.get(code), "total": getattr(person, f"score_{code}", None),
         "cells": [table.get(code, {}).get(i) for i in positions]}
        for code, label in period.channel_list()
    ]
    return render(request, "evaluations/result_detail.html", {
        "person": person, "period": period, "dimensions": dimensions, "channel_rows": channel_rows,
        "overall": [mine.get(i) for i in positions],
        "averages": [averages.get(i) for i in positions],
        "radar": radar(dimensions, [("县平均", "avg", [averages.get(i) for i in positions]),
                                    (person.secretary.name, "mine", [mine.get(i) for i in positions])]),
        "raters": raters, "responses": sum(sum(r) for r in responses),
        "honours": person.honours.all(),
        "back": reverse("evaluations:ranking", args=[period.pk]),
    })
