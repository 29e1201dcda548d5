"""Scores coming in: the grids, survey codes and answers, peer meetings."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts import audit
from accounts.models import AuditLog

from ..models import (
    ANSWER_POINTS,
    SCORE_ROW_CHANNELS,
    Answer,
    Channel,
    Participant,
    PeerMeeting,
    Period,
    Score,
    SurveyCode,
    SurveyTally,
    normalize_code,
)
from .periods import (
    _lock_for_scoring,
)


def channel_refusal(period, channel, allowed=SCORE_ROW_CHANNELS):
    """Why the period takes no scores of this channel as rows (a grid; a score sheet, which also carries the
    survey counts: `allowed`), or None."""
    label = Channel(channel).label
    if channel not in allowed:
        return f"{label}的分数不通过评分表录入（积分按积分事项登记，比武评议由评委在活动中评分）。"
    if channel != Channel.PEER and channel not in period.channel_weights():
        return f"本周期的考评方案没有“{label}”渠道。"
    if channel == Channel.VILLAGE and period.village_input == "codes":
        return "本周期的村级评价由村两委和群众代表凭测评码评价，不能录入或导入分数。"
    return None


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
    refusal = channel_refusal(period, channel)
    if refusal:
        raise ValidationError(refusal)
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



def _plain(values):
    return {str(k): f"{v:f}" for k, v in values.items()} if values else None


# Survey ----------------------------------------------------------------------------------------------------

@transaction.atomic
def survey_codes_create(period, participants, *, per_person, valid_days, user, request=None,
                        channel=Channel.SURVEY):
    """`per_person` one-time codes for each participant, valid for `valid_days` days; the codes are not audited.
    `channel`: 党员群众测评, or 村级评价 when the scheme has the village representatives answer with codes."""
    period = _lock_for_scoring(period)
    if channel == Channel.VILLAGE and (channel not in period.channel_weights() or period.village_input != "codes"):
        raise ValidationError("本周期的考评方案没有凭测评码进行的村级评价。")
    if channel not in (Channel.SURVEY, Channel.VILLAGE):
        raise ValidationError("测评码只用于党员群众测评和村级评价。")
    participants = list(participants)
    if not participants:
        raise ValidationError("所选范围内没有参评的第一书记，未生成测评码。")
    if not 1 <= per_person <= 500:
        raise ValidationError({"per_person": "每人生成的测评码数量应在 1–500 之间。"})
    if not 1 <= valid_days <= 365:
        raise ValidationError({"valid_days": "有效天数应在 1–365 之间。"})
    expires = timezone.now() + datetime.timedelta(days=valid_days)
    codes = [SurveyCode(period=period, participant=p, expires_at=expires, channel=channel)
             for p in participants for _ in range(per_person)]
    SurveyCode.objects.bulk_create(codes, batch_size=2000)
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=period,
                 changes={"survey_codes": f"为 {len(participants)} 人各生成{Channel(channel).label}测评码 "
                                          f"{per_person} 个"})
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
            source=SurveyTally.Source.ONLINE, channel=code.channel,
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
