"""申诉: filed within the window, rejected with a reason, or accepted with score changes and a recomputation."""

import datetime
from collections import namedtuple
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

import jobs
from accounts import audit
from accounts.models import AuditLog, User
from jobs.models import Job
from notifications import events as notify_events

from .. import outcomes, scoring
from ..models import (
    Appeal,
    Channel,
    Grade,
    Participant,
    Period,
    Score,
    ScoreChange,
)
from .honours import _decide_pending

# Appeals -----------------------------------------------------------------------------------------------------

APPEAL_REASON_MIN = 10
APPEAL_CHANNELS = (Channel.ORG, Channel.TOWNSHIP, Channel.PEER)
SURVEY_NOT_APPEALABLE = "党员群众测评由群众的测评结果计算，不能通过申诉修改。"
ONE_OPEN_APPEAL = "您对本期考评结果已有一件待处理的申诉，请等待处理结果。"

# Accepting an appeal recomputes the whole period. A county's few hundred people take a fraction of a second: the
# decision's own request does it and the page shows the effects at once. A larger period (a city or province
# running one period: 20,000 people take seconds, holding the period's row all along) is recomputed on the
# task worker, after the decision and its audit row have committed; the appeal page shows "重新计算中…" until
# then. Tests lower the threshold to follow the background path.
RECOMPUTE_INLINE_MAX = 2000
RECOMPUTE_KIND = "appeal_recompute"
RECOMPUTE_TASK = "evaluations.tasks.appeal_recompute"

# One person's result as the recomputation may change it (the appeal page shows it before and after).
Result = namedtuple("Result", "name composite rank_county rank_township previous_rank grade grade_pending flag stars")


def appeal_deadline(period):
    """When the appeal window closes: `appeal_days` days after publication (None before publication)."""
    if not period.is_published or period.published_at is None:
        return None
    return period.published_at + datetime.timedelta(days=int(period.outcome("appeal_days")))


def appeal_window_open(period, now=None):
    deadline = appeal_deadline(period)
    return deadline is not None and (now or timezone.now()) <= deadline


@transaction.atomic
def appeal_file(participant, *, user, reason, request=None):
    """A secretary appeals their own published result: within the window, one open appeal at a time."""
    reason = (reason or "").strip()
    if len(reason) < APPEAL_REASON_MIN:
        raise ValidationError({"reason": f"请写明申诉理由（至少 {APPEAL_REASON_MIN} 个字）。"})
    period = Period.objects.get(pk=participant.period_id)
    if not period.is_published:
        raise ValidationError("考评结果尚未发布，发布后才能申诉。")
    if not appeal_window_open(period):
        closed = timezone.localtime(appeal_deadline(period))
        raise ValidationError(f"申诉期已于 {closed:%Y-%m-%d %H:%M} 结束，不能再提出申诉。"
                              "如有疑问，请与县委组织部联系。")
    if participant.appeals.filter(status=Appeal.Status.PENDING).exists():
        raise ValidationError(ONE_OPEN_APPEAL)
    appeal = Appeal(participant=participant, reason=reason, created_by=user)
    try:
        with transaction.atomic():  # the same appeal sent twice at once: the second meets the constraint
            appeal.save()
    except IntegrityError:
        raise ValidationError(ONE_OPEN_APPEAL) from None
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=appeal,
                 changes={"period": period.label, "reason": reason})
    return appeal


def _lock_published(period_id):
    """Hold a published period's row: its results change only here, one appeal at a time."""
    period = Period.objects.select_for_update().get(pk=period_id)
    if not period.is_published:
        raise ValidationError("只有已发布的考评周期可以处理申诉。")
    return period


def _lock_pending(appeal):
    appeal = (Appeal.objects.select_for_update(of=("self",)).select_related("participant__secretary")
              .get(pk=appeal.pk))
    if not appeal.is_pending:
        raise ValidationError("该申诉已经处理过了。")
    return appeal


def _decided(appeal, status, user, decision):
    appeal.status, appeal.decided_at, appeal.decided_by, appeal.decision = status, timezone.now(), user, decision
    appeal.save(update_fields=["status", "decided_at", "decided_by", "decision", "effects"])
    notify_events.appeal_decided(appeal)


