"""Outcomes decided by county staff on a locked period: honours confirmed or changed, 优秀 ties decided."""


from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.models import AuditLog

from ..models import (
    Grade,
    Participant,
    Period,
)


def _lock_frozen(period):
    """Outcomes are decided on a locked, unpublished period: hold its row while deciding."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status != Period.Status.LOCKED:
        raise ValidationError("只有已锁定、尚未发布的考评周期可以确认荣誉和等次。")
    return period


@transaction.atomic
def honours_confirm(period, *, user, request=None):
    """County staff confirm the nominations as they stand (after any changes)."""
    period = _lock_frozen(period)
    now = timezone.now()
    count = period.honours.filter(confirmed_at__isnull=True).update(confirmed_at=now, confirmed_by=user)
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=period,
                 changes={"honours": f"确认三争荣誉和季度之星提名 {count} 项"})
    return count


@transaction.atomic
def honour_change(period, honour, replacement, *, user, reason, request=None):
    """Give an honour to someone other than the rule's nominee, with a written reason (audited)."""
    period = _lock_frozen(period)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"reason": "请填写调整理由（至少 4 个字）。"})
    if replacement.period_id != period.pk or honour.period_id != period.pk:
        raise ValidationError("只能在本周期的参评人员中调整。")
    if period.honours.filter(kind=honour.kind, participant=replacement).exists():
        raise ValidationError(f"{replacement.secretary.name}已获得这项荣誉。")
    before = honour.participant.secretary.name
    honour.participant, honour.by_rule, honour.reason = replacement, False, reason
    honour.basis = None
    honour.confirmed_at, honour.confirmed_by = timezone.now(), user
    honour.save()
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=period,
                 changes={"honour": honour.get_kind_display(), "from": before, "to": replacement.secretary.name,
                          "reason": reason})
    return honour


@transaction.atomic
def grades_decide(period, excellent, *, user, request=None):
    """Decide the 优秀待定 ties: `excellent` of them become 优秀, the rest 称职 — within the quota."""
    return _decide_pending(_lock_frozen(period), excellent, user=user, request=request)


def _decide_pending(period, excellent, *, user, request=None):
    """The decision itself, on a period whose row the caller holds (locked, or published after an appeal)."""
    pending = list(period.participants.filter(grade_pending=True))
    chosen = {p.pk for p in excellent}
    if not chosen <= {p.pk for p in pending}:
        raise ValidationError("只能在待定人员中选择。")
    ranked = period.participants.filter(rank_county__isnull=False).count()
    quota = max(1, int(ranked * period.outcome("excellent_quota") / 100))
    already = period.participants.filter(grade=Grade.EXCELLENT).count()
    if already + len(chosen) > quota:
        raise ValidationError(f"优秀比例上限为 {quota} 人，已有 {already} 人，最多还能选 {quota - already} 人。")
    for person in pending:
        person.grade = Grade.EXCELLENT if person.pk in chosen else Grade.COMPETENT
        person.grade_pending = False
    Participant.objects.bulk_update(pending, ["grade", "grade_pending"])
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=period,
                 changes={"grades": "；".join(f"{p.secretary.name}：{p.get_grade_display()}" for p in pending)})
    return pending
