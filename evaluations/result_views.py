"""Results: the ranking (page and Excel) and one person's result with its radar chart.

Results are shown only once access.sees_results allows it (county staff while scoring; everyone in scope after
publication), and only the people access.results_for gives the user.
"""

import math

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Avg, Count, F, Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from alliances.models import Alliance
from excel.writer import SheetSpec, xlsx_response
from villages.filters import area_level, area_queryset
from villages.models import Region

from . import access, scoring, services
from .filters import RankingFilter
from .models import Channel, Participant, Score, SurveyTally
from .templatetags.scores import score as shown
from .views import period_or_404

DISTRIBUTION = ((None, 60, "60 分以下"), (60, 70, "60–70"), (70, 80, "70–80"), (80, 85, "80–85"),
                (85, 90, "85–90"), (90, 95, "90–95"), (95, None, "95 分及以上"))


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


# The person's name is all the ranking shows of them: their encrypted ID number and phone are neither read nor
# decrypted (50 of each per page).
UNSHOWN = ("secretary__id_number", "secretary__id_number_hash", "secretary__phone", "secretary__phone_hash")


def _ranked(queryset):
    return (queryset.select_related("secretary", "township", "village__region", "alliance").defer(*UNSHOWN)
            .prefetch_related("honours")
            .order_by(F("rank_county").asc(nulls_last=True), "secretary__name", "pk"))


def distribution(queryset):
    """How many composites fall in each band, and how many people there are: one aggregate query."""
    bands = {}
    for low, high, _label in DISTRIBUTION:
        condition = Q(composite__isnull=False)
        if low is not None:
            condition &= Q(composite__gte=low)
        if high is not None:
            condition &= Q(composite__lt=high)
        bands[f"b{low}"] = Count("pk", filter=condition)
    counts = queryset.aggregate(**bands, average=Avg("composite"), total=Count("pk"))
    biggest = max([counts[f"b{low}"] for low, _h, _l in DISTRIBUTION] + [1])
    return {
        "bands": [{"label": label, "count": counts[f"b{low}"], "width": round(100 * counts[f"b{low}"] / biggest)}
                  for low, _high, label in DISTRIBUTION],
        "average": counts["average"], "total": counts["total"],
    }


@login_required
def ranking(request, pk):
    period = period_or_404(request.user, pk)
    filterset, results = _results(request, period)
    bands = distribution(results)
    paginator = Paginator(_ranked(results), 50)
    paginator.count = bands["total"]  # counted with the bands: no COUNT(*) of its own over a province's ranking
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    services.reader_record(period, request.user)
    return render(request, "evaluations/ranking.html", {
        "channels": period.channel_list(),
        "period": period, "filter": filterset, "page_obj": page, "paginator": paginator,
        "object_list": page.object_list, "query_without_page": query.urlencode(),
        "distribution": bands, "manages": access.manages(request.user, period),
        # one reverse() for the page, not one per row
        "result_url": reverse("evaluations:result_detail", args=[0]).removesuffix("0/"),
    })


RANKING_HEADERS = ("县排名", "镇排名", "分盟", "盟内排名", "位次进退", "姓名", "派出单位", "镇街", "村", "派驻层级")
RANKING_TAIL = ("综合得分", "渠道缺失", "红旗", "星级", "等次", "荣誉")


def _number(value):
    return float(shown(value)) if value is not None else None


@login_required
def ranking_export(request, pk):
    period = period_or_404(request.user, pk)
    _filterset, results = _results(request, period)
    channels = period.channel_list()  # the period's own channels, named as its scheme names them
    rows = (
        [p.rank_county, p.rank_township, p.alliance.name if p.alliance else "", p.rank_alliance, p.change_label,
         p.secretary.name, p.unit_name, p.township.name, p.village.region.name, p.get_dispatch_level_display(),
         *(_number(getattr(p, f"score_{code}", None)) for code, _label in channels),
         _number(p.composite), "是" if p.channels_missing else "",
         "红旗" if p.flag else "", p.stars or None, p.get_grade_display() + ("（待定）" if p.grade_pending else ""),
         "、".join(h.get_kind_display() for h in p.honours.all())]
        for p in _ranked(results).iterator(chunk_size=2000)
    )
    headers = (*RANKING_HEADERS, *(label for _code, label in channels), *RANKING_TAIL)
    sheet = SheetSpec(f"{period.label}排名", headers, rows, widths={4: 24, 5: 12, 6: 12})
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
    mine = person.dimension_scores()
    columns = Participant.objects.filter(period=period).aggregate(
        **{f"dimension_{i}": Avg(f"dimension_{i}") for i in positions})
    averages = {i: columns[f"dimension_{i}"] for i in positions}
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
