"""Presence figures computed in the database: rates per area, leave days per year, the county's totals.

在岗率 leaves leave out: (在岗 + 公出) / (在岗 + 公出 + 不在岗); a check during approved leave is neither
present nor absent.
"""

import datetime

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Greatest, Least
from django.urls import reverse
from django.utils import timezone

from villages.filters import area_level, area_lookup
from villages.models import Region

from . import access
from .models import Leave, Notice, Result, SpotCheck

COUNTS = {
    "checked": Count("pk", filter=~Q(result=Result.PENDING)),
    "pending": Count("pk", filter=Q(result=Result.PENDING)),
    "present": Count("pk", filter=Q(result=Result.PRESENT)),
    "absent": Count("pk", filter=Q(result=Result.ABSENT)),
    "leave": Count("pk", filter=Q(result=Result.LEAVE)),
    "official": Count("pk", filter=Q(result=Result.OFFICIAL)),
}


def rate(row):
    """在岗率 in percent, one decimal, or None when nobody was found either way."""
    base = row["present"] + row["official"] + row["absent"]
    return round(100 * (row["present"] + row["official"]) / base, 1) if base else None


def with_rate(row):
    return {**row, "rate": rate(row)}


def presence_rates(user, start, end):
    """Per area (township for county staff, county for a city user): the checks in [start, end] by result.
    Two queries: the counts grouped by area id, then the areas' names."""
    area = area_lookup(user, "village__region")
    rows = list(
        SpotCheck.objects.for_user(user).filter(date__range=(start, end))
        .values(area_id=F(area)).annotate(**COUNTS).order_by()
    )
    areas = {pk: (name, path) for pk, name, path in
             Region.objects.filter(pk__in=[r["area_id"] for r in rows]).values_list("pk", "name", "path")}
    rows = [with_rate({**row, "name": areas.get(row["area_id"], ("", ""))[0]}) for row in rows]
    rows.sort(key=lambda row: areas.get(row["area_id"], ("", ""))[1])
    keys = ("checked", "pending", "present", "absent", "leave", "official")
    total = with_rate({key: sum(row[key] for row in rows) for key in keys})
    return rows, total, Region.Level(area_level(user)).label


def leave_days(queryset, year):
    """Annotate each secretary of `queryset` (Secretary rows) with approved leave days falling in `year`."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    span = ExpressionWrapper(
        Least(F("leaves__end_date"), Value(last)) - Greatest(F("leaves__start_date"), Value(first)),
        output_field=DurationField(),
    )
    in_year = Q(leaves__status=Leave.Status.APPROVED, leaves__start_date__lte=last, leaves__end_date__gte=first)
    return queryset.annotate(leave_span=Sum(span, filter=in_year), leave_count=Count("leaves", filter=in_year))


def days_of(secretary):
    """The days annotated by leave_days: the spans plus one day for each request (both ends count)."""
    if not secretary.leave_count:
        return 0
    return secretary.leave_span.days + secretary.leave_count


def over_leave_limit(queryset, year):
    """[(secretary, days)] of those whose approved leave in `year` exceeds PRESENCE_MAX_LEAVE_DAYS."""
    limit = settings.PRESENCE_MAX_LEAVE_DAYS
    people = leave_days(queryset.filter(leaves__status=Leave.Status.APPROVED).distinct(), year)
    found = [(person, days_of(person)) for person in people.order_by("name")]
    return [(person, days) for person, days in found if days > limit]


def noticed(start, end):
    """Secretary ids with an issued notice for absences checked in [start, end] (the 三争 作风 rule uses it)."""
    return (Notice.objects.exclude(status=Notice.Status.DRAFT).filter(checks__date__range=(start, end))
            .values_list("secretary_id", flat=True).distinct())


def has_notice(secretary_ids, start, end):
    """The set of those among `secretary_ids` with an issued notice for absences in [start, end]."""
    return set(noticed(start, end).filter(secretary_id__in=list(secretary_ids)))


def county_figures(user, today=None):
    """The dashboard's presence figures for the user's area: four queries whatever the numbers."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    month = with_rate(SpotCheck.objects.for_user(user).filter(date__range=(first, today)).aggregate(**COUNTS))
    notices = access.notices_for(user).aggregate(
        issued_this_year=Count("pk", filter=~Q(status=Notice.Status.DRAFT) & Q(issued_at__year=today.year)),
        drafts=Count("pk", filter=Q(status=Notice.Status.DRAFT)),
    )
    leave = Leave.objects.for_user(user).aggregate(
        pending=Count("pk", filter=Q(status=Leave.Status.PENDING)),
        on_leave_today=Count("secretary", filter=Q(status=Leave.Status.APPROVED, start_date__lte=today,
                                                    end_date__gte=today), distinct=True),
    )
    return {
        "checks_this_month": month["checked"] + month["pending"],
        "recorded_this_month": month["checked"],
        "present_this_month": month["present"] + month["official"],
        "absent_this_month": month["absent"],
        "leave_this_month": month["leave"],
        "presence_rate": month["rate"],
        "notices_issued_this_year": notices["issued_this_year"],
        "notice_drafts": notices["drafts"],
        "leave_pending": leave["pending"],
        "on_leave_today": leave["on_leave_today"],
    }


def for_secretary(secretary, user, today=None):
    """What the secretary page shows: recent checks, this year's leave against the limit, issued notices.
    Four queries; everything through the user's scope."""
    today = today or timezone.localdate()
    checks = list(SpotCheck.objects.for_user(user).filter(secretary=secretary).order_by("-date", "-pk")[:10])
    year = dict(SpotCheck.objects.for_user(user).filter(secretary=secretary, date__year=today.year)
                .aggregate(**COUNTS))
    person = leave_days(type(secretary).objects.filter(pk=secretary.pk), today.year).filter(
        pk__in=type(secretary).objects.for_user(user).values("pk")).first()
    days = days_of(person) if person else 0
    notices = list(access.notices_for(user).filter(secretary=secretary).exclude(status=Notice.Status.DRAFT)
                   .order_by("-issued_at"))
    return {
        "recent_checks": checks,
        "year_counts": with_rate(year),
        "leave_days": days,
        "leave_limit": settings.PRESENCE_MAX_LEAVE_DAYS,
        "leave_over_limit": days > settings.PRESENCE_MAX_LEAVE_DAYS,
        "notices": notices,
        "calendar_url": reverse("presence:calendar", args=[secretary.pk]),
    }
