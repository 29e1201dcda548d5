"""Figures built from the logs and service records, in the database: a secretary's week or month, a township's
table of its secretaries, the county's 为民服务 counts and the sentence the articles write from them.

Nothing here ranks anyone: rows go in the order of the villages, and who wrote no log is a count, not a list.
"""

import datetime

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from secretaries.models import Assignment
from villages.filters import area_lookup
from villages.models import Region

from .models import ServiceKind, ServiceRecord, Summary, WorkLog
from .periods import MONTH, WEEK, Period

KINDS = list(ServiceKind)
LOG_FIGURES = ("days", "households", "raised", "solved")

# How the articles put each kind: "累计开展义诊活动60余场，组织送戏下乡20余场……走访慰问党员、群众1600余户".
PHRASES = {
    ServiceKind.CLINIC: "开展义诊活动{count}场",
    ServiceKind.OPERA: "组织送戏下乡{count}场",
    ServiceKind.VISIT: "走访慰问党员、群众{served}户",
    ServiceKind.RECEPTION: "举办接待日{count}次、接待群众{served}人次",
    ServiceKind.APPEAL: "帮助解决群众诉求{count}件",
    ServiceKind.OTHER: "开展其他为民服务活动{count}次",
}


def _sum(field, **extra):
    return Coalesce(Sum(field, **extra), 0)


def log_aggregates(condition=None):
    """Count and sums of logs (under `condition`, a Q, if given) as aggregate expressions named LOG_FIGURES."""
    extra = {"filter": condition} if condition is not None else {}
    return {
        "days": Count("pk", **extra),
        "households": _sum("households_visited", **extra),
        "raised": _sum("problems_raised", **extra),
        "solved": _sum("problems_solved", **extra),
    }


def service_aggregates(prefix=""):
    """Per kind: `<kind>_count` records and `<kind>_served` people, as aggregate expressions."""
    result = {}
    for kind in KINDS:
        condition = Q(**{f"{prefix}kind": kind.value})
        result[f"{kind.value}_count"] = Count(f"{prefix}pk", filter=condition)
        result[f"{kind.value}_served"] = _sum(f"{prefix}people_served", filter=condition)
    return result


def service_kinds(row):
    """[{"kind", "label", "count", "served"}] in the kinds' order, from a row holding service_aggregates()."""
    return [{"kind": kind.value, "label": kind.label, "count": row.get(f"{kind.value}_count") or 0,
             "served": row.get(f"{kind.value}_served") or 0} for kind in KINDS]


def service_sentence(kinds, lead="累计"):
    """"累计开展义诊活动62场，组织送戏下乡15场，走访慰问党员、群众1612户。" from service_kinds() rows; "" if none."""
    parts = [PHRASES[kind["kind"]].format(**kind) for kind in kinds if kind["count"]]
    return f"{lead}{'，'.join(parts)}。" if parts else ""


def log_sentence(totals, noun):
    """"本周记民情日记5天，走访农户23户，收集问题6个、解决4个。"""
    return (f"{noun}记民情日记{totals['days']}天，走访农户{totals['households']}户，"
            f"收集问题{totals['raised']}个、解决{totals['solved']}个。")


# --- One secretary's week or month -------------------------------------------------------------

def secretary_period(secretary, user, period):
    """The 周总结 / 月交流 page's content: totals computed in the database, the entries, the reflection.
    Five queries, whatever the number of entries."""
    span = {"secretary": secretary, "date__gte": period.start, "date__lte": period.end}
    logs = WorkLog.objects.for_user(user).filter(**span)
    services = ServiceRecord.objects.for_user(user).filter(**span)
    totals = logs.aggregate(**log_aggregates())
    kinds = service_kinds(services.aggregate(**service_aggregates()))
    reflection = Summary.objects.for_user(user).filter(
        secretary=secretary, kind=period.kind, period_start=period.start).first()
    return {
        "period": period,
        "totals": totals,
        "log_sentence": log_sentence(totals, period.noun),
        "kinds": kinds,
        "service_sentence": service_sentence(kinds, lead=period.noun),
        "entries": list(logs.order_by("date").select_related("village__region")),
        "services": list(services.order_by("date", "pk").select_related("village__region")),
        "reflection": reflection,
    }


