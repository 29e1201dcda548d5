"""派出单位考核 computed in the database: one query gives every unit's four part scores, total and ranks.

Parts (each 0–100; a part a unit has no data for is left out and its weight shared out pro rata):

- 选派干部考评结果: the mean composite of the unit's people in the county's year evaluation of that year;
- 资金和物资支持: (派出单位 money planned for the county's projects of that year + goods donated, 万元) ÷ the
  scheme's full-marks amount, at most 100;
- 履责事项完成年度目标: per kind with a target, done ÷ target (at most 1), averaged, × 100;
- 关心关爱: the share of the unit's serving people reached by a 体检/保险/慰问 or 谈心谈话 that year, × 100.

Ranks are standard competition ranks (1, 2, 2, 4) within the unit's level (省直/市直/县直) and over all.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Least, Rank

from evaluations.models import Participant
from projects.choices import FundSource
from projects.models import ProjectFund
from secretaries.models import Assignment, DispatchUnit

from .models import CARE_KINDS, ActionKind, UnitAction, UnitTarget

CENT = Decimal("0.01")
PARTS = ("results", "support", "actions", "care")


def _float(expression):
    return Cast(expression, FloatField())


def scalar(queryset, function, expression, output=None, distinct=False):
    """A correlated aggregate as a scalar subquery. A plain Func, not an Aggregate: no GROUP BY is added, so the
    subquery returns one row over everything it matches (as alliances.querysets._count does)."""
    template = "%(function)s(DISTINCT %(expressions)s)" if distinct else "%(function)s(%(expressions)s)"
    value = Func(expression, function=function, template=template, output_field=output or FloatField())
    return Subquery(queryset.order_by().annotate(v=value).values("v")[:1], output_field=output or FloatField())


# done ÷ target per kind, at most 1, in percent (the target row is annotated with `done`).
RATIO = Least(Value(1.0), Cast(F("done"), FloatField()) / Cast(F("count"), FloatField())) * Value(100.0)


def serving(region, year):
    """Assignments in the county's villages that overlap the year (one still 在岗 past its planned end counts)."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return Assignment.objects.filter(village__region__path__startswith=region.path, start_date__lte=last).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=first) | Q(status=Assignment.Status.ACTIVE))


def actions_of(region, year):
    return UnitAction.objects.filter(region=region, date__year=year)


def units_rated(region, year):
    """The units with people in the county during the year, or with actions recorded there."""
    return DispatchUnit.objects.filter(
        Q(pk__in=serving(region, year).values("secretary__unit"))
        | Q(pk__in=actions_of(region, year).values("unit")))


def figures(region, year, rules):
    """Every rated unit annotated with its figures, part scores, total, rank_level and rank_all."""
    unit = OuterRef("pk")
    people = serving(region, year).filter(secretary__unit=unit)
    actions = actions_of(region, year).filter(unit=unit)
    results = Participant.objects.filter(
        secretary__unit=unit, period__region=region, period__year=year, period__kind="year",
        composite__isnull=False)
    funds = ProjectFund.objects.filter(unit=unit, source=FundSource.UNIT, project__year=year, project__region=region)
    done = actions_of(region, year).filter(unit=OuterRef("unit"), kind=OuterRef("kind"))
    targets = UnitTarget.objects.filter(unit=unit, region=region, year=year, count__gt=0).annotate(
        done=Coalesce(scalar(done, "COUNT", F("pk"), IntegerField()), 0))
    cared = actions.filter(kind__in=CARE_KINDS)
    full = float(rules.get("support_full", 50)) or 50.0
    queryset = units_rated(region, year).annotate(
        people=Coalesce(scalar(people, "COUNT", F("secretary"), IntegerField(), distinct=True), 0),
        visits=Coalesce(scalar(actions.filter(kind=ActionKind.VISIT), "COUNT", F("pk"), IntegerField()), 0),
        meetings=Coalesce(scalar(actions.filter(kind=ActionKind.MEETING), "COUNT", F("pk"), IntegerField()), 0),
        funds_amount=Coalesce(scalar(funds, "SUM", _float(F("planned"))), Value(0.0)),
        donated=Coalesce(scalar(actions.filter(kind=ActionKind.DONATION), "SUM", _float(F("amount"))), Value(0.0)),
        results_score=scalar(results, "AVG", _float(F("composite"))),
        actions_score=scalar(targets, "AVG", RATIO),
        cared_people=Coalesce(scalar(cared.filter(secretaries__isnull=False), "COUNT", F("secretaries"),
                                      IntegerField(), distinct=True), 0),
    ).annotate(
        support_amount=_float(F("funds_amount")) + _float(F("donated")),
    ).annotate(
        support_score=Least(Value(100.0), _float(F("support_amount")) * 100.0 / full),
        care_score=Case(When(people__gt=0, then=Least(Value(100.0), _float(F("cared_people")) * 100.0
                                                        / _float(F("people")))),
                        default=None, output_field=FloatField()),
    )
    weights = {part: float(rules.get(f"weight_{part}", 0)) for part in PARTS}
    numerator = sum((Coalesce(F(f"{part}_score"), Value(0.0)) * weights[part] for part in PARTS), Value(0.0))
    denominator = sum((Case(When(**{f"{part}_score__isnull": False}, then=Value(weights[part])), default=Value(0.0),
                            output_field=FloatField()) for part in PARTS), Value(0.0))
    queryset = queryset.annotate(weight_present=denominator).annotate(total=Case(
        When(weight_present__gt=0, then=numerator / F("weight_present")), default=None, output_field=FloatField()))
    order = F("total").desc(nulls_last=True)
    return queryset.annotate(
        rank_level=Window(Rank(), partition_by=[F("level")], order_by=order),
        rank_all=Window(Rank(), order_by=order),
    ).order_by("level", order, "name", "pk")


def score(value):
    """A part score or total as stored and shown: two decimals, rounded half up; None stays None."""
    return None if value is None else Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def rows(region, year, rules):
    """Plain dicts, one per unit, ready to store as RatingResult rows."""
    out = []
    for unit in figures(region, year, rules):
        out.append({
            "unit": unit, "level": unit.level, "people": unit.people, "visits": unit.visits,
            "meetings": unit.meetings, "support_amount": score(unit.support_amount) or Decimal(0),
            "results_score": score(unit.results_score), "support_score": score(unit.support_score),
            "actions_score": score(unit.actions_score), "care_score": score(unit.care_score),
            "total": score(unit.total),
            "rank_level": unit.rank_level if unit.total is not None else None,
            "rank_all": unit.rank_all if unit.total is not None else None,
        })
    return out
