"""Dashboard figures: plain rows and dicts computed in the database, one query each."""

import datetime

from django.conf import settings
from django.db.models import Count, Q

from secretaries.models import Assignment, DispatchLevel, DispatchUnit
from villages.filters import area_lookup
from villages.models import Region, Village

TAGS = [(name, Village._meta.get_field(name).verbose_name) for name in Village.TAG_FIELDS]


def village_totals(area_rows):
    """The region's totals, summed from the per-area rows (no second pass over the villages)."""
    keys = ("villages", "staffed", "missing", *(name for name, _ in TAGS))
    totals = {key: sum(row[key] for row in area_rows) for key in keys}
    totals["tags"] = [(label, totals[name], name) for name, label in TAGS]
    return totals


def villages_missing_secretary(user, limit=20):
    return (
        Village.objects.for_user(user).with_current_secretary()
        .filter(needs_secretary=True, current_secretary_id__isnull=True)
        .select_related("region__parent")[:limit]
    )


def secretaries_by_dispatch_level(user):
    labels = dict(DispatchLevel.choices)
    rows = (
        Assignment.objects.for_user(user).active().values("dispatch_level")
        .annotate(count=Count("secretary", distinct=True)).order_by("dispatch_level")
    )
    return [(labels.get(row["dispatch_level"], row["dispatch_level"]), row["count"]) for row in rows]


def secretaries_by_unit(user, limit=15):
    labels = dict(DispatchUnit.Level.choices)
    rows = (
        Assignment.objects.for_user(user).active()
        .values("secretary__unit_id", "secretary__unit__name", "secretary__unit__level")
        .annotate(count=Count("secretary", distinct=True)).order_by("-count", "secretary__unit__name")[:limit]
    )
    return [
        {"id": r["secretary__unit_id"], "name": r["secretary__unit__name"],
         "level": labels.get(r["secretary__unit__level"], ""), "count": r["count"]}
        for r in rows
    ]


def areas(user):
    """Per township (per county for a city user, per city for a province user): villages, those with an active
    first secretary, vacancies, and each tag. Grouped by id alone; the names come in a second, small query."""
    staffed = Q(current_secretary_id__isnull=False)
    area = area_lookup(user)
    rows = list(
        Village.objects.for_user(user).with_current_secretary()
        .values(area_id := f"{area}_id")
        .annotate(
            villages=Count("pk"),
            staffed=Count("pk", filter=staffed),
            missing=Count("pk", filter=Q(needs_secretary=True) & ~staffed),
            **{name: Count("pk", filter=Q(**{name: True})) for name, _ in TAGS},
        )
        .order_by()
    )
    names = dict(Region.objects.filter(pk__in=[r[area_id] for r in rows]).values_list("pk", "name"))
    for row in rows:
        row["id"] = row.pop(area_id)
        row["name"] = names.get(row["id"], "")
    return sorted(rows, key=lambda r: r["name"])


def deadlines(user, days=None, limit=20):
    """Active assignments past their end date (overdue) and ending within `days`: two counts, one query;
    plus the first `limit` of those ending soon."""
    days = days or settings.ENDING_SOON_DAYS
    today = datetime.date.today()
    mine = Assignment.objects.for_user(user)
    figures = mine.active().aggregate(
        overdue=Count("pk", filter=Q(end_date__lt=today)),
        ending=Count("pk", filter=Q(end_date__gte=today, end_date__lte=today + datetime.timedelta(days=days))),
    )
    soonest = mine.ending_within(days, today).select_related("secretary", "village__region__parent")
    return {"days": days, **figures, "rows": soonest.order_by("end_date", "pk")[:limit]}
