"""擂台比武, 述职评议, 规划汇报评比: created for a period being scored, judges' scores per speaker and dimension."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import audit
from accounts.models import AuditLog

from ..models import Contest, ContestJudge, ContestScore
from .periods import _lock_for_scoring

MAX_JUDGES = 30


@transaction.atomic
def contest_create(period, *, user, kind, name, date, speakers, judges, request=None):
    """A contest of the period with its speakers (participants) and judges (names, one per line)."""
    period = _lock_for_scoring(period)
    speakers = list(speakers)
    judges = list(dict.fromkeys(j.strip() for j in judges if j.strip()))
    if len(speakers) < 2:
        raise ValidationError({"speakers": "至少需要 2 名上台人员。"})
    if any(s.period_id != period.pk for s in speakers):
        raise ValidationError({"speakers": "上台人员须为本周期的参评人员。"})
    if not 1 <= len(judges) <= MAX_JUDGES:
        raise ValidationError({"judges": f"请填写 1–{MAX_JUDGES} 名评委，每行一名。"})
    if not period.start_date - datetime.timedelta(days=31) <= date <= period.end_date + datetime.timedelta(days=62):
        raise ValidationError({"date": "活动日期应在考评周期内（或结束后两个月内）。"})
    contest = Contest(period=period, kind=kind, name=(name or "").strip(), date=date, created_by=user)
    contest.full_clean()
    contest.save()
    contest.speakers.set(speakers)
    ContestJudge.objects.bulk_create(ContestJudge(contest=contest, name=j) for j in judges)
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=contest, changes={
        "kind": contest.get_kind_display(), "speakers": len(speakers), "judges": judges})
    return contest


@transaction.atomic
def contest_scores_save(contest, judge, rows, *, user, request=None):
    """One judge's scores: rows = {speaker: [value per dimension] or None (clear)}. Returns people changed."""
    _lock_for_scoring(contest.period)
    if judge.contest_id != contest.pk:
        raise ValidationError("评委不属于该活动。")
    existing = {}
    for score in ContestScore.objects.filter(judge=judge):
        existing.setdefault(score.speaker_id, {})[score.dimension] = score.value
    changed = 0
    for speaker, values in rows.items():
        before = existing.get(speaker.pk, {})
        after = dict(enumerate(values, start=1)) if values is not None else {}
        if before == after:
            continue
        changed += 1
        ContestScore.objects.filter(judge=judge, speaker=speaker).delete()
        ContestScore.objects.bulk_create(
            ContestScore(contest=contest, judge=judge, speaker=speaker, dimension=d, value=v)
            for d, v in after.items())
    if changed:
        audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=contest,
                     changes={"judge": judge.name, "people": changed})
    return changed


def contest_results(contest, weights):
    """[(speaker, total, rank, judges)] ranked by the dimension-weighted mean of the judges' scores."""
    sums = {}
    for speaker, dimension, value in ContestScore.objects.filter(contest=contest).values_list(
            "speaker", "dimension", "value"):
        cell = sums.setdefault(speaker, {}).setdefault(dimension, [0, 0])
        cell[0] += value
        cell[1] += 1
    totals = {}
    for speaker, cells in sums.items():
        weighted = [(weights[d - 1], total / n) for d, (total, n) in cells.items() if d <= len(weights)]
        weight = sum(w for w, _ in weighted)
        if weight:
            totals[speaker] = sum(w * v for w, v in weighted) / weight
    people = list(contest.speakers.select_related("secretary", "township", "village__region"))
    people.sort(key=lambda p: (p.pk not in totals, -(totals.get(p.pk) or 0), p.secretary.name))
    results, rank, last = [], 0, None
    for index, person in enumerate(people, start=1):
        total = totals.get(person.pk)
        if total is not None and total != last:
            rank, last = index, total
        results.append((person, total, rank if total is not None else None))
    return results