# --- A township's (or county's) secretaries for a week or month --------------------------------

def board(user, period, township=None):
    """One row per serving secretary in the user's scope (in village order) with the period's figures, the
    totals, per-township subtotals and how many wrote no log. Four queries, whatever the number of people."""
    serving = Assignment.objects.for_user(user).active()
    if township is not None:
        serving = serving.filter(village__region__path__startswith=township.path)
    area = area_lookup(user, prefix="village__region")
    assignments = list(serving.select_related("secretary__unit", area)
                       .order_by("village__region__path", "role", "pk"))
    people = serving.values("secretary_id")
    span = {"secretary__in": people, "date__gte": period.start, "date__lte": period.end}
    logs = {row["secretary"]: row for row in WorkLog.objects.for_user(user).filter(**span)
            .values("secretary").annotate(**log_aggregates()).order_by()}
    services = {row["secretary"]: row for row in ServiceRecord.objects.for_user(user).filter(**span)
                .values("secretary").annotate(services=Count("pk"), **service_aggregates()).order_by()}
    reflected = set(Summary.objects.for_user(user).filter(
        secretary__in=people, kind=period.kind, period_start=period.start).values_list("secretary", flat=True))
    rows = []
    for assignment in assignments:
        figures = logs.get(assignment.secretary_id, {})
        served = services.get(assignment.secretary_id, {})
        rows.append({
            "assignment": assignment, "secretary": assignment.secretary, "village": assignment.village,
            "township": assignment.village.region.parent, "area": _follow(assignment, area),
            **{key: figures.get(key, 0) for key in LOG_FIGURES},
            "services": served.get("services", 0), "kinds": service_kinds(served),
            "reflected": assignment.secretary_id in reflected,
        })
    return {"period": period, "rows": rows, "totals": _totals(rows), "areas": _by_area(rows)}


def _totals(rows):
    totals = {key: sum(row[key] for row in rows) for key in (*LOG_FIGURES, "services")}
    totals["people"] = len(rows)
    totals["without_log"] = sum(1 for row in rows if not row["days"])
    totals["with_log"] = totals["people"] - totals["without_log"]
    totals["reflected"] = sum(1 for row in rows if row["reflected"])
    return totals


def _follow(obj, lookup):
    for part in lookup.split("__"):
        obj = getattr(obj, part)
    return obj


def _by_area(rows):
    """Subtotals per area (township for county staff, county for a city), in the rows' (village) order."""
    groups = {}
    for row in rows:
        groups.setdefault(row["area"].pk, (row["area"], []))[1].append(row)
    return [{"area": area, **_totals(members)} for area, members in groups.values()]


# --- 为民服务: service records by area and kind --------------------------------------------------

def service_overview(user, year=None):
    """Per area (township for county staff) the count and people of each kind, the totals and the sentence.
    Two queries: the counts, then the area names."""
    records = ServiceRecord.objects.for_user(user)
    if year:
        records = records.filter(date__year=year)
    area = area_lookup(user, prefix="village__region")
    found = list(records.values(area_id := f"{area}_id").annotate(total=Count("pk"), **service_aggregates())
                 .order_by())
    areas = {pk: (path, name) for pk, path, name in
             Region.objects.filter(pk__in=[row[area_id] for row in found]).values_list("pk", "path", "name")}
    summed = {f"{kind.value}_{figure}": sum(row[f"{kind.value}_{figure}"] for row in found)
              for kind in KINDS for figure in ("count", "served")}
    found.sort(key=lambda row: areas.get(row[area_id], ("", ""))[0])
    rows = [_overview_row(areas.get(row[area_id], ("", ""))[1], row) for row in found]
    total = _overview_row("合计", {**summed, "total": sum(row["total"] for row in found)})
    lead = f"{year}年" if year else "累计"
    return {"rows": rows, "total": total, "sentence": service_sentence(total["kinds"], lead=lead)}


