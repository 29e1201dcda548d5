"""What waits for each role: counts and short lists read through the apps' own scoped querysets.

Counts come as scalar subqueries of one SELECT, so a panel of five figures costs one query whatever the rows."""

import datetime

from django.db.models import Exists, F, Func, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from alliances.models import Need
from evaluations import access as evaluation_access
from evaluations.models import Appeal, Grade, Participant, Period, Score
from notifications.models import Message, Receipt
from presence import access as presence_access
from presence.models import Leave, Notice, Result, SpotCheck
from secretaries.models import DispatchUnit, Secretary
from tasks import reports as task_reports
from tasks.models import Plan, TaskItem
from worklogs.models import WorkLog

LIST_LIMIT = 200  # rows on a batch page; the count says how many there are


def _count(queryset):
    return Coalesce(Subquery(queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1]), 0)


def counts(user, **querysets):
    """{name: number} for each queryset, in one query."""
    row = User.objects.filter(pk=user.pk).annotate(**{f"n_{k}": _count(q) for k, q in querysets.items()}) \
        .values(*(f"n_{k}" for k in querysets)).get()
    return {k: row[f"n_{k}"] for k in querysets}


# --- Township officials (and county staff: the same work over the county) ------------------------------------

def closeouts(user):
    return TaskItem.objects.for_user(user).filter(status=TaskItem.Status.PENDING)


def leave_requests(user):
    return Leave.objects.for_user(user).filter(status=Leave.Status.PENDING)


def plans_to_review(user):
    return Plan.objects.for_user(user).filter(status=Plan.Status.SUBMITTED)


def checks_to_enter(user, today):
    return SpotCheck.objects.for_user(user).filter(result=Result.PENDING, date__lte=today)


def open_needs(user):
    # Needs hang on a county's alliance, but are raised in a village: a township official follows those of their
    # own villages (the region path of the village, not of the alliance).
    return Need.objects.filter(status=Need.Status.OPEN, village__region__path__startswith=user.region.path)


def township_counts(user, today=None):
    today = today or timezone.localdate()
    return counts(user, closeouts=closeouts(user), leave=leave_requests(user), plans=plans_to_review(user),
                  checks=checks_to_enter(user, today), needs=open_needs(user))


def township_lists(user, today=None):
    today = today or timezone.localdate()
    return {
        "closeouts": list(closeouts(user).select_related("secretary", "village__region")
                          .order_by("closed_at", "pk")[:LIST_LIMIT]),
        "leave": list(leave_requests(user).select_related("secretary", "village__region")
                      .order_by("start_date", "pk")[:LIST_LIMIT]),
        "plans": list(plans_to_review(user).select_related("village__region").order_by("pk")[:LIST_LIMIT]),
        "checks": list(checks_to_enter(user, today).select_related("secretary", "village__region")
                       .order_by("date", "pk")[:LIST_LIMIT]),
        "needs": list(open_needs(user).select_related("village__region").order_by("raised_on", "pk")[:LIST_LIMIT]),
    }


# --- County staff and leaders ---------------------------------------------------------------------------------

def county_counts(user):
    notices = presence_access.notices_for(user).filter(status=Notice.Status.DRAFT) if user.is_county_admin \
        else Notice.objects.none()
    return counts(
        user, notices=notices, appeals=Appeal.objects.for_user(user).filter(status=Appeal.Status.PENDING),
        periods=Period.objects.for_user(user, "change" if user.is_county_admin else "view")
        .filter(status=Period.Status.SCORING),
        closeouts=closeouts(user), leave=leave_requests(user),
        receipts=Receipt.objects.filter(user=user, acknowledged_at__isnull=True),
    )


# --- Secretaries ----------------------------------------------------------------------------------------------

def week(today):
    monday = today - datetime.timedelta(days=today.weekday())
    return monday, monday + datetime.timedelta(days=6)


