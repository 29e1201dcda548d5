"""What a unit's page shows, for one year, in a fixed number of queries whatever the number of people:
the people it sent (serving, ending soon, rotated away), their presence rate, task progress, evaluation results and
honours, the funds and projects it brought, and its actions against the county's targets.

Every query goes through `for_user`: a township official sees the unit's people in their township only, and
evaluation results only once published (county staff also see their own unpublished ones).
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, IntegerField, Max, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce

from evaluations.models import Grade, Honour, Participant, Period
from presence.models import SpotCheck
from presence.reports import COUNTS as PRESENCE_COUNTS
from presence.reports import rate as presence_rate
from projects.choices import FundSource
from projects.models import ProjectFund
from secretaries.models import Assignment, DispatchUnit, Secretary
from tasks.models import TaskItem
from villages.models import Region, Village

from .models import ActionKind, RatingResult, UnitAction, UnitTarget
from .rating import scalar

ZERO = Decimal(0)


def year_span(year):
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def results_visible(user):
    """Participants whose results the user may see: published periods, or any the user runs as county staff."""
    participants = Participant.objects.for_user(user)
    if user.is_county_admin:
        managed = Period.objects.for_user(user, "change").values("pk")
        return participants.filter(Q(period__status=Period.Status.PUBLISHED) | Q(period__in=managed))
    return participants.filter(period__status=Period.Status.PUBLISHED)


def people(user, unit, year, today):
    """The unit's people the user sees who served during the year (or serve now), each with `state`
    (serving / ending / ended), `current` (the active assignment) and `last` (the latest assignment)."""
    first, last = year_span(year)
    assignments = Assignment.objects.select_related("village__region__parent", "batch").order_by("-start_date", "-pk")
    overlapping = Q(assignments__start_date__lte=last) & (Q(assignments__end_date__isnull=True)
                                                           | Q(assignments__end_date__gte=first))
    found = list(Secretary.objects.for_user(user).filter(unit=unit)
                 .filter(pk__in=Secretary.objects.filter(overlapping | Q(assignments__status="active")).values("pk"))
                 .prefetch_related(Prefetch("assignments", queryset=assignments, to_attr="history"))
                 .order_by("name", "pk"))
    soon = today + datetime.timedelta(days=settings.ENDING_SOON_DAYS)
    for person in found:
        person.current = next((a for a in person.history if a.status == Assignment.Status.ACTIVE), None)
        person.last = person.history[0] if person.history else None
        if person.current is None:
            person.state = "ended"
        elif person.current.end_date and person.current.end_date <= soon:
            person.state = "ending"
        else:
            person.state = "serving"
    return found


STATE_LABELS = {"serving": "在岗", "ending": "即将期满", "ended": "已轮换或离任"}


def per_person(user, unit, year):
    """{secretary id: {...}}: presence counts and rate, task counts, the year's evaluation result, honours."""
    first, last = year_span(year)
    figures = {}
    checks = (SpotCheck.objects.for_user(user).filter(secretary__unit=unit, date__range=(first, last))
              .values("secretary").annotate(**PRESENCE_COUNTS).order_by())
    for row in checks:
        figures.setdefault(row["secretary"], {})["presence"] = {**row, "rate": presence_rate(row)}
    tasks = (TaskItem.objects.for_user(user).filter(secretary__unit=unit, year=year).values("secretary")
             .annotate(total=Count("pk"), done=Count("pk", filter=Q(status=TaskItem.Status.DONE))).order_by())
    for row in tasks:
        row["rate"] = round(100 * row["done"] / row["total"], 1) if row["total"] else None
        figures.setdefault(row["secretary"], {})["tasks"] = row
    visible = results_visible(user).filter(secretary__unit=unit, period__year=year)
    grades = dict(Grade.choices)
    for row in (visible.filter(period__kind=Period.Kind.YEAR)
                .values("secretary", "composite", "rank_county", "grade").order_by("period__end_date")):
        row["grade"] = grades.get(row["grade"], "")
        figures.setdefault(row["secretary"], {})["result"] = row
    flags = visible.values("secretary").annotate(flags=Count("pk", filter=Q(flag=True)), stars=Max("stars")).order_by()
    for row in flags:
        figures.setdefault(row["secretary"], {})["flags"] = row
    honours = (Honour.objects.filter(participant__in=visible.values("pk"), confirmed_at__isnull=False)
               .values("participant__secretary", "kind").order_by())
    labels = dict(Honour.Kind.choices)
    for row in honours:
        figures.setdefault(row["participant__secretary"], {}).setdefault("honours", []).append(labels[row["kind"]])
    return figures


