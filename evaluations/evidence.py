"""三争 evidence: the facts beside a nomination's score — tasks closed, projects delivered, service records and
points within the period — for the confirmation page and the archive. Four queries for any number of people."""

from decimal import Decimal

from django.db.models import Count, Sum

from projects.choices import Stage
from projects.models import ProjectStage
from tasks.models import TaskItem
from worklogs.models import ServiceRecord

from .models import PointEvent


def facts(start, end, secretary_ids):
    """{secretary id: {"tasks": n, "projects": n, "services": n, "points": total or None}} in [start, end]."""
    ids = list(set(secretary_ids))
    table = {sid: {"tasks": 0, "projects": 0, "services": 0, "points": None} for sid in ids}
    if not ids:
        return table
    for sid, n in (TaskItem.objects.filter(secretary__in=ids, status=TaskItem.Status.DONE,
                                           confirmed_at__date__range=(start, end))
                   .values("secretary").annotate(n=Count("pk")).values_list("secretary", "n")):
        table[sid]["tasks"] = n
    for sid, n in (ProjectStage.objects.filter(project__secretary__in=ids, stage=Stage.ACCEPTANCE,
                                               actual_end__range=(start, end))
                   .values("project__secretary").annotate(n=Count("project", distinct=True))
                   .values_list("project__secretary", "n")):
        table[sid]["projects"] = n
    for sid, n in (ServiceRecord.objects.filter(secretary__in=ids, date__range=(start, end))
                   .values("secretary").annotate(n=Count("pk")).values_list("secretary", "n")):
        table[sid]["services"] = n
    for sid, total in (PointEvent.objects.filter(secretary__in=ids, date__range=(start, end))
                       .exclude(status=PointEvent.Status.REVOKED)
                       .values("secretary").annotate(total=Sum("points")).values_list("secretary", "total")):
        table[sid]["points"] = total
    return table


def sentence(row):
    """办结任务 3 项、验收项目 1 个、办实事 12 次、积分 +7 — the facts as people read them."""
    if row is None:
        return ""
    parts = [f"办结任务 {row['tasks']} 项", f"竣工验收项目 {row['projects']} 个", f"办实事 {row['services']} 次"]
    if row["points"] is not None:
        points = Decimal(str(row["points"])).normalize()
        parts.append(f"积分 {points:+f}")
    return "、".join(parts)


def attach(honours, period):
    """Give each honour an `evidence` sentence (its participant's facts within the period)."""
    honours = list(honours)
    table = facts(period.start_date, period.end_date, [h.participant.secretary_id for h in honours])
    for honour in honours:
        honour.evidence = sentence(table.get(honour.participant.secretary_id))
    return honours


def for_periods(secretary_id, periods):
    """{period id: sentence} of one secretary's facts in each of `periods`: four queries whatever their number."""
    periods = list(periods)
    if not periods:
        return {}
    start, end = min(p.start_date for p in periods), max(p.end_date for p in periods)
    tasks = [d.date() for d in TaskItem.objects.filter(
        secretary=secretary_id, status=TaskItem.Status.DONE, confirmed_at__date__range=(start, end))
        .values_list("confirmed_at", flat=True)]
    projects = list(ProjectStage.objects.filter(project__secretary=secretary_id, stage=Stage.ACCEPTANCE,
                                                actual_end__range=(start, end)).values_list("actual_end", flat=True))
    services = list(ServiceRecord.objects.filter(secretary=secretary_id, date__range=(start, end))
                    .values_list("date", flat=True))
    points = list(PointEvent.objects.filter(secretary=secretary_id, date__range=(start, end))
                  .exclude(status=PointEvent.Status.REVOKED).values_list("date", "points"))
    result = {}
    for period in periods:
        def within(day, period=period):
            return period.start_date <= day <= period.end_date

        mine = [p for d, p in points if within(d)]
        result[period.pk] = sentence({"tasks": sum(map(within, tasks)), "projects": sum(map(within, projects)),
                                      "services": sum(map(within, services)),
                                      "points": sum(mine) if mine else None})
    return result