def for_secretary(user, today=None):
    """A secretary's home: tasks due and overdue, returned ones, plan status, peer ratings owed, leave, notices and
    announcements to acknowledge, this week's log, the latest messages. A fixed number of queries."""
    today = today or timezone.localdate()
    secretary = Secretary.objects.for_user(user).filter(user=user).first()
    if secretary is None:
        return None
    tasks = TaskItem.objects.for_user(user).filter(secretary=secretary)
    due = list(tasks.with_state(today).filter(Q(reminder_due=True) | Q(state="overdue") | ~Q(return_reason=""),
                                              status__in=TaskItem.OPEN_STATES)
               .select_related("village__region").order_by("deadline", "pk")[:20])
    mine = Participant.objects.filter(secretary=secretary, period__status=Period.Status.SCORING)
    rated = Score.objects.filter(meeting=OuterRef("pk"), rater__in=mine.values("pk"))
    owed = list(evaluation_access.meetings_for(user).filter(period__status=Period.Status.SCORING,
                                                             participants__in=mine.values("pk"))
                .annotate(done=Exists(rated)).filter(done=False).select_related("period").distinct()
                .order_by("date", "pk"))
    monday, sunday = week(today)
    logs = list(WorkLog.objects.for_user(user).filter(secretary=secretary, date__range=(monday, sunday))
                .order_by("date").values_list("date", flat=True))
    return {
        "secretary": secretary, "today": today, "due": due,
        "overdue": sum(1 for item in due if item.state == "overdue"),
        "figures": task_reports.for_secretary(secretary, user, today),
        "owed": owed,
        "leave": list(Leave.objects.for_user(user).filter(secretary=secretary, end_date__gte=today
                                                          - datetime.timedelta(days=30)).order_by("-start_date")[:5]),
        "notices": list(presence_access.notices_for(user).filter(secretary=secretary, status=Notice.Status.ISSUED,
                                                                 issued_at__gte=timezone.now()
                                                                 - datetime.timedelta(days=90))),
        "announcements": pending_announcements(user),
        "week": (monday, sunday), "log_days": logs,
        "unread_list": list(Message.objects.filter(recipient=user, read_at__isnull=True).order_by("-created_at")[:5]),
    }


def pending_announcements(user):
    return list(Receipt.objects.filter(user=user, acknowledged_at__isnull=True).select_related("announcement")
                .order_by("-announcement__published_at")[:10])


# --- Unit contacts --------------------------------------------------------------------------------------------

def for_unit(user, today=None):
    """The people the contact's unit sent: presence this year, tasks, the latest published result; and what the
    unit is asked to do (announcements to acknowledge, notices naming its people). A fixed number of queries."""
    today = today or timezone.localdate()
    units = list(DispatchUnit.objects.for_user(user).filter(contacts=user).order_by("name"))
    year_checks = SpotCheck.objects.filter(secretary=OuterRef("pk"), date__year=today.year)
    open_tasks = TaskItem.objects.filter(secretary=OuterRef("pk"), year=today.year, status__in=TaskItem.OPEN_STATES)
    latest = Participant.objects.filter(secretary=OuterRef("pk"), period__status=Period.Status.PUBLISHED) \
        .order_by("-period__end_date", "-pk")
    people = list(
        Secretary.objects.for_user(user).filter(unit__in=units)
        .annotate(checks=_count(year_checks), absent=_count(year_checks.filter(result=Result.ABSENT)),
                  open_tasks=_count(open_tasks), overdue=_count(open_tasks.filter(deadline__lt=today)),
                  composite=Subquery(latest.values("composite")[:1]), grade=Subquery(latest.values("grade")[:1]),
                  last_rank=Subquery(latest.values("rank_county")[:1]))
        .select_related("region").order_by("name", "pk"))
    grades = dict(Grade.choices)
    for person in people:
        person.grade_label = grades.get(person.grade or "", "")
    notices = list(presence_access.notices_for(user).filter(status=Notice.Status.ISSUED, secretary__unit__in=units)
                   .select_related("secretary").order_by("-issued_at")[:10])
    return {"units": units, "people": people, "notices": notices, "announcements": pending_announcements(user),
            "year": today.year}
