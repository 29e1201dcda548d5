"""A period's life up to the lock: create, open (roster), trial computation; the roster's additions and removals.

Locking, reopening, publishing and withdrawing are in publication.py."""


from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.mixins import save_or_field_error
from accounts.models import AuditLog
from secretaries.models import Assignment

from .. import scoring
from ..models import (
    Channel,
    Participant,
    Period,
    Score,
    SurveyTally,
)
from .schemes import validate_rules

FROZEN = "该考评周期已锁定，不能再录入或修改分数。如确需修改，请由县委组织部填写理由后重新开启。"
NOT_SCORING = "该考评周期尚未开始评分（草稿状态），请先开启评分。"


@transaction.atomic
def period_create(*, user, request=None, region, scheme, kind, year, number=1, start_date=None, end_date=None):
    """A draft period; its dates default to the calendar quarter, half-year or year."""
    valid = kind in Period.MAX_NUMBER and 1 <= number <= Period.MAX_NUMBER[kind]
    default_start, default_end = Period.default_dates(kind, year, number) if valid else (None, None)
    period = Period(region=region, scheme=scheme, kind=kind, year=year, number=number,
                    start_date=start_date or default_start, end_date=end_date or default_end)
    period.full_clean()
    save_or_field_error(period)  # the same period created at the same moment by someone else: a form error
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=period)
    return period


def _status_change(period, user, request, status, reason=None, extra=None, **fields):
    before = period.status
    period.status = status
    Period.objects.filter(pk=period.pk).update(status=status, **fields)
    for name, value in fields.items():
        setattr(period, name, value)
    changes = {"status": [Period.Status(before).label, Period.Status(status).label]}
    if reason:
        changes["reason"] = reason
    changes.update(extra or {})
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=period, changes=changes)


def roster(period):
    """The active first secretaries serving in the period's region on its first scoring day."""
    return (
        Assignment.objects.active_first_secretaries()
        .filter(village__region__path__startswith=period.region.path)
        .select_related("secretary__unit", "village__region")
        .order_by("village__region__path")
    )


@transaction.atomic
def period_open(period, *, user, request=None):
    """草稿 → 评分中: copy the scheme's rules into the period and take the roster."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status != Period.Status.DRAFT:
        raise ValidationError("只有草稿状态的考评周期可以开启评分。")
    rules = period.scheme.rules()
    validate_rules(rules)
    participants = [
        Participant(period=period, secretary=a.secretary, village=a.village, township_id=a.village.region.parent_id,
                    unit_name=a.secretary.unit.name, dispatch_level=a.dispatch_level, batch_id=a.batch_id)
        for a in roster(period)
    ]
    if not participants:
        raise ValidationError("该区域目前没有在岗的第一书记，无法开启评分。")
    Participant.objects.bulk_create(participants, batch_size=2000)
    period.rules = rules
    Period.objects.filter(pk=period.pk).update(rules=rules)
    _status_change(period, user, request, Period.Status.SCORING, opened_at=timezone.now())
    return period


def candidates(period):
    """First-secretary assignments in the period's region that overlapped it, of people not yet on its roster:
    someone recalled or rotated during the quarter can still be evaluated for it."""
    return (
        Assignment.objects.filter(role=Assignment.Duty.FIRST_SECRETARY,
                                  village__region__path__startswith=period.region.path,
                                  start_date__lte=period.end_date)
        .exclude(end_date__lt=period.start_date)
        .exclude(secretary__in=period.participants.values("secretary"))
        .select_related("secretary__unit", "village__region__parent")
        .order_by("village__region__path", "-start_date")
    )


@transaction.atomic
def participant_add(period, assignment, *, user, request=None):
    """Put someone who served in the period (see candidates) on its roster, for the village of that assignment."""
    period = _lock_for_scoring(period)
    if not candidates(period).filter(pk=assignment.pk).exists():
        raise ValidationError("该派驻记录不在本周期内，或该同志已在参评名单中。")
    person = Participant.objects.create(
        period=period, secretary=assignment.secretary, village=assignment.village,
        township_id=assignment.village.region.parent_id, unit_name=assignment.secretary.unit.name,
        dispatch_level=assignment.dispatch_level, batch_id=assignment.batch_id)
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=person,
                 changes={"period": period.label, "village": str(assignment.village)})
    return person


@transaction.atomic
def participant_remove(period, participant, *, user, reason, request=None):
    """Take someone off the roster — only while nobody has scored them, and with a reason."""
    period = _lock_for_scoring(period)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError("请填写移出参评名单的理由。")
    if (Score.objects.filter(participant=participant).exists()
            or Score.objects.filter(rater=participant).exists()
            or SurveyTally.objects.filter(participant=participant).exists()
            or participant.survey_codes.exists() or participant.meetings.exists()):
        raise ValidationError(f"{participant.secretary.name}已有评分、测评码或观摩互评会安排，不能移出参评名单。")
    audit.record(user=user, request=request, action=AuditLog.Action.DELETE, obj=participant,
                 changes={"period": period.label, "reason": reason})
    participant.delete()


@transaction.atomic
def period_compute(period):
    """试算: compute the results of a period still being scored (only county staff see them until publication)."""
    period = _lock_for_scoring(period)
    if Channel.POINTS in period.channel_weights():
        from .points import points_from_facts

        points_from_facts(period)
    scoring.compute(period)
    return period


def ensure_scoring(period):
    if period.is_frozen:
        raise ValidationError(FROZEN)
    if not period.is_scoring:
        raise ValidationError(NOT_SCORING)


def _lock_for_scoring(period):
    """Hold the period row while writing scores: a lock running at the same moment waits for us, or we for it."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    ensure_scoring(period)
    return period
