"""Everything that changes a period or its scores goes through here: checked, in one transaction, audited."""

import datetime
from collections import namedtuple
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.utils import timezone

from accounts import audit
from accounts.mixins import save_or_field_error
from accounts.models import AuditLog
from notifications import events as notify_events
from secretaries.models import Assignment

from . import outcomes, scoring
from .models import (
    ANSWER_POINTS,
    DEFAULT_DIMENSIONS,
    Answer,
    Appeal,
    Channel,
    Dimension,
    Grade,
    Participant,
    PeerMeeting,
    Period,
    Scheme,
    Score,
    ScoreChange,
    SurveyCode,
    SurveyTally,
)

FROZEN = "该考评周期已锁定，不能再录入或修改分数。如确需修改，请由县委组织部填写理由后重新开启。"
NOT_SCORING = "该考评周期尚未开始评分（草稿状态），请先开启评分。"


def validate_rules(rules):
    """A period's rules must add up: dimension weights and channel weights each sum to 100%."""
    errors = []
    dimensions = rules.get("dimensions", [])
    if not dimensions:
        errors.append("考评方案至少需要一个考评维度。")
    total = sum((Decimal(d["weight"]) for d in dimensions), Decimal(0))
    if dimensions and total != 100:
        errors.append(f"考评维度的权重之和应为 100%，现在是 {total.normalize():f}%。")
    channels = sum((Decimal(w) for w in rules.get("channels", {}).values()), Decimal(0))
    if channels != 100:
        errors.append(f"四个评价渠道的权重之和应为 100%，现在是 {channels.normalize():f}%。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def scheme_create_default(region, name="五看四评三争考评方案", **fields):
    """A scheme with the 五看 at 20% each and the default channel weights (40 / 30 / 15 / 15)."""
    scheme = Scheme(region=region, name=name, **fields)
    scheme.full_clean()
    scheme.save()
    Dimension.objects.bulk_create(
        Dimension(scheme=scheme, position=i, name=n, criteria=c, weight=Decimal(100) / len(DEFAULT_DIMENSIONS))
        for i, (n, c) in enumerate(DEFAULT_DIMENSIONS, start=1)
    )
    return scheme


@transaction.atomic
def period_create(*, user, request=None, region, scheme, kind, year, number=1, start_date=None, end_date=None):
    """A draft period; its dates default to the calendar quarter, half-year or year."""
    default_start, default_end = Period.default_dates(kind, year, number) if 1 <= number <= 4 else (None, None)
    period = Period(region=region, scheme=scheme, kind=kind, year=year, number=number,
                    start_date=start_date or default_start, end_date=end_date or default_end)
    period.full_clean()
    save_or_field_error(period)  # the same period created at the same moment by someone else: a form error
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=period)
    return period


