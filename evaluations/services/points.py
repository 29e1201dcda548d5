"""积分制: catalogue items, events recorded with evidence (or from the system's own facts), disputes decided."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts import audit
from accounts.models import AuditLog
from excel.pipeline import insert_rows
from presence.models import Notice
from secretaries.models import Assignment
from tasks.models import TaskItem
from villages.dbstats import analyze_after_commit
from worklogs.models import ServiceRecord

from ..models import Participant, Period, PointEvent, PointItem

EVIDENCE_MIN = 4


@transaction.atomic
def point_item_create(*, user, region, name, points, source=PointItem.Source.MANUAL, note="", request=None):
    item = PointItem(region=region, name=(name or "").strip(), points=points, source=source, note=note)
    item.full_clean()
    item.save()
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=item,
                 changes={"points": f"{item.points:+}", "source": item.get_source_display()})
    return item


def _refuse_frozen(secretary, date):
    """Points dated in a locked or published period of the secretary's county would change nothing silently."""
    frozen = (Period.objects.filter(participants__secretary=secretary, start_date__lte=date, end_date__gte=date,
                                    status__in=[Period.Status.LOCKED, Period.Status.PUBLISHED])
              .values_list("year", "kind", "number").first())
    if frozen:
        raise ValidationError("该日期所在的考评周期已锁定或已发布，不能再登记积分；如确需登记，请先重新开启评分。")


def _village_of(secretary, date):
    assignment = (Assignment.objects.filter(secretary=secretary, role=Assignment.Duty.FIRST_SECRETARY,
                                            start_date__lte=date).exclude(end_date__lt=date)
                  .order_by("-start_date").first())
    if assignment is None:  # a roster taken for the period (someone added to it) says where they served
        person = (Participant.objects.filter(secretary=secretary, period__start_date__lte=date,
                                             period__end_date__gte=date).select_related("village").first())
        if person is not None:
            return person.village
        raise ValidationError(f"{secretary.name}在 {date:%Y-%m-%d} 没有担任第一书记的派驻记录。")
    return assignment.village


@transaction.atomic
def point_event_record(*, user, item, secretary, date, evidence, request=None):
    """One 加分/扣分 event with its evidence, by county or township staff (the view narrows to their scope)."""
    evidence = (evidence or "").strip()
    if len(evidence) < EVIDENCE_MIN:
        raise ValidationError({"evidence": f"请写明事实依据（至少 {EVIDENCE_MIN} 个字）。"})
    if not item.active:
        raise ValidationError({"item": "该积分项目已停用。"})
    if date > timezone.localdate():
        raise ValidationError({"date": "日期不能晚于今天。"})
    _refuse_frozen(secretary, date)
    event = PointEvent(item=item, secretary=secretary, village=_village_of(secretary, date), date=date,
                       points=item.points, evidence=evidence, recorded_by=user)
    event.full_clean()
    event.save()
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=event,
                 changes={"item": item.name, "points": f"{item.points:+}", "date": str(date), "evidence": evidence})
    return event


@transaction.atomic
def point_event_dispute(event, *, user, reason, request=None):
    """The secretary disputes an event about them: it counts until county staff decide."""
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"reason": "请写明申诉理由（至少 4 个字）。"})
    event = PointEvent.objects.select_for_update().get(pk=event.pk)
    if event.status != PointEvent.Status.VALID:
        raise ValidationError("该积分记录已在申诉中或已撤销。")
    _refuse_frozen(event.secretary, event.date)
    event.status, event.dispute_reason = PointEvent.Status.DISPUTED, reason
    event.save(update_fields=["status", "dispute_reason"])
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=event,
                 changes={"status": [PointEvent.Status.VALID.label, PointEvent.Status.DISPUTED.label],
                          "reason": reason})
    return event


@transaction.atomic
def point_event_decide(event, *, user, revoke, decision, request=None):
    """County staff keep (有效) or revoke (已撤销) a disputed event, with a written decision."""
    decision = (decision or "").strip()
    if len(decision) < 4:
        raise ValidationError({"decision": "请填写处理意见（至少 4 个字）。"})
    event = PointEvent.objects.select_for_update().get(pk=event.pk)
    if event.status != PointEvent.Status.DISPUTED:
        raise ValidationError("只有申诉中的积分记录需要处理。")
    _refuse_frozen(event.secretary, event.date)
    after = PointEvent.Status.REVOKED if revoke else PointEvent.Status.VALID
    event.status, event.decision = after, decision
    event.save(update_fields=["status", "decision"])
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=event,
                 changes={"status": [PointEvent.Status.DISPUTED.label, after.label], "decision": decision})
    return event


