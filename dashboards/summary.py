"""The dashboard's totals (villages, vacancies, tags, people by level and unit, deadlines, tasks, projects, logs,
presence, alliances, the per-area table), computed for one region and role, and where they are kept.

- A township or county dashboard computes them in the request (tens of milliseconds) and keeps them in the cache
  for DASHBOARD_CACHE_SECONDS.
- A city or province dashboard would scan up to 69,000 villages per computation (0.25 s idle, 2 s on a loaded
  machine). Its totals are a maintained row (`AreaFigures`): the request reads the row, and when the row is older
  than DASHBOARD_CACHE_SECONDS it queues one refresh on the task engine and shows the row meanwhile, with the time
  it was computed. Only a row older than DASHBOARD_STALE_SECONDS (the worker is down, or nobody looked for a while)
  or none at all is computed in the request. `manage.py refresh_dashboards` recomputes every row (cron).

Everyone with the same region and role sees the same totals (`for_user` scopes by exactly these two), so the
figures are computed for a stand-in user of that region and role. They are kept as JSON; the two short lists
(vacant villages, assignments ending soon) are kept as ids and read again, through the user's scope, per view.
"""

import datetime
import json
import logging

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from alliances import reports as alliance_reports
from presence import reports as presence_reports
from projects import reports as project_reports
from secretaries.models import Assignment
from tasks import reports as task_reports
from villages.models import Region, Village
from worklogs import reports as worklog_reports

from . import reports, setup
from .models import AreaFigures

logger = logging.getLogger(__name__)
MAINTAINED_LEVELS = {Region.Level.PROVINCE, Region.Level.CITY}
VERSION = 1  # raise when compute() changes shape: rows of another version are recomputed, not shown


def compute(user):
    """The totals as JSON values (Decimals become strings, which the templates' number filters read)."""
    areas = reports.areas(user)
    deadlines = reports.deadlines(user)
    deadlines["rows"] = [row.pk for row in deadlines["rows"]]
    figures = {
        "villages": reports.village_totals(areas),
        "missing": [village.pk for village in reports.villages_missing_secretary(user)],
        "by_level": reports.secretaries_by_dispatch_level(user),
        "by_unit": reports.secretaries_by_unit(user),
        "areas": areas,
        "deadlines": deadlines,
        "tasks": task_reports.county_figures(user),
        "projects": project_reports.county_figures(user),
        "logs": worklog_reports.county_figures(user),
        "presence": presence_reports.county_figures(user),
        "alliances": alliance_reports.county_figures(user),
    }
    if maintained(user) and user.is_county_admin:
        figures["setup_counts"] = setup.step_counts(user)  # the checklist of a city or province: 10 counts over it
    return json.loads(json.dumps({**figures, "version": VERSION}, cls=DjangoJSONEncoder))


def with_rows(user, figures):
    """The figures with the vacant villages and the assignments ending soon read again (two short queries)."""
    villages = Village.objects.for_user(user).filter(pk__in=figures["missing"]).select_related("region__parent")
    assignments = (Assignment.objects.for_user(user).filter(pk__in=figures["deadlines"]["rows"])
                   .select_related("secretary", "village__region__parent"))
    return {**figures, "missing": in_order(villages, figures["missing"]),
            "deadlines": {**figures["deadlines"], "rows": in_order(assignments, figures["deadlines"]["rows"])}}


def in_order(queryset, ids):
    found = {obj.pk: obj for obj in queryset}
    return [found[pk] for pk in ids if pk in found]


def for_user(user):
    """(figures, computed_at): computed_at is the time of a maintained row, None for figures computed just now or
    cached for at most DASHBOARD_CACHE_SECONDS."""
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if not seconds:
        return with_rows(user, compute(user)), None
    if maintained(user):
        figures, computed_at = maintained_figures(user)
        return with_rows(user, figures), computed_at
    key = f"dashboard:figures:{user.region_id}:{user.role}:{int(user.is_superuser)}"
    figures = cache.get(key)
    if figures is None:
        figures = compute(user)
        cache.set(key, figures, seconds)
    return with_rows(user, figures), None


def maintained(user):
    """Regions above the county keep their totals in a row (a superuser, who sees every region, never does)."""
    return user.region is not None and not user.is_superuser and user.region.level in MAINTAINED_LEVELS


def maintained_figures(user):
    now = timezone.now()
    row = AreaFigures.objects.filter(region=user.region, role=user.role).first()
    too_old = row is None or now - row.computed_at > datetime.timedelta(seconds=settings.DASHBOARD_STALE_SECONDS)
    if too_old or row.figures.get("version") != VERSION:
        row = save(user.region, user.role, compute(user))
        return row.figures, row.computed_at
    if now - row.computed_at > datetime.timedelta(seconds=settings.DASHBOARD_CACHE_SECONDS):
        queue_refresh(row, now)
    return row.figures, row.computed_at


def queue_refresh(row, now):
    """Queue one refresh of the row: the request that marks it queued enqueues the task; others find it marked
    (a mark older than DASHBOARD_STALE_SECONDS is taken for a lost task). Never fails the page."""
    lost = now - datetime.timedelta(seconds=settings.DASHBOARD_STALE_SECONDS)
    from .tasks import refresh_area_figures  # the task module imports this one

    try:
        claimed = (AreaFigures.objects.filter(pk=row.pk)
                   .filter(Q(refresh_queued_at__isnull=True) | Q(refresh_queued_at__lt=lost))
                   .update(refresh_queued_at=now))
        if claimed:
            refresh_area_figures.enqueue(row.region_id, row.role)
    except DatabaseError:
        logger.warning("总览统计的后台更新未能排队（%s）", row, exc_info=True)


def stand_in(region, role):
    """An unsaved user of that region and role: what `for_user` needs to scope the totals."""
    return User(username=f"figures-{region.pk}-{role}", region=region, role=role, is_active=True)


def refresh(region_id, role):
    """Recompute one maintained row now (the task, and manage.py refresh_dashboards); None if the region is gone."""
    region = Region.objects.filter(pk=region_id).first()
    if region is None:
        return None
    return save(region, role, compute(stand_in(region, role)))


def save(region, role, figures):
    """Insert or update the row of (region, role) in one statement (two computations at once: the later wins)."""
    row = AreaFigures(region=region, role=role, figures=figures, computed_at=timezone.now())
    AreaFigures.objects.bulk_create([row], update_conflicts=True, unique_fields=["region", "role"],
                                    update_fields=["figures", "computed_at", "refresh_queued_at"])
    return row
