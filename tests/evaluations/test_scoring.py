"""The computation, with the README's worked example."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from evaluations import scoring, services
from evaluations.models import Channel, Contest, ContestJudge, ContestScore, Participant, Period, Score, SurveyTally

from .conftest import D, five, open_period, participant

pytestmark = pytest.mark.django_db


def peer(period, person, raters, values):
    for rater, value in zip(raters, values, strict=True):
        services.save_grid(period, Channel.PEER, {person: five(value)}, user=None, rater=rater)


def tally(period, person, satisfied, basic, unsatisfied):
    SurveyTally.objects.bulk_create(
        SurveyTally(period=period, participant=person, dimension=d, source=SurveyTally.Source.IMPORT,
                    satisfied=satisfied, basic=basic, unsatisfied=unsatisfied) for d in range(1, 6)
    )


def shown(value):
    """What the page shows: two decimals, rounded half up."""
    from evaluations.templatetags.scores import score

    return score(value)


def test_readme_worked_example(world, scheme, extra_secretaries):
    period = open_period(world, scheme)
    zhang, li = participant(period, world.sec_a), participant(period, world.sec_b)
    raters = [participant(period, s) for s in extra_secretaries]
    admin = world.users.admin
    services.save_grid(period, Channel.ORG, {zhang: D(90, 85, 80, 88, 92), li: five(80)}, user=admin)
    services.save_grid(period, Channel.TOWNSHIP, {zhang: D(86, 84, 82, 90, 88), li: five(75)}, user=admin)
    peer(period, zhang, raters, [95, 90, 88, 85, 70])  # five raters: drop 95 and 70 → 87.666…
    peer(period, li, raters[:2], [70, 70])
    tally(period, zhang, 16, 3, 1)  # (1600 + 180) / 20 = 89
    scoring.compute(period)
    zhang.refresh_from_db()
    li.refresh_from_db()

    assert shown(zhang.score_org) == "87.00"
    assert shown(zhang.score_township) == "86.00"
    assert shown(zhang.score_peer) == "87.67"
    assert shown(zhang.score_survey) == "89.00"
    # 0.40 × 87 + 0.30 × 86 + 0.15 × 87.666… + 0.15 × 89 = 87.10
    assert shown(zhang.composite) == "87.10"
    assert not zhang.channels_missing
    # 李娜 has no survey: its 15% is shared out pro rata — (0.40 × 80 + 0.30 × 75 + 0.15 × 70) / 0.85 = 76.47
    assert shown(li.composite) == "76.47"
    assert li.channels_missing
    assert (zhang.rank_county, li.rank_county) == (1, 2)
    assert zhang.rank_township == 1 and li.rank_township == 1  # different townships


def test_peer_mean_is_plain_with_four_raters(world, scheme, extra_secretaries):
    period = open_period(world, scheme)
    zhang = participant(period, world.sec_a)
    raters = [participant(period, s) for s in extra_secretaries[:4]]
    peer(period, zhang, raters, [95, 90, 88, 70])
    scoring.compute(period)
    zhang.refresh_from_db()
    assert shown(zhang.score_peer) == "85.75"  # (95 + 90 + 88 + 70) / 4, nothing dropped
    assert shown(zhang.composite) == "85.75"  # the only channel: it carries all the weight


def test_trimming_threshold_comes_from_the_period_rules(world, scheme, extra_secretaries):
    scheme.trim_min_raters = 4
    scheme.save()
    period = open_period(world, scheme)
    zhang = participant(period, world.sec_a)
    peer(period, zhang, [participant(period, s) for s in extra_secretaries[:4]], [95, 90, 88, 70])
    scoring.compute(period)
    zhang.refresh_from_db()
    assert shown(zhang.score_peer) == "89.00"  # (90 + 88) / 2


def test_dimension_weights_apply_within_a_channel(world):
    scheme = services.scheme_create_default(world.county, name="侧重发展")
    weights = [10, 40, 20, 20, 10]
    for dimension, weight in zip(scheme.dimensions.all(), weights, strict=True):
        dimension.weight = weight
        dimension.save()
    period = open_period(world, scheme)
    zhang = participant(period, world.sec_a)
    services.save_grid(period, Channel.ORG, {zhang: D(100, 50, 80, 80, 100)}, user=None)
    scoring.compute(period)
    zhang.refresh_from_db()
    # 0.1 × 100 + 0.4 × 50 + 0.2 × 80 + 0.2 × 80 + 0.1 × 100 = 72
    assert shown(zhang.score_org) == "72.00"
    assert [shown(d) for d in zhang.dimension_scores().values()] == ["100.00", "50.00", "80.00", "80.00", "100.00"]


def test_ties_share_a_rank_and_the_next_rank_is_skipped(world, scheme, extra_secretaries):
    period = open_period(world, scheme)
    people = {p.secretary.name: p for p in period.participants.select_related("secretary")}
    grid = {people["张伟"]: five(90), people["刘洋"]: five(85), people["陈静"]: five(85), people["杨帆"]: five(80)}
    services.save_grid(period, Channel.ORG, grid, user=None)
    scoring.compute(period)
    ranks = dict(period.participants.values_list("secretary__name", "rank_county"))
    assert [ranks[n] for n in ("张伟", "刘洋", "陈静", "杨帆")] == [1, 2, 2, 4]
    assert ranks["李娜"] is None  # nobody scored her: no composite, no rank
    township_ranks = dict(period.participants.values_list("secretary__name", "rank_township"))
    assert township_ranks["杨帆"] == 4


def test_position_change_against_the_previous_period_of_the_same_kind(world, scheme, extra_secretaries):
    q1 = open_period(world, scheme, number=1)
    people = {p.secretary_id: p for p in q1.participants.all()}
    a, b = people[world.sec_a.pk], people[world.sec_b.pk]
    services.save_grid(q1, Channel.ORG, {a: five(70), b: five(90)}, user=None)
    services.lock_accepting_every_gap(q1, user=world.users.admin)
    year = open_period(world, scheme, kind=Period.Kind.YEAR, number=1)  # another kind: not compared
    services.save_grid(year, Channel.ORG, {participant(year, world.sec_a): five(99)}, user=None)
    services.lock_accepting_every_gap(year, user=world.users.admin)

    q2 = open_period(world, scheme, number=2)
    new = participant(q2, extra_secretaries[0])
    services.save_grid(q2, Channel.ORG, {participant(q2, world.sec_a): five(95),
                                         participant(q2, world.sec_b): five(90), new: five(60)}, user=None)
    scoring.compute(q2)
    labels = {p.secretary_id: p.change_label for p in q2.participants.all()}
    assert labels[world.sec_a.pk] == "↑1"
    assert labels[world.sec_b.pk] == "↓1"
    assert labels[extra_secretaries[0].pk] == "新"
    q2.refresh_from_db()
    assert q2.previous == q1


def test_scores_never_given_to_oneself(world, scheme, extra_secretaries):
    period = open_period(world, scheme)
    zhang = participant(period, world.sec_a)
    with pytest.raises(ValidationError, match="不能给自己评分"):
        services.save_grid(period, Channel.PEER, {zhang: five(90)}, user=None, rater=zhang)
    assert not period.scores.exists()


def test_a_locked_period_refuses_scores(world, period):
    zhang = participant(period, world.sec_a)
    services.lock_accepting_every_gap(period, user=world.users.admin)
    with pytest.raises(ValidationError, match="已锁定"):
        services.save_grid(period, Channel.ORG, {zhang: five(90)}, user=world.users.admin)
    assert not period.scores.exists()


def test_changing_the_scheme_leaves_a_closed_period_as_it_was(world, scheme, period):
    zhang, li = participant(period, world.sec_a), participant(period, world.sec_b)
    services.save_grid(period, Channel.ORG, {zhang: five(80)}, user=None)
    services.save_grid(period, Channel.TOWNSHIP, {zhang: five(60)}, user=None)
    services.lock_accepting_every_gap(period, user=world.users.admin)
    zhang.refresh_from_db()
    before = zhang.composite
    assert shown(before) == "71.43"  # (0.4 × 80 + 0.3 × 60) / 0.7

    scheme.channels.filter(channel="org").update(weight=Decimal(10))
    scheme.channels.filter(channel="township").update(weight=Decimal(60))
    services.period_reopen(period, user=world.users.admin, reason="补录镇街点评")
    services.lock_accepting_every_gap(period, user=world.users.admin)
    zhang.refresh_from_db()
    assert zhang.composite == before
    assert period.rules["channels"]["org"] == "40.00"
    assert li.composite is None


def test_opening_refuses_weights_that_do_not_add_up(world, scheme):
    first = scheme.dimensions.first()
    first.weight = Decimal(30)
    first.save()
    draft = services.period_create(user=world.users.admin, region=world.county, scheme=scheme,
                                   kind=Period.Kind.YEAR, year=2024)
    with pytest.raises(ValidationError, match="权重之和应为 100%，现在是 110%"):
        services.period_open(draft, user=world.users.admin)
    draft.refresh_from_db()
    assert draft.status == Period.Status.DRAFT and not draft.participants.exists()


def test_channel_weights_must_add_up(world, scheme):
    with pytest.raises(ValidationError, match="评价渠道的权重之和应为 100%，现在是 105%"):
        services.scheme_create_default(world.county, name="加权有误", channels=[("org", 45), ("township", 30),
                                                                             ("peer", 15), ("survey", 15)])


def test_reopening_needs_a_reason_and_is_audited(world, period):
    from accounts.models import AuditLog

    services.lock_accepting_every_gap(period, user=world.users.admin)
    with pytest.raises(ValidationError):
        services.period_reopen(period, user=world.users.admin, reason=" ")
    services.period_reopen(period, user=world.users.admin, reason="镇街点评漏录两人")
    log = AuditLog.objects.filter(object_id=str(period.pk)).latest("pk")
    assert log.changes["reason"] == "镇街点评漏录两人"
    assert log.changes["status"] == ["已锁定", "评分中"]


def test_ranks_within_a_sub_alliance(world, scheme, extra_secretaries):
    from alliances.models import Alliance, Member

    branch = Alliance.objects.create(kind=Alliance.Kind.SUB, name="胡集分盟", convener=world.sec_a, region=world.county)
    for person in extra_secretaries[:2]:  # 刘洋, 陈静
        Member.objects.create(alliance=branch, kind=Member.Kind.SECRETARY, secretary=person)
    period = open_period(world, scheme)
    names = ["张伟", "刘洋", "陈静", "杨帆", "李娜"]
    crowd = {p.secretary.name: p for p in period.participants.select_related("secretary")}
    services.save_grid(period, Channel.ORG, {crowd[n]: five(v) for n, v in zip(names, [80, 90, 70, 95, 99],
                                                                                    strict=True)}, user=None)
    scoring.compute(period)
    ranks = {p.secretary.name: (p.rank_county, p.alliance_id, p.rank_alliance) for p in period.participants.all()}
    assert ranks["刘洋"] == (3, branch.pk, 1)
    assert ranks["张伟"] == (4, branch.pk, 2) and ranks["陈静"] == (5, branch.pk, 3)
    assert ranks["杨帆"][1:] == (None, None) and ranks["李娜"][1:] == (None, None)


def test_an_excused_person_leaves_no_result_in_any_channel_and_does_not_change_the_others(world):
    """免评 with scores in every kind of channel (a grid, a contest, the points base): none of them gives the
    excused person a result, and the others' results are as if the person had not been scored at all."""
    scheme = services.scheme_create_default(world.county, name="免评方案",
                                            channels=[("org", 50), ("points", 25), ("contest", 25)])
    period = open_period(world, scheme)
    admin = world.users.admin
    zhang, li = participant(period, world.sec_a), participant(period, world.sec_b)
    services.save_grid(period, "org", {zhang: five(80), li: five(95)}, user=admin)
    contest = Contest.objects.create(period=period, kind=Contest.Kind.ARENA, name="擂台比武", date=period.end_date)
    contest.speakers.set([zhang, li])
    judge = ContestJudge.objects.create(contest=contest, name="王评委")
    ContestScore.objects.bulk_create([ContestScore(contest=contest, judge=judge, speaker=person, dimension=d,
                                                   value=value)
                                      for person, value in ((zhang, 70), (li, 99)) for d in range(1, 6)])
    Participant.objects.filter(pk=li.pk).update(excused=True)
    services.period_compute(period)
    zhang.refresh_from_db()
    li.refresh_from_db()
    assert (li.composite, li.score_org, li.score_points, li.score_contest, li.rank_county, li.flag) == (
        None, None, None, None, None, False)
    assert li.dimension_scores() == {}
    # 张伟 alone: 0.5 × 80 + 0.25 × 80 (points base) + 0.25 × 70 = 77.5, first of one.
    assert (shown(zhang.composite), zhang.rank_county, zhang.rank_township) == ("77.50", 1, 1)
    assert [shown(v) for v in zhang.dimension_scores().values()] == ["77.50"] * 5