def _facts(item, start, end, secretaries):
    """(source key, secretary id, date, evidence) of the facts behind an automatic item, in [start, end]."""
    if item.source == PointItem.Source.ABSENCE_NOTICE:
        notices = (Notice.objects.filter(status=Notice.Status.ISSUED, issued_at__date__range=(start, end),
                                         secretary__in=secretaries).values_list("pk", "secretary", "issued_at",
                                                                                 "title"))
        return [(f"notice:{pk}", sid, timezone.localtime(at).date(), f"在岗通报：{title}")
                for pk, sid, at, title in notices]
    if item.source == PointItem.Source.COUNTY_TASK:
        tasks = (TaskItem.objects.filter(source=TaskItem.Source.COUNTY, status=TaskItem.Status.DONE,
                                         confirmed_at__date__range=(start, end), secretary__in=secretaries)
                 .values_list("pk", "secretary", "confirmed_at", "title"))
        return [(f"task:{pk}", sid, timezone.localtime(at).date(), f"县统一任务办结：{title}")
                for pk, sid, at, title in tasks]
    return []


AUTOMATIC_FIELDS = ("item_id", "secretary_id", "village_id", "date", "points", "evidence", "status", "dispute_reason",
                    "decision", "source_key", "recorded_by_id", "recorded_at")


@transaction.atomic
def points_from_facts(period, *, user=None):
    """Create the automatic events of the period's people from notices, county tasks and service records
    (each fact once: source_key is unique). Run before every computation of a period with a points channel,
    and by `manage.py points_from_facts`. Returns the number created."""
    items = (PointItem.objects.filter(active=True, region__in=period.region.ancestor_ids())
             .exclude(source=PointItem.Source.MANUAL))
    if not period.participants.exists():
        return 0
    now, recorder = timezone.now(), user.pk if user is not None else None
    created, people = 0, None
    for item in items:
        if item.source == PointItem.Source.SERVICE:
            created += _service_events(item, period, recorder, now)
        else:
            if people is None:  # {secretary: village}, for the notices' and tasks' events
                people = dict(period.participants.values_list("secretary", "village"))
            created += _copied_events(item, period, people, recorder, now)
    if created:
        audit.record(user=user, action=AuditLog.Action.UPDATE, obj=period,
                     changes={"points": f"按系统记录自动登记积分 {created} 条"})
    return created


def _service_events(item, period, recorder, now):
    """One event per service record of the period's people, in one INSERT … SELECT: a province's first computation
    writes 20,000 and more, and none passes through Python. A fact already recorded — or recorded at this moment
    by another computation — is skipped by its unique source key; in the records' order, so two computations
    at once (a quarter and its year) wait for each other rather than deadlock. Returns the number written."""
    event, record = PointEvent._meta.db_table, ServiceRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {event} (item_id, secretary_id, village_id, date, points, evidence, status,
                                     dispute_reason, decision, source_key, recorded_by_id, recorded_at)
            SELECT %s, r.secretary_id, p.village_id, r.date, %s, %s || r.title, %s, '', '',
                   %s || CAST(r.id AS VARCHAR(20)), %s, %s
            FROM {record} r JOIN {Participant._meta.db_table} p
                 ON p.secretary_id = r.secretary_id AND p.period_id = %s
            WHERE r.date >= %s AND r.date <= %s
            ORDER BY r.id
            ON CONFLICT DO NOTHING""",
            [item.pk, item.points, "办实事：", PointEvent.Status.VALID.value, "service:", recorder, now, period.pk,
             period.start_date, period.end_date])
        written = cursor.rowcount
    analyze_after_commit([PointEvent], rows=written)  # as the rows written by COPY are
    return written


def _copied_events(item, period, people, recorder, now):
    """The events of absence notices and county tasks (a few per person at most; their dates are the local dates
    of moments, worked out here), written as rows. Returns the number written."""
    seen = set(PointEvent.objects.filter(item=item, date__range=(period.start_date, period.end_date))
               .exclude(source_key=None).values_list("source_key", flat=True))
    rows = [(item.pk, secretary, people[secretary], day, item.points, evidence, PointEvent.Status.VALID.value,
             "", "", key, recorder, now)
            for key, secretary, day, evidence in _facts(item, period.start_date, period.end_date,
                                                        period.participants.values("secretary"))
            if key not in seen]
    try:
        # COPY raises the driver's own errors: make a clash with a parallel computation an IntegrityError
        with transaction.atomic(), connection.wrap_database_errors:
            insert_rows(PointEvent, AUTOMATIC_FIELDS, rows)
    except IntegrityError:  # the same facts recorded at the same moment by another computation
        return 0
    return len(rows)


def period_points(period):
    """{secretary id: points} of the period's events (not revoked): for pages that explain the points channel."""
    rows = (PointEvent.objects.filter(date__range=(period.start_date, period.end_date),
                                      secretary__in=period.participants.values("secretary"))
            .exclude(status=PointEvent.Status.REVOKED).values("secretary").annotate(total=Sum("points")))
    return {row["secretary"]: row["total"] for row in rows}