@transaction.atomic
def appeal_reject(appeal, *, user, reason, request=None):
    """Reject an appeal with a reason the appellant sees on their result page; nothing else changes."""
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"reason": "请填写驳回理由（至少 4 个字）。"})
    appeal = _lock_pending(appeal)
    _decided(appeal, Appeal.Status.REJECTED, user, reason)
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=appeal,
                 changes={"status": [Appeal.Status.PENDING.label, Appeal.Status.REJECTED.label], "reason": reason})
    return appeal


@transaction.atomic
def appeal_accept(appeal, changes, *, user, note, request=None):
    """Accept an appeal: change the appellant's scores — changes = [(channel, rater or None, dimension, value)] —
    and recompute the period under its row lock: here for a period of up to RECOMPUTE_INLINE_MAX people, else as
    a background job queued in this transaction (`appeal.job`; it starts once the decision has committed). The
    honours stay as confirmed; everyone whose composite, rank, flag, stars or grade moved is kept in
    `appeal.effects`."""
    note = (note or "").strip()
    if len(note) < 4:
        raise ValidationError({"note": "请填写修改分数的说明（至少 4 个字）。"})
    period = _lock_published(appeal.participant.period_id)
    appeal = _lock_pending(appeal)
    written = _appeal_scores(period, appeal, changes, user=user)
    _decided(appeal, Appeal.Status.ACCEPTED, user, note)
    names = period.dimensions
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=appeal, changes={
        "status": [Appeal.Status.PENDING.label, Appeal.Status.ACCEPTED.label], "note": note,
        "scores": [f"{_channel_label(c.channel, c.rater)} {names[c.dimension - 1]}："
                   f"{'—' if c.old_value is None else f'{c.old_value:f}'} → {c.new_value:f}" for c in written],
    })
    appeal.job = None
    if period.participants.count() > RECOMPUTE_INLINE_MAX:
        appeal.job = recompute_start(appeal, period, user=user)
    else:
        _recompute(period, [appeal], user=user, request=request)
    return appeal


def recompute_key(appeal, period_id=None):
    return f"{RECOMPUTE_KIND}:{period_id or appeal.participant.period_id}:{appeal.pk}"


def recompute_start(appeal, period, *, user):
    """Queue the recomputation that follows an accepted appeal (again, after a job that failed): one open job per
    appeal — a second click joins it."""
    return jobs.start(kind=RECOMPUTE_KIND, user=user, region=period.region, task=RECOMPUTE_TASK,
                      title=f"重新计算{period.label}考评结果（采纳{appeal.participant.secretary.name}的申诉）",
                      key=recompute_key(appeal, period.pk), link=appeal.get_absolute_url(), appeal_id=appeal.pk,
                      user_id=user.pk if user is not None else None)


def recompute_job(appeal):
    """The latest recomputation job of an accepted appeal (None when it was recomputed in its request)."""
    return Job.objects.filter(kind=RECOMPUTE_KIND, key=recompute_key(appeal)).order_by("-created_at", "-pk").first()


@transaction.atomic
def appeal_recompute(*, appeal_id, user_id=None):
    """The task worker's half of accepting an appeal (evaluations.tasks names it). Idempotent: the period's audit
    row of a recomputation lists the appeals it covered, so a retry, or the job of an appeal a previous job has
    already covered, changes nothing. Appeals accepted while this one waited are covered by the same pass."""
    appeal = Appeal.objects.select_related("participant__secretary").filter(pk=appeal_id).first()
    if appeal is None or appeal.status != Appeal.Status.ACCEPTED:
        raise ValidationError("该申诉不存在或未被采纳，无需重新计算。")
    period = Period.objects.select_for_update().get(pk=appeal.participant.period_id)
    if appeal.pk in _covered(period):
        return "已重新计算（与同期的其他申诉一并完成）。"
    if not period.is_frozen:
        return "考评周期已重新开启评分，结果将在下次锁定时计算。"
    jobs.progress(5, f"正在重新计算{period.label}的 {period.participants.count():,} 人……")
    effects = _recompute(period, [appeal, *_waiting(period, appeal)], user=User.objects.filter(pk=user_id).first())
    return f"已重新计算：{len(effects)} 人的结果有变化。"