def presence_total(user, unit, year):
    first, last = year_span(year)
    row = SpotCheck.objects.for_user(user).filter(secretary__unit=unit, date__range=(first, last)).aggregate(
        **PRESENCE_COUNTS)
    return {**row, "rate": presence_rate(row)}


def support(user, unit, year):
    """The 派出单位 money this unit put into the projects of the year the user sees (each project once)."""
    funds = list(ProjectFund.objects.for_user(user)
                 .filter(source=FundSource.UNIT, unit=unit, project__year=year)
                 .select_related("project").order_by("-planned", "project__name"))
    planned = sum((f.planned for f in funds), ZERO)
    disbursed = sum((f.disbursed for f in funds), ZERO)
    return {"funds": funds, "planned": planned, "disbursed": disbursed}


def actions_against_targets(user, unit, year):
    """One row per kind: done this year, the county's target (None when none is set), met or not."""
    first, last = year_span(year)
    done = dict(UnitAction.objects.for_user(user).filter(unit=unit, date__range=(first, last))
                .values("kind").annotate(n=Count("pk")).order_by().values_list("kind", "n"))
    targets = dict(UnitTarget.objects.filter(unit=unit, year=year, region__in=regions_of(user))
                   .values_list("kind", "count"))
    rows = []
    for kind in ActionKind:
        target = targets.get(kind.value)
        n = done.get(kind.value, 0)
        rows.append({"kind": kind.value, "label": kind.label, "done": n, "target": target,
                     "met": target is not None and n >= target, "short": max(0, (target or 0) - n),
                     "percent": min(100, round(100 * n / target)) if target else None})
    return rows


def regions_of(user):
    """The regions whose targets the user sees: their own region's subtree and the regions above it."""
    if user.region is None:
        return Region.objects.all().values("pk")
    return Region.objects.filter(Q(path__startswith=user.region.path) | Q(pk__in=user.region.ancestor_ids())) \
        .values("pk")


def action_people_and_places(user):
    """Prefetches of an action's villages and secretaries limited to the user's region: a township official reads
    the county's actions but not which villages or people of another township they reached."""
    villages = Village.objects.select_related("region__parent")
    secretaries = Secretary.objects.select_related("unit")
    if user.region is not None:
        villages = villages.filter(region__path__startswith=user.region.path)
        secretaries = secretaries.filter(region__path__startswith=user.region.path)
    return Prefetch("villages", queryset=villages), Prefetch("secretaries", queryset=secretaries)


def recent_actions(user, unit, year, limit=30):
    first, last = year_span(year)
    return (UnitAction.objects.for_user(user).filter(unit=unit, date__range=(first, last))
            .select_related("project").prefetch_related(*action_people_and_places(user))
            .order_by("-date", "-pk")[:limit])


def rating_result(user, unit, year):
    """The unit's result in the year's rating, if the user may see it (county staff: computed; others: locked)."""
    results = RatingResult.objects.for_user(user).filter(unit=unit, rating__year=year)
    if not user.is_county_admin:
        results = results.filter(rating__status="locked")
    return results.select_related("rating").first()


def monthly_actions(user, unit, year):
    """Actions per month of the year (12 numbers), for the chart."""
    first, last = year_span(year)
    counts = [0] * 12
    for day in UnitAction.objects.for_user(user).filter(unit=unit, date__range=(first, last)).values_list(
            "date", flat=True):
        counts[day.month - 1] += 1
    return counts


def years_with_data(unit):
    """Years offered by the selector: this year and every year the unit has actions or targets."""
    years = set(UnitAction.objects.filter(unit=unit).order_by().values_list("date__year", flat=True).distinct())
    years |= set(UnitTarget.objects.filter(unit=unit).order_by().values_list("year", flat=True).distinct())
    return years


def overview_units(user):
    """The units whose people the user sees, in the overview's order (level, then name)."""
    visible_people = Secretary.objects.for_user(user)
    return (DispatchUnit.objects.for_user(user).filter(pk__in=visible_people.values("unit"))
            .order_by("level", "name", "pk"))