def _overview_row(name, row):
    return {"name": name, "total": row["total"], "kinds": service_kinds(row),
            "households": row[f"{ServiceKind.VISIT.value}_served"],
            "received": row[f"{ServiceKind.RECEPTION.value}_served"]}


# --- For the lead: the county dashboard and the secretary page ---------------------------------

def county_figures(user, today=None):
    """The dashboard's 三本 figures in the user's scope, in two queries:
    {"month", "logs_this_month", "writers_this_month", "writers_this_week", "households_this_month",
    "problems_raised_this_month", "problems_solved_this_month", "services" (per kind, all time),
    "services_total", "services_this_month", "sentence" ("累计开展义诊活动62场，……走访慰问党员、群众1612户。")}."""
    today = today or timezone.localdate()
    month, week = Period.containing(MONTH, today), Period.containing(WEEK, today)
    in_month = Q(date__gte=month.start, date__lte=month.end)
    logs = WorkLog.objects.for_user(user).filter(date__gte=min(month.start, week.start), date__lte=today).aggregate(
        **log_aggregates(in_month),
        writers_this_month=Count("secretary", filter=in_month, distinct=True),
        writers_this_week=Count("secretary", filter=Q(date__gte=week.start), distinct=True),
    )
    services = ServiceRecord.objects.for_user(user).aggregate(
        services_total=Count("pk"), services_this_month=Count("pk", filter=in_month), **service_aggregates())
    kinds = service_kinds(services)
    return {
        "month": month.label, "logs_this_month": logs["days"], "writers_this_month": logs["writers_this_month"],
        "writers_this_week": logs["writers_this_week"], "households_this_month": logs["households"],
        "problems_raised_this_month": logs["raised"], "problems_solved_this_month": logs["solved"],
        "services": kinds, "services_total": services["services_total"],
        "services_this_month": services["services_this_month"], "sentence": service_sentence(kinds),
        "overview_url": reverse("worklogs:service_overview"), "board_url": reverse("worklogs:board"),
    }


def for_secretary(secretary, user, today=None):
    """The secretary page's 三本 box, as `user` may see it, in two queries:
    {"last_log", "logs_last_30_days", "month", "month_totals" {days, households, raised, solved},
    "month_sentence", "services_this_month", "services_total", "sentence", "week_url", "month_url", "logs_url"}."""
    today = today or timezone.localdate()
    month = Period.containing(MONTH, today)
    in_month = Q(date__gte=month.start, date__lte=month.end)
    logs = WorkLog.objects.for_user(user).filter(secretary=secretary).aggregate(
        last_log=Max("date"),
        logs_last_30_days=Count("pk", filter=Q(date__gt=today - datetime.timedelta(days=30), date__lte=today)),
        **log_aggregates(in_month),
    )
    services = ServiceRecord.objects.for_user(user).filter(secretary=secretary).aggregate(
        services_total=Count("pk"), services_this_month=Count("pk", filter=in_month), **service_aggregates())
    kinds = service_kinds(services)
    month_totals = {key: logs[key] for key in LOG_FIGURES}
    return {
        "last_log": logs["last_log"], "logs_last_30_days": logs["logs_last_30_days"],
        "month": month.label, "month_totals": month_totals, "month_sentence": log_sentence(month_totals, "本月"),
        "services_this_month": services["services_this_month"], "services_total": services["services_total"],
        "sentence": service_sentence(kinds),
        "week_url": reverse("worklogs:summary", args=[secretary.pk, WEEK, f"{today:%Y-%m-%d}"]),
        "month_url": reverse("worklogs:summary", args=[secretary.pk, MONTH, f"{today:%Y-%m-%d}"]),
        "logs_url": f"{reverse('worklogs:log_list')}?secretary={secretary.pk}",
    }