def _covered(period):
    """The appeals whose recomputation is done: each recomputation's audit row on the period lists them."""
    rows = AuditLog.objects.filter(content_type=ContentType.objects.get_for_model(Period), object_id=str(period.pk),
                                   changes__has_key="appeals").values_list("changes", flat=True)
    return {pk for changes in rows for pk in changes["appeals"]}


def _waiting(period, appeal):
    """Other accepted appeals of the period whose recomputation job is still queued: this pass covers them."""
    prefix = f"{RECOMPUTE_KIND}:{period.pk}:"
    keys = Job.objects.filter(key__startswith=prefix, state__in=[Job.State.QUEUED, Job.State.RUNNING]).values_list(
        "key", flat=True)
    pks = {int(key.removeprefix(prefix)) for key in keys} - {appeal.pk} - _covered(period)
    return list(Appeal.objects.filter(pk__in=pks, status=Appeal.Status.ACCEPTED)
                .select_related("participant__secretary").order_by("pk"))


def _recompute(period, appeals, *, user, request=None):
    """Recompute a published period after `appeals` were accepted (the caller holds its row): each keeps the
    results that moved; one audit row on the period names them."""
    before = _results(period)
    scoring.compute(period, nominate=False)
    jobs.progress(80, "正在核对等次和位次进退……")
    kept = _keep_tie_decision(period, before)
    effects = _effects(before, _results(period))
    _refresh_following(period)
    for appeal in appeals:
        appeal.effects = effects
        appeal.save(update_fields=["effects"])
    names = "、".join(a.participant.secretary.name for a in appeals)
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=period, changes={
        "recomputed": f"采纳{names}的申诉后重新计算，{len(effects)} 人的结果有变化",
        "appeals": [a.pk for a in appeals],
        **({"grades_kept": "、".join(kept)} if kept else {}),
    })
    return effects


def _channel_label(channel, rater):
    return Channel(channel).label + (f"（评分人：{rater.secretary.name}）" if rater is not None else "")


def _appeal_scores(period, appeal, changes, *, user):
    """Write an accepted appeal's scores past the frozen check (the caller holds the period row); each score that
    really changes becomes a ScoreChange. A score may be added only where the channel had none for that dimension
    and not in peer review (the raters are who they were)."""
    person, count, now = appeal.participant, len(period.dimensions), timezone.now()
    existing = {(s.channel, s.rater_id, s.dimension): s for s in Score.objects.filter(participant=person)}
    records, seen = [], set()
    for channel, rater, dimension, value in changes:
        if channel == Channel.SURVEY:
            raise ValidationError(SURVEY_NOT_APPEALABLE)
        key = (channel, rater.pk if rater is not None else None, dimension)
        if channel not in APPEAL_CHANNELS or not 1 <= dimension <= count or key in seen \
                or (channel == Channel.PEER) != (rater is not None):
            raise ValidationError("要修改的分数有误：渠道、评分人或维度不存在，或同一项填了两次。")
        seen.add(key)
        score = existing.get(key)
        if channel == Channel.PEER and score is None:
            raise ValidationError(f"{rater.secretary.name}没有为其评过这一维度，不能通过申诉新增互评分数。")
        value = Decimal(str(value))
        if not 0 <= value <= 100 or value != value.quantize(Decimal("0.01")):
            raise ValidationError("分数应在 0–100 之间，最多两位小数。")
        old = score.value if score is not None else None
        if old == value:
            continue
        if score is None:
            Score.objects.create(period=period, participant=person, channel=channel, dimension=dimension,
                                 value=value, entered_by=user)
        else:
            Score.objects.filter(pk=score.pk).update(value=value, entered_by=user)
        records.append(ScoreChange(appeal=appeal, channel=channel, rater=rater, dimension=dimension, old_value=old,
                                   new_value=value, changed_by=user, changed_at=now))
    if not records:
        raise ValidationError("没有分数变化：请至少修改一项分数后再采纳，或驳回申诉。")
    partial = (Score.objects.filter(participant=person, channel__in=[Channel.ORG, Channel.TOWNSHIP])
               .values_list("channel").annotate(n=Count("pk")).filter(n__lt=count))
    incomplete = next(iter(partial), None)
    if incomplete is not None:
        raise ValidationError(f"{Channel(incomplete[0]).label}应填写全部 {count} 项分数"
                              "（原来没有分数的渠道请整行填写）。")
    return ScoreChange.objects.bulk_create(records)