def test_score_rows_of_a_computed_channel_are_ignored(world):
    """A 比武评议 or 积分 value stored as a score row (a score sheet once let them in) never mixes with the channel
    computed from the judges' scores and the points events."""
    scheme = services.scheme_create_default(world.county, name="比武方案", channels=[("org", 50), ("contest", 50)])
    period = open_period(world, scheme)
    admin = world.users.admin
    zhang = participant(period, world.sec_a)
    services.save_grid(period, "org", {zhang: five(80)}, user=admin)
    contest = Contest.objects.create(period=period, kind=Contest.Kind.ARENA, name="擂台比武", date=period.end_date)
    contest.speakers.set([zhang])
    judge = ContestJudge.objects.create(contest=contest, name="王评委")
    ContestScore.objects.bulk_create([ContestScore(contest=contest, judge=judge, speaker=zhang, dimension=d,
                                                   value=90) for d in range(1, 6)])
    Score.objects.bulk_create([Score(period=period, participant=zhang, channel=channel, dimension=d, value=60)
                               for channel in ("contest", "points") for d in range(1, 6)])
    services.period_compute(period)
    zhang.refresh_from_db()
    assert (shown(zhang.score_contest), shown(zhang.composite)) == ("90.00", "85.00")
    assert zhang.score_points is None
