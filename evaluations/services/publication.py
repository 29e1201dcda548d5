"""Locking and publishing safely.

- Lock: every gap (a participant without any score in a weighted channel, see completeness.py) needs a decision —
  score it first, accept 渠道缺失, or excuse the person (免评, with a reason). Nobody is locked in by a bare confirm.
- Publish: refused while anyone not excused has no score at all; each publication keeps a snapshot of its ranking.
- Withdraw (撤回发布): back to 已锁定 with a reason; whoever opened the published result is told (notify.py).
- Reopen: back to 评分中 with a reason; the gap decisions are taken again at the next lock.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts import audit
from accounts.models import AuditLog
from notifications import events as notify_events

from .. import completeness, notify, scoring
from ..models import Channel, GapDecision, Participant, Period, Publication, PublicationReader
from .periods import _status_change
from .points import points_from_facts

EXCUSE_REASON_MIN = 2


def _lock_status(period, status, message):
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status != status:
        raise ValidationError(message)
    return period


def _save_decisions(period, decisions, user):
    """decisions = [(participant id, channel or "", choice, reason)]; each replaces any earlier one for the gap."""
    if not decisions:
        return
    weighted = set(completeness.weighted_channels(period))
    people = {p.pk: p for p in Participant.objects.filter(period=period, pk__in={d[0] for d in decisions})
              .select_related("secretary")}
    for pid, channel, choice, reason in decisions:
        person = people.get(pid)
        if person is None:
            raise ValidationError("缺项处理中有不属于本周期的参评人员。")
        reason = (reason or "").strip()
        if choice == GapDecision.Choice.EXCUSE:
            if len(reason) < EXCUSE_REASON_MIN:
                raise ValidationError(f"免评{person.secretary.name}须填写理由。")
            channel = ""
        elif choice == GapDecision.Choice.ACCEPT:
            if channel not in weighted:
                raise ValidationError("接受渠道缺失时须指明是哪个评价渠道。")
        else:
            raise ValidationError("缺项处理方式只能是接受渠道缺失或免评。")
        GapDecision.objects.update_or_create(
            participant=person, channel=channel,
            defaults={"period": period, "choice": choice, "reason": reason, "decided_by": user})


def _check_gaps(period):
    """Every gap decided (an accepted gap for someone with no score at all does not count): the gaps."""
    gaps = completeness.gaps_of(period, Participant.objects.filter(period=period).select_related("secretary"))
    open_gaps = sorted((g for g in gaps if not g.decided), key=lambda g: not g.whole)
    if open_gaps:
        names = "、".join(f"{g.participant.secretary.name}（{'、'.join(g.channel_labels)}）" for g in open_gaps[:5])
        more = f"等 {len(open_gaps)} 人" if len(open_gaps) > 5 else ""
        raise ValidationError(
            f"还有缺项未作选择：{names}{more}。请对每一处缺项选择：补录分数、接受渠道缺失，或免评（写明理由）；"
            "没有任何分数的同志只能补录分数或免评。")
    return gaps


@transaction.atomic
def period_lock(period, *, user, request=None, decisions=()):
    """评分中 → 已锁定: with every gap decided, mark the excused, compute the results and freeze them."""
    period = _lock_status(period, Period.Status.SCORING, "只有评分中的考评周期可以锁定。")
    _save_decisions(period, decisions, user)
    gaps = _check_gaps(period)
    if Channel.POINTS in period.channel_weights():
        points_from_facts(period, user=user)
    excused = [g for g in gaps if g.excused]
    Participant.objects.filter(period=period).update(excused=False)
    Participant.objects.filter(pk__in=[g.participant.pk for g in excused]).update(excused=True)
    scoring.compute(period)
    _status_change(period, user, request, Period.Status.LOCKED, locked_at=timezone.now())
    if gaps:
        accepted = sum(len(g.accepted) for g in gaps if not g.excused)
        audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=period, changes={
            "gaps": f"锁定时缺项 {len(gaps)} 人：接受渠道缺失 {accepted} 处，免评 {len(excused)} 人",
            **({"excused": [f"{g.participant.secretary.name}：{g.excused.reason}" for g in excused]}
               if excused else {}),
        })
    return period


def lock_accepting_every_gap(period, *, user, reason="无分数，免评", request=None):
    """For scripts and the demo (never a page): lock with every channel gap accepted and everyone without any
    score excused — the decisions a county administrator would otherwise choose one by one."""
    gaps = completeness.gaps_of(period, Participant.objects.filter(period=period))
    decisions = []
    for gap in gaps:
        if gap.whole:
            decisions.append((gap.participant.pk, "", GapDecision.Choice.EXCUSE, reason))
        else:
            decisions += [(gap.participant.pk, c, GapDecision.Choice.ACCEPT, "") for c in gap.channels]
    return period_lock(period, user=user, request=request, decisions=decisions)


@transaction.atomic
def period_reopen(period, *, user, reason, request=None):
    """已锁定 → 评分中, with a written reason that goes into the audit log; gap decisions are taken again."""
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"reason": "请填写重新开启的理由（至少 4 个字）。"})
    period = _lock_status(period, Period.Status.LOCKED, "只有已锁定、尚未发布的考评周期可以重新开启。")
    cleared, _ = GapDecision.objects.filter(period=period).delete()
    Participant.objects.filter(period=period, excused=True).update(excused=False)
    extra = {"gaps": f"清除锁定时的缺项处理 {cleared} 项，下次锁定时重新选择"} if cleared else None
    _status_change(period, user, request, Period.Status.SCORING, locked_at=None, reason=reason, extra=extra)
    return period


SNAPSHOT_FIELDS = ("pk", "secretary__name", "township__name", "village__region__name", "composite", "rank_county",
                   "rank_township", "grade", "flag", "stars", "channels_missing", "excused")


def snapshot(period):
    """The ranking as published: plain JSON, in rank order (the unranked last, marked)."""
    rows = (Participant.objects.filter(period=period)
            .order_by(F("rank_county").asc(nulls_last=True), "secretary__name", "pk")
            .values_list(*SNAPSHOT_FIELDS))
    keys = ("participant", "name", "township", "village", "composite", "rank_county", "rank_township", "grade",
            "flag", "stars", "channels_missing", "excused")
    return [{key: (f"{value:.2f}" if key == "composite" and value is not None else value)
             for key, value in zip(keys, row, strict=True)} for row in rows]


@transaction.atomic
def period_publish(period, *, user, request=None):
    """已锁定 → 已发布, refused while anyone not excused has no score; a Publication keeps what was published."""
    period = _lock_status(period, Period.Status.LOCKED, "请先锁定考评周期，核对计算结果后再发布。")
    if period.honours.filter(confirmed_at__isnull=True).exists():
        raise ValidationError("三争荣誉和季度之星的提名尚未确认，请先确认（或调整）后再发布。")
    if period.participants.filter(grade_pending=True).exists():
        raise ValidationError("有并列者的“优秀”等次待定，请先决定后再发布。")
    unscored = list(period.participants.filter(composite__isnull=True, excused=False)
                    .values_list("secretary__name", flat=True)[:6])
    if unscored:
        names = "、".join(unscored[:5]) + ("等" if len(unscored) > 5 else "")
        raise ValidationError(f"{names}没有任何渠道的分数，不能发布。请重新开启评分补录分数，或在锁定时作免评处理。")
    rows = snapshot(period)
    now = timezone.now()
    publication = Publication.objects.create(
        period=period, number=period.publications.count() + 1, published_at=now, published_by=user,
        ranked=sum(1 for r in rows if r["rank_county"] is not None),
        unranked=sum(1 for r in rows if r["rank_county"] is None), snapshot=rows)
    _status_change(period, user, request, Period.Status.PUBLISHED, published_at=now, publication=publication)
    notify_events.period_published(period)
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=publication,
                 changes={"ranked": publication.ranked, "unranked": publication.unranked})
    return period


@transaction.atomic
def period_withdraw(period, *, user, reason, request=None):
    """撤回发布: 已发布 → 已锁定 with a reason; the publication is marked withdrawn and its readers are told."""
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"reason": "请填写撤回发布的理由（至少 4 个字）。"})
    period = _lock_status(period, Period.Status.PUBLISHED, "只有已发布的考评周期可以撤回发布。")
    publication = Publication.objects.select_for_update().filter(pk=period.publication_id).first()
    if publication is not None:
        publication.withdrawn_at, publication.withdrawn_by, publication.withdraw_reason = timezone.now(), user, reason
        publication.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    _status_change(period, user, request, Period.Status.LOCKED, publication=None, reason=reason)
    if publication is not None:
        notify.publication_withdrawn(publication, user=user, request=request)
    return period


def reader_record(period, user):
    """Remember that `user` opened the current publication of `period` (one query; nothing before publication)."""
    if period.is_published and period.publication_id and user.is_authenticated:
        PublicationReader.objects.bulk_create([PublicationReader(publication_id=period.publication_id, user=user)],
                                              ignore_conflicts=True)



