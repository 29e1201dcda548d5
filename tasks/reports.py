"""Figures for the progress pages and the dashboard: plain rows computed in the database, a fixed number of
queries whatever the number of items. The same rows feed the pages and the Excel export."""

from django.db.models import Avg, Count, F, FilteredRelation, Q
from django.utils import timezone

from villages.filters import area_level, area_lookup
from villages.models import Region, Village

from .models import Dimension, Plan, TaskItem
from .querysets import day_number, open_q, remind_key

DONE = Q(status=TaskItem.Status.DONE)
PENDING = Q(status=TaskItem.Status.PENDING)


def task_counts(today):
    """Aggregates over task items: total, done, 待确认, overdue, reminders due and mean progress."""
    return {
        "total": Count("pk"),
        "done": Count("pk", filter=DONE),
        "pending": Count("pk", filter=PENDING),
        "overdue": Count("pk", filter=open_q() & Q(deadline__lt=today)),
        "due": Count("pk", filter=open_q() & Q(remind_key__lte=5 * day_number(today))),
        "progress": Avg("progress"),
    }


def _rate(row):
    row["rate"] = round(100 * row["done"] / row["total"], 1) if row["total"] else 0
    row["progress"] = round(row["progress"] or 0, 1)
    return row


def by_dimension(tasks, today):
    """One row per 看 dimension (all five, zeros where there is nothing), with the completion rate."""
    found = {r["dimension"]: r for r in tasks.alias(remind_key=remind_key()).values("dimension")
             .annotate(**task_counts(today)).order_by()}
    empty = {"total": 0, "done": 0, "pending": 0, "overdue": 0, "due": 0, "progress": 0}
    return [_rate({**empty, **found.get(value, {}), "dimension": value, "label": label})
            for value, label in Dimension.choices]


def totals(rows):
    keys = ("total", "done", "pending", "overdue", "due")
    total = {key: sum(row[key] for row in rows) for key in keys}
    weighted = sum(row["progress"] * row["total"] for row in rows)
    total["progress"] = weighted / total["total"] if total["total"] else 0
    return _rate(total)


def by_area(user, tasks, today):
    """One row per township (per county for a city user): grouped by id, names in a second small query."""
    area = f"{area_lookup(user, prefix='village__region')}_id"
    rows = list(tasks.alias(remind_key=remind_key()).values(area).annotate(**task_counts(today)).order_by())
    names = dict(Region.objects.filter(pk__in=[r[area] for r in rows]).values_list("pk", "name"))
    for row in rows:
        row["id"] = row.pop(area)
        row["name"] = names.get(row["id"], "")
        _rate(row)
    return sorted(rows, key=lambda r: r["name"])


def area_label(user):
    return Region.Level(area_level(user)).label


def listed(tasks, today):
    """Task items as the lists show them: state annotated, secretary and village joined."""
    return tasks.with_state(today).select_related("secretary", "village__region__parent")


def common_progress(user, common, today):
    """Each item of a common list with its progress aggregated over the user's visible recipients."""
    visible = TaskItem.objects.for_user(user).filter(common_item__common=common)
    found = {r["common_item"]: r for r in visible.alias(remind_key=remind_key()).values("common_item")
             .annotate(**task_counts(today)).order_by()}
    rows = []
    for item in common.items.order_by("position"):
        row = found.get(item.pk, {"total": 0, "done": 0, "pending": 0, "overdue": 0, "due": 0, "progress": 0})
        rows.append({**_rate(dict(row)), "item": item})
    return rows


# --- Plans --------------------------------------------------------------------------------------------------------

def expected_villages(user, year):
    """Villages with an active first secretary (those expected to have a plan), each with its plan of `year`.

    At most one plan per village and year (a constraint): the filtered join never multiplies rows.
    """
    return (Village.objects.for_user(user).with_current_secretary().filter(current_secretary_id__isnull=False)
            .annotate(this_year=FilteredRelation("plans", condition=Q(plans__year=year)),
                      plan_id=F("this_year__id"), plan_status=F("this_year__status")))


def plan_submission(user, year):
    """Per township: villages expected, plans submitted (已提交 or 已审核), approved, missing; and the totals."""
    submitted = Q(plan_status__in=Plan.SUBMITTED_STATES)
    area = f"{area_lookup(user)}_id"
    rows = list(expected_villages(user, year).values(area).annotate(
        expected=Count("pk"), submitted=Count("pk", filter=submitted),
        approved=Count("pk", filter=Q(plan_status=Plan.Status.APPROVED)),
        drafted=Count("pk", filter=Q(plan_id__isnull=False) & ~submitted),
    ).order_by())
    names = dict(Region.objects.filter(pk__in=[r[area] for r in rows]).values_list("pk", "name"))
    for row in rows:
        row["id"] = row.pop(area)
        row["name"] = names.get(row["id"], "")
        row["missing"] = row["expected"] - row["submitted"]
    rows.sort(key=lambda r: r["name"])
    total = {key: sum(r[key] for r in rows) for key in ("expected", "submitted", "approved", "drafted", "missing")}
    return rows, total


def villages_not_submitted(user, year):
    """The expected villages whose plan of `year` is missing, still a draft or returned."""
    unsent = Q(plan_id__isnull=True) | Q(plan_status__in=Plan.EDITABLE_STATES)
    return (expected_villages(user, year).filter(unsent)
            .select_related("region__parent").order_by("region__path"))


# --- The dashboard --------------------------------------------------------------------------------------------------

def county_figures(user, today=None):
    """The dashboard's figures for the user's region and the current year, in three queries:
    {"year", "plans", "plans_submitted", "villages_expected", "tasks", "tasks_done", "tasks_overdue",
    "reminders_due"} ("规划165份、任务清单860条")."""
    today = today or timezone.localdate()
    plans = Plan.objects.for_user(user).filter(year=today.year).aggregate(
        plans=Count("pk"), plans_submitted=Count("pk", filter=Q(status__in=Plan.SUBMITTED_STATES)))
    expected = expected_villages(user, today.year).count()
    tasks = TaskItem.objects.for_user(user).filter(year=today.year).alias(remind_key=remind_key()).aggregate(
        **task_counts(today))
    return {
        "year": today.year, **plans, "villages_expected": expected,
        "tasks": tasks["total"], "tasks_done": tasks["done"], "tasks_overdue": tasks["overdue"],
        "reminders_due": tasks["due"],
    }


def for_secretary(secretary, user, today=None):
    """A secretary's task list this year, as the personal archive shows it (two queries): counts by state, the
    completion rate, and their village's plan."""
    today = today or timezone.localdate()
    items = TaskItem.objects.for_user(user).filter(secretary=secretary, year=today.year)
    row = _rate(items.alias(remind_key=remind_key()).aggregate(**task_counts(today)))
    plan = (Plan.objects.for_user(user).filter(village__assignments__secretary=secretary, year=today.year)
            .select_related("village__region").order_by("-pk").first())
    return {"year": today.year, "tasks": row, "plan": plan}
