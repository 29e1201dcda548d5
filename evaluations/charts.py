"""Dashboard charts of the evaluations, drawn as SVG on the server (no charting library, nothing from the web).

Four charts for the county dashboard, each a dict the template turns into <rect>/<polyline>:
- progress of the period being scored (share of people with a score, per channel);
- the distribution of the last published composites;
- the trend of the county average and of each township over the published periods of that kind;
- the red flags of the last published period, per township.
A fixed handful of queries whatever the numbers.
"""

from django.db.models import Avg, Count, Q

from .completeness import channel_label, weighted_channels
from .models import Participant, Period, Score, SurveyTally

WIDTH, BAR_H, GAP, LEFT = 560, 18, 8, 110
TREND_PERIODS = 8
BANDS = ((None, 60, "60 以下"), (60, 70, "60–70"), (70, 80, "70–80"), (80, 85, "80–85"), (85, 90, "85–90"),
         (90, 95, "90–95"), (95, None, "95 以上"))


def _bars(rows, maximum):
    """[(label, value, text)] → horizontal bars scaled to `maximum`."""
    span = WIDTH - LEFT - 60
    bars = []
    for i, (label, value, text) in enumerate(rows):
        y = i * (BAR_H + GAP)
        width = 0 if not maximum else round(span * float(value or 0) / float(maximum), 1)
        bars.append({"label": label, "y": y, "text_y": y + BAR_H - 4, "width": width, "text": text,
                     "value_x": LEFT + width + 6, "todo": span - width})
    return {"bars": bars, "height": max(1, len(rows)) * (BAR_H + GAP), "left": LEFT, "span": span}


def progress(period, people):
    """Per weighted channel: the share of the period's people with at least one score in it (two queries)."""
    total = people.count()
    scored = dict(Score.objects.filter(period=period, participant__in=people.values("pk")).values("channel")
                  .annotate(n=Count("participant", distinct=True)).values_list("channel", "n"))
    tallied = dict(SurveyTally.objects.filter(period=period, participant__in=people.values("pk"))
                   .values("channel").annotate(n=Count("participant", distinct=True)).values_list("channel", "n"))
    rows = []
    for channel in weighted_channels(period):
        n = scored.get(channel, 0) + tallied.get(channel, 0)
        share = 100 * min(n, total) / total if total else 0
        rows.append((channel_label(channel), share, f"{min(n, total)}/{total}"))
    return {"period": period, **_bars(rows, 100)}


def distribution(period, people):
    bands = {}
    for low, high, _label in BANDS:
        condition = Q(composite__isnull=False)
        if low is not None:
            condition &= Q(composite__gte=low)
        if high is not None:
            condition &= Q(composite__lt=high)
        bands[f"b{low}"] = Count("pk", filter=condition)
    counts = people.aggregate(**bands, average=Avg("composite"))
    rows = [(label, counts[f"b{low}"], str(counts[f"b{low}"])) for low, _high, label in BANDS]
    return {"period": period, "average": counts["average"], **_bars(rows, max([r[1] for r in rows] + [1]))}


def flags(period, people):
    rows = [(row["township__name"], row["n"], str(row["n"]))
            for row in people.values("township__name", "township__path").annotate(
                n=Count("pk", filter=Q(flag=True))).order_by("township__path")]
    return {"period": period, **_bars(rows, max([r[1] for r in rows] + [1]))}


def trend(periods, people):
    """The county average and each township's over `periods` (oldest first): one query."""
    averages = {}
    for row in (people.filter(period__in=periods, composite__isnull=False)
                .values("period", "township", "township__name").annotate(avg=Avg("composite"), n=Count("pk"))
                .order_by()):
        averages.setdefault(row["period"], {})[(row["township"], row["township__name"])] = (row["avg"], row["n"])
    height, top, bottom = 220, 10, 30
    span_x = WIDTH - LEFT - 20
    step = span_x / max(1, len(periods) - 1)
    values = [float(avg) for per in averages.values() for avg, _n in per.values()]
    low = min(values + [100]) // 10 * 10 if values else 60
    low = min(low, 80)

    def y(value):
        return round(top + (height - top - bottom) * (1 - (float(value) - low) / (100 - low)), 1)

    county_points, townships = [], {}
    for i, period in enumerate(periods):
        rows = averages.get(period.pk, {})
        x = round(LEFT + i * step, 1)
        people_n = sum(n for _avg, n in rows.values())
        if people_n:
            mean = sum(float(avg) * n for avg, n in rows.values()) / people_n
            county_points.append((x, y(mean), round(mean, 2)))
        for (tid, name), (avg, _n) in rows.items():
            townships.setdefault((tid, name), []).append(f"{x},{y(avg)}")
    return {
        "height": height, "labels": [{"x": round(LEFT + i * step, 1), "text": p.label.replace(str(p.year) + "年", "")}
                                     for i, p in enumerate(periods)],
        "grid": [{"y": y(v), "text": v} for v in range(int(low), 101, 10)],
        "county": " ".join(f"{x},{yy}" for x, yy, _v in county_points), "dots": county_points,
        "townships": [{"name": name, "points": " ".join(points)} for (_tid, name), points in townships.items()],
        "left": LEFT, "bottom": height - bottom + 16,
    }


def dashboard(user):
    """Everything the county dashboard's evaluation section shows, for `user`'s scope."""
    periods = Period.objects.for_user(user)
    scoring = periods.filter(status=Period.Status.SCORING).order_by("-end_date", "-pk").first()
    published = periods.filter(status=Period.Status.PUBLISHED).order_by("-end_date", "-pk").first()
    mine = Participant.objects.for_user(user)
    context = {"scoring": None, "published": None, "trend": None, "flags": None}
    if scoring is not None:
        context["scoring"] = progress(scoring, mine.filter(period=scoring))
    if published is not None:
        people = mine.filter(period=published)
        context["published"] = distribution(published, people)
        context["flags"] = flags(published, people)
        series = list(periods.filter(status=Period.Status.PUBLISHED, kind=published.kind,
                                     region=published.region_id).order_by("-end_date")[:TREND_PERIODS])[::-1]
        if len(series) > 1:
            context["trend"] = trend(series, mine)
    return context