def _status_change(period, user, request, status, reason=None, **fields):
    before = period.status
    period.status = status
    Period.objects.filter(pk=period.pk).update(status=status, **fields)
    for name, value in fields.items():
        setattr(period, name, value)
    changes = {"status": [Period.Status(before).label, Period.Status(status).label]}
    if reason:
        changes["reason"] = reason
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
def period_lock(period, *, user, request=None):
    """评分中 → 已锁定: compute the results from the scores and freeze them."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status != Period.Status.SCORING:
        raise ValidationError("只有评分中的考评周期可以锁定。")
    scoring.compute(period)
    _status_change(period, user, request, Period.Status.LOCKED, locked_at=timezone.now())
    return period


@transaction.atomic
def period_compute(period):
    """试算: compute the results of a period still being scored (only county staff see them until publication)."""
    period = _lock_for_scoring(period)
    scoring.compute(period)
    return period


@transaction.atomic
def period_reopen(period, *, user, reason, request=None):
    """已锁定 → 评分中, with a written reason that goes into the audit log."""
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"reason": "请填写重新开启的理由（至少 4 个字）。"})
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status != Period.Status.LOCKED:
        raise ValidationError("只有已锁定、尚未发布的考评周期可以重新开启。")
    _status_change(period, user, request, Period.Status.SCORING, locked_at=None, reason=reason)
    return period


@transaction.atomic
def period_publish(period, *, user, request=None):
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status != Period.Status.LOCKED:
        raise ValidationError("请先锁定考评周期，核对计算结果后再发布。")
    if period.honours.filter(confirmed_at__isnull=True).exists():
        raise ValidationError("三争荣誉和季度之星的提名尚未确认，请先确认（或调整）后再发布。")
    if period.participants.filter(grade_pending=True).exists():
        raise ValidationError("有并列者的“优秀”等次待定，请先决定后再发布。")
    _status_change(period, user, request, Period.Status.PUBLISHED, published_at=timezone.now())
    notify_events.period_published(period)
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


@transaction.atomic
def save_grid(period, channel, rows, *, user, request=None, meeting=None, rater=None):
    """Write one grid of scores: rows = {participant: [value per dimension] or None (clear the row)}.

    组织考评 and 镇街点评 have no rater; 观摩互评 has the rater (a participant, never the person scored).
    Returns the number of people whose scores changed.
    """
    _lock_for_scoring(period)
    if channel == Channel.PEER and rater is None:
        raise ValidationError("观摩互评需要指定评分人。")
    if channel == Channel.SURVEY:
        raise ValidationError("党员群众测评通过测评码或汇总表导入，不能直接录入分数。")
    existing = {}
    for score in Score.objects.filter(period=period, channel=channel, rater=rater,
                                      participant__in=[p.pk for p in rows]):
        existing.setdefault(score.participant_id, {})[score.dimension] = score
    changed, creates, updates, deletes = [], [], [], []
    for participant, values in rows.items():
        if rater is not None and participant.pk == rater.pk:
            raise ValidationError("不能给自己评分。")
        mine = existing.get(participant.pk, {})
        before = {d: s.value for d, s in mine.items()}
        if values is None:
            if mine:
                deletes.extend(s.pk for s in mine.values())
                changed.append((participant, before, None))
            continue
        after = dict(enumerate(values, start=1))
        if before == after:
            continue
        for position, value in after.items():
            score = mine.get(position)
            if score is None:
                creates.append(Score(period=period, participant=participant, channel=channel, rater=rater,
                                     meeting=meeting, dimension=position, value=value, entered_by=user))
            elif score.value != value:
                score.value, score.entered_by = value, user
                updates.append(score)
        changed.append((participant, before, after))
    try:
        Score.objects.filter(pk__in=deletes).delete()
        Score.objects.bulk_create(creates, batch_size=2000)
        Score.objects.bulk_update(updates, ["value", "entered_by"], batch_size=2000)
    except IntegrityError:
        raise ValidationError("保存时数据库拒绝了这些分数（可能刚被他人修改），未保存任何分数，"
                              "请刷新后重试。") from None
    label = Channel(channel).label + (f"（评分人：{rater.secretary.name}）" if rater is not None else "")
    for participant, before, after in changed:
        audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=participant,
                     changes={"channel": label, "scores": [_plain(before), _plain(after)]})
    return len(changed)


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


def _plain(values):
    return {str(k): f"{v:f}" for k, v in values.items()} if values else None


# Survey ----------------------------------------------------------------------------------------------------

@transaction.atomic
def survey_codes_create(period, participants, *, per_person, valid_days, user, request=None):
    """`per_person` one-time codes for each participant, valid for `valid_days` days; the codes are not audited."""
    _lock_for_scoring(period)
    participants = list(participants)
    if not participants:
        raise ValidationError("所选范围内没有参评的第一书记，未生成测评码。")
    if not 1 <= per_person <= 500:
        raise ValidationError({"per_person": "每人生成的测评码数量应在 1–500 之间。"})
    if not 1 <= valid_days <= 365:
        raise ValidationError({"valid_days": "有效天数应在 1–365 之间。"})
    expires = timezone.now() + datetime.timedelta(days=valid_days)
    codes = [SurveyCode(period=period, participant=p, expires_at=expires)
             for p in participants for _ in range(per_person)]
    SurveyCode.objects.bulk_create(codes, batch_size=2000)
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=period,
                 changes={"survey_codes": f"为 {len(participants)} 人各生成测评码 {per_person} 个"})
    return codes


class CodeRefused(Exception):
    """A survey code that cannot be used; the message is shown to the villager as it is."""


class UnknownCode(CodeRefused):
    """No such code: what guessing produces, so the survey page counts these against the client."""


CODE_USED = "该测评码已经使用过，每个测评码只能测评一次。感谢您的参与！"
SURVEY_CLOSED = "本次测评已经结束，感谢您的关注。"


def _refuse_closed(period):
    if period.is_frozen:
        raise CodeRefused(SURVEY_CLOSED)
    if not period.is_scoring:
        raise CodeRefused("本次测评尚未开始，请稍后再试。")


def survey_code_check(text):
    """The unused, valid code for `text`, or CodeRefused with the reason."""
    from .models import normalize_code

    code = normalize_code(text)
    found = SurveyCode.objects.select_related(
        "period__region", "participant__secretary", "participant__village__region", "participant__township",
    )
    found = found.filter(code=code).first() if code else None
    if found is None:
        raise UnknownCode("测评码不正确，请核对纸条上的测评码后重新输入。")
    if found.used_at is not None:
        raise CodeRefused(CODE_USED)
    _refuse_closed(found.period)
    if found.expires_at < timezone.now():
        raise CodeRefused("该测评码已过期，请向组织测评的工作人员咨询。")
    return found


@transaction.atomic
def survey_answer(text, answers):
    """Take one villager's answers (one Answer per dimension) and count them; the code is then spent."""
    code = survey_code_check(text)
    code = SurveyCode.objects.select_for_update().get(pk=code.pk)
    if code.used_at is not None:  # the same code submitted twice at once: the second waits, then sees it spent
        raise CodeRefused(CODE_USED)
    # A period lock running now has to finish first; if it did, the survey is closed and nothing is counted.
    period = Period.objects.select_for_update().get(pk=code.period_id)
    _refuse_closed(period)
    if len(answers) != len(period.dimensions) or any(a not in ANSWER_POINTS for a in answers):
        raise ValidationError("请对每一项都作出选择。")
    code.used_at, code.answers = timezone.now(), list(answers)
    code.save(update_fields=["used_at", "answers"])
    for position, answer in enumerate(answers, start=1):
        tally, _ = SurveyTally.objects.get_or_create(
            period_id=code.period_id, participant_id=code.participant_id, dimension=position,
            source=SurveyTally.Source.ONLINE,
        )
        field = {Answer.SATISFIED: "satisfied", Answer.BASIC: "basic", Answer.UNSATISFIED: "unsatisfied"}[answer]
        SurveyTally.objects.filter(pk=tally.pk).update(**{field: F(field) + 1})
    return code