def _rounded(composite):
    """A composite as ranks compare it (scoring.PRECISION decimals)."""
    if composite is None:
        return None
    return Decimal(composite).quantize(Decimal(1).scaleb(-scoring.PRECISION), rounding=ROUND_HALF_UP)


def _results(period):
    rows = period.participants.values_list("pk", "secretary__name", *Result._fields[1:])
    return {pk: Result(name, *values) for pk, name, *values in rows}


def _keep_tie_decision(period, before):
    """An 优秀 tie county staff decided stays decided when the appeal left it as it was: the same people at the
    same composites, as many 优秀 above them and as many ranked (so the same quota). Otherwise the recomputation
    leaves it 待定 and county staff decide again (appeal_grades_decide). Returns the names kept."""
    pending = dict(period.participants.filter(grade_pending=True).values_list("pk", "composite"))
    if not pending:
        return []
    tie = {_rounded(composite) for composite in pending.values()}
    tied_before = {pk for pk, row in before.items() if _rounded(row.composite) in tie}
    excellent_before = sum(1 for pk, row in before.items() if pk not in pending and row.grade == Grade.EXCELLENT)
    excellent_now = period.participants.filter(grade=Grade.EXCELLENT).exclude(pk__in=pending).count()
    ranked_before = sum(1 for row in before.values() if row.rank_county is not None)
    ranked_now = period.participants.filter(rank_county__isnull=False).count()
    if (tied_before != set(pending) or excellent_before != excellent_now or ranked_before != ranked_now
            or any(before[pk].grade_pending or not before[pk].grade for pk in pending)):
        return []
    Participant.objects.bulk_update(
        [Participant(pk=pk, grade=before[pk].grade, grade_pending=False) for pk in pending],
        ["grade", "grade_pending"])
    return sorted(before[pk].name for pk in pending)


def _effects(before, after):
    """Everyone whose result moved, before and after, ranked as they now stand (plain JSON for the appeal)."""
    def shown(row):
        grade = (Grade(row.grade).label if row.grade else "") + ("（待定）" if row.grade_pending else "")
        change = Participant(rank_county=row.rank_county, previous_rank=row.previous_rank).change_label
        composite = None if row.composite is None else f"{Decimal(row.composite):f}"
        return [composite, row.rank_county, row.rank_township, change, grade, row.flag, row.stars]

    def compared(row):
        return (_rounded(row.composite), *row[2:])

    keys = ("composite", "rank_county", "rank_township", "change", "grade", "flag", "stars")
    moved = []
    for pk, old in before.items():
        new = after[pk]
        if compared(old) != compared(new):
            moved.append({"participant": pk, "name": new.name,
                          **{key: [b, a] for key, b, a in zip(keys, shown(old), shown(new), strict=True)}})
    moved.sort(key=lambda row: (row["rank_county"][1] is None, row["rank_county"][1] or 0, row["name"]))
    return moved


def _refresh_following(period):
    """The periods that compare with this one (位次进退) take its new county ranks; later periods of its kind count
    their stars again (a flag may have moved)."""
    outcomes.refresh_later_stars(period)
    ranked_then = Participant.objects.filter(period=period, secretary=OuterRef("secretary")).values("rank_county")
    Participant.objects.filter(period__previous=period, rank_county__isnull=False).update(
        previous_rank=Subquery(ranked_then[:1]))


@transaction.atomic
def appeal_grades_decide(period, excellent, *, user, request=None):
    """Decide the 优秀待定 ties an accepted appeal's recomputation left in a published period (grades_decide is for
    locked periods, before publication)."""
    period = _lock_published(period.pk)
    if not period.participants.filter(grade_pending=True).exists():
        raise ValidationError("本周期没有待定的优秀等次。")
    return _decide_pending(period, excellent, user=user, request=request)