def _flag_sets(user, year):
    """Subqueries of unit ids: visited this year, supported this year (funds planned for this year's projects, or
    donations). Amounts are never negative, so "a positive one exists" is "the sum is not zero", as each row of the
    page computes it."""
    first, last = year_span(year)
    actions = UnitAction.objects.for_user(user).filter(date__range=(first, last))
    funded = ProjectFund.objects.for_user(user).filter(source=FundSource.UNIT, project__year=year, planned__gt=0,
                                                       unit__isnull=False).values("unit")
    return {
        "visited": actions.filter(kind=ActionKind.VISIT).values("unit"),
        "funded": funded,
        "donated": actions.filter(kind=ActionKind.DONATION, amount__gt=0).values("unit"),
    }


def overview_flag_filter(user, year, flag):
    """The condition of the overview's filters: 今年未到村 (people serving, no visit) and 未有资金物资支持."""
    sets = _flag_sets(user, year)
    if flag == "no_visit":
        serving = Secretary.objects.for_user(user).filter(assignments__status="active", unit__isnull=False)
        return Q(pk__in=serving.values("unit")) & ~Q(pk__in=sets["visited"])
    if flag == "no_support":
        return ~Q(pk__in=sets["funded"]) & ~Q(pk__in=sets["donated"])
    return Q()


def overview_counts(user, year):
    """{"total", "no_visit", "no_support"} over every unit of the overview, in one aggregate query that reads the
    people the user sees once (grouped by unit, with how many serve now)."""
    sets = _flag_sets(user, year)
    people = (Secretary.objects.for_user(user).filter(unit__in=DispatchUnit.objects.for_user(user).values("pk"))
              .values("unit").annotate(serving=Count("assignments", filter=Q(assignments__status="active")))
              .order_by())
    return people.aggregate(
        total=Count("unit"),
        no_visit=Count("unit", filter=Q(serving__gt=0) & ~Q(unit__in=sets["visited"])),
        no_support=Count("unit", filter=~Q(unit__in=sets["funded"]) & ~Q(unit__in=sets["donated"])),
    )


def units_overview(user, year, units):
    """The overview's figures for the given units only (a page of them): people serving, this year's visits,
    meetings, care, support; each unit gets `no_visit` and `no_support`. One query (correlated subqueries)."""
    first, last = year_span(year)
    visible_people = Secretary.objects.for_user(user)
    actions = UnitAction.objects.for_user(user).filter(unit=OuterRef("pk"), date__range=(first, last))
    funds = ProjectFund.objects.for_user(user).filter(unit=OuterRef("pk"), source=FundSource.UNIT, project__year=year)
    serving = visible_people.filter(unit=OuterRef("pk"), assignments__status="active")  # probed by unit, per row
    found = DispatchUnit.objects.filter(pk__in=[unit.pk for unit in units]).annotate(
        serving=Coalesce(scalar(serving, "COUNT", F("pk"), IntegerField()), 0),
        visits=Coalesce(scalar(actions.filter(kind=ActionKind.VISIT), "COUNT", F("pk"), IntegerField()), 0),
        meetings=Coalesce(scalar(actions.filter(kind=ActionKind.MEETING), "COUNT", F("pk"), IntegerField()), 0),
        cares=Coalesce(scalar(actions.filter(kind__in=[ActionKind.CARE, ActionKind.TALK]), "COUNT", F("pk"),
                               IntegerField()), 0),
        last_visit=Subquery(actions.filter(kind=ActionKind.VISIT).order_by("-date").values("date")[:1]),
        funds_planned=Coalesce(scalar(funds, "SUM", F("planned")), Value(0.0)),
        donated=Coalesce(scalar(actions.filter(kind=ActionKind.DONATION), "SUM", F("amount")), Value(0.0)),
        projects=Coalesce(scalar(funds, "COUNT", F("project"), IntegerField(), distinct=True), 0),
    ).values("pk", *FIGURES)
    by_unit = {row.pop("pk"): row for row in found}
    for unit in units:
        for name, value in by_unit[unit.pk].items():
            setattr(unit, name, value)
        unit.no_visit = bool(unit.serving and not unit.visits)
        unit.no_support = not unit.funds_planned and not unit.donated
    return units


FIGURES = ("serving", "visits", "meetings", "cares", "last_visit", "funds_planned", "donated", "projects")


def sum_support(rows):
    return sum((Decimal(str(r.funds_planned or 0)) + Decimal(str(r.donated or 0)) for r in rows), ZERO)