# Peer meetings -----------------------------------------------------------------------------------------------

@transaction.atomic
def meeting_create(period, *, user, request=None, name, date, township=None, participants=None):
    """A peer meeting. Each participant attends one meeting per period, so a pair of secretaries rates each other
    once per period and every peer score belongs to exactly one meeting."""
    period = _lock_for_scoring(period)
    if participants is None:
        participants = list(period.participants.filter(township=township)) if township else []
    if len(participants) < 2:
        raise ValidationError("观摩互评至少需要 2 名参会的第一书记。")
    taken = (Participant.objects.filter(pk__in=[p.pk for p in participants], meetings__period=period)
             .values_list("secretary__name", "meetings__name")[:5])
    if taken:
        names = "、".join(f"{person}（{meeting}）" for person, meeting in taken)
        raise ValidationError(f"以下第一书记已参加本周期的观摩互评会，每人每期只参加一次：{names}。")
    if not period.start_date - datetime.timedelta(days=31) <= date <= period.end_date + datetime.timedelta(days=62):
        raise ValidationError({"date": "会议日期应在考评周期内（或结束后两个月内）。"})
    meeting = PeerMeeting.objects.create(period=period, name=name, date=date, township=township)
    meeting.participants.set(participants)
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=meeting,
                 changes={"name": name, "date": str(date), "participants": len(participants)})
    return meeting


# Appeals -----------------------------------------------------------------------------------------------------

APPEAL_REASON_MIN = 10
APPEAL_CHANNELS = (Channel.ORG, Channel.TOWNSHIP, Channel.PEER)
SURVEY_NOT_APPEALABLE = "党员群众测评由群众的测评结果计算，不能通过申诉修改。"
ONE_OPEN_APPEAL = "您对本期考评结果已有一件待处理的申诉，请等待处理结果。"

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
    and recompute the period under its row lock. The honours stay as confirmed; everyone whose composite, rank,
    flag, stars or grade moved is kept in `appeal.effects`."""
    note = (note or "").strip()
    if len(note) < 4:
        raise ValidationError({"note": "请填写修改分数的说明（至少 4 个字）。"})
    period = _lock_published(appeal.participant.period_id)
    appeal = _lock_pending(appeal)
    before = _results(period)
    written = _appeal_scores(period, appeal, changes, user=user)
    scoring.compute(period, nominate=False)
    kept = _keep_tie_decision(period, before)
    appeal.effects = _effects(before, _results(period))
    _refresh_following(period)
    _decided(appeal, Appeal.Status.ACCEPTED, user, note)
    names = period.dimensions
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=appeal, changes={
        "status": [Appeal.Status.PENDING.label, Appeal.Status.ACCEPTED.label], "note": note,
        "scores": [f"{_channel_label(c.channel, c.rater)} {names[c.dimension - 1]}："
                   f"{'—' if c.old_value is None else f'{c.old_value:f}'} → {c.new_value:f}" for c in written],
    })
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=period, changes={
        "recomputed": f"采纳{appeal.participant.secretary.name}的申诉后重新计算，{len(appeal.effects)} 人的结果有变化",
        **({"grades_kept": "、".join(kept)} if kept else {}),
    })
    return appeal


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
