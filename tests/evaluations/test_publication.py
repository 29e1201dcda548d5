"""Safe locking and publication: the completeness report, a decision for every gap, no accidental county ranking,
撤回发布 with a reason and the history of every publication."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditLog
from evaluations import completeness, services
from evaluations.models import Channel, GapDecision, Participant, Period, Publication, PublicationReader

from .conftest import five, participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_township_scored(world, extra_secretaries, period):
    """Only 胡集镇's 组织考评 is in: 张伟 and the five extra people; 李娜 (鸡黍镇) has nothing."""
    people = period.participants.filter(township=world.town_a)
    services.save_grid(period, Channel.ORG, {p: five(60 + i) for i, p in enumerate(people)},
                       user=world.users.admin)
    return period


def lock_url(period):
    return reverse("evaluations:period_lock", args=[period.pk])


def test_the_period_page_shows_per_township_who_lacks_which_channel(world, one_township_scored, login):
    page = login(world.users.admin).get(one_township_scored.get_absolute_url()).content.decode()
    assert "评分进度与完整性" in page and "缺镇街点评" in page and "无任何分数" in page
    report = completeness.summary(one_township_scored, Participant.objects.filter(period=one_township_scored))
    rows = {r.name: r for r in report["rows"]}
    assert rows["胡集镇"].missing[Channel.ORG] == 0 and rows["胡集镇"].missing[Channel.TOWNSHIP] == 6
    assert rows["胡集镇"].whole == 0 and rows["胡集镇"].without_meeting == 6
    assert rows["鸡黍镇"].missing[Channel.ORG] == 1 and rows["鸡黍镇"].whole == 1


def test_a_township_official_sees_only_their_township_in_the_report(world, one_township_scored, login):
    page = login(world.users.town_b).get(one_township_scored.get_absolute_url()).content.decode()
    table = page.split("评分进度与完整性")[1]
    assert "鸡黍镇" in table and "胡集镇" not in table


def test_pressing_lock_with_gaps_and_no_choices_locks_nothing(world, one_township_scored, login):
    client = login(world.users.admin)
    page = client.get(lock_url(one_township_scored)).content.decode()
    assert "缺项处理" in page and "李娜" in page and "补录分数（未补录前不能锁定）" in page
    response = client.post(lock_url(one_township_scored), {}, follow=True)
    assert "还有缺项未作选择" in response.content.decode()
    one_township_scored.refresh_from_db()
    assert one_township_scored.status == Period.Status.SCORING
    assert not GapDecision.objects.exists()
    assert not Publication.objects.exists()


def test_someone_without_any_score_cannot_be_accepted_only_scored_or_excused(world, one_township_scored):
    li = participant(one_township_scored, world.sec_b)
    decisions = [(li.pk, c, GapDecision.Choice.ACCEPT, "") for c in ("org", "township", "peer", "survey")]
    with pytest.raises(ValidationError, match="李娜"):
        services.period_lock(one_township_scored, user=world.users.admin, decisions=decisions)


def test_an_excuse_needs_a_reason(world, one_township_scored):
    li = participant(one_township_scored, world.sec_b)
    with pytest.raises(ValidationError, match="免评李娜须填写理由"):
        services.period_lock(one_township_scored, user=world.users.admin,
                             decisions=[(li.pk, "", GapDecision.Choice.EXCUSE, " ")])


def test_locking_with_a_choice_per_gap_ranks_only_the_scored(world, one_township_scored, login):
    period = one_township_scored
    li = participant(period, world.sec_b)
    client = login(world.users.admin)
    data = {f"township-{world.town_a.pk}": "accept", f"gap-{li.pk}": "excuse", f"reason-{li.pk}": "长期病假"}
    response = client.post(lock_url(period), data, follow=True)
    assert "已锁定并计算结果" in response.content.decode()
    period.refresh_from_db()
    li.refresh_from_db()
    assert period.status == Period.Status.LOCKED
    assert li.excused and li.composite is None and li.rank_county is None
    ranked = period.participants.filter(rank_county__isnull=False)
    assert ranked.count() == 6 and all(p.channels_missing for p in ranked)
    assert GapDecision.objects.get(participant=li).reason == "长期病假"
    assert GapDecision.objects.filter(choice="accept").count() == 6 * 3  # 镇街点评, 观摩互评, 党员群众测评
    log = AuditLog.objects.filter(object_id=str(period.pk), changes__has_key="gaps").get()
    assert log.changes["excused"] == ["李娜：长期病假"]
    ranking = client.get(reverse("evaluations:ranking", args=[period.pk])).content.decode()
    assert "免评" in ranking


def test_reopening_clears_the_decisions_to_be_taken_again(world, one_township_scored):
    li = participant(one_township_scored, world.sec_b)
    services.lock_accepting_every_gap(one_township_scored, user=world.users.admin)
    services.period_reopen(one_township_scored, user=world.users.admin, reason="补录鸡黍镇分数")
    li.refresh_from_db()
    assert not li.excused and not GapDecision.objects.exists()
    services.save_grid(one_township_scored, Channel.ORG, {li: five(88)}, user=world.users.admin)
    with pytest.raises(ValidationError, match="还有缺项未作选择"):
        services.period_lock(one_township_scored, user=world.users.admin)


def test_publishing_refuses_while_someone_not_excused_has_no_score(world, one_township_scored):
    period = services.lock_accepting_every_gap(one_township_scored, user=world.users.admin)
    Participant.objects.filter(period=period, excused=True).update(excused=False)  # as if the flag were lost
    services.honours_confirm(period, user=world.users.admin)
    with pytest.raises(ValidationError, match="李娜没有任何渠道的分数，不能发布"):
        services.period_publish(period, user=world.users.admin)


def _published(world, period):
    services.lock_accepting_every_gap(period, user=world.users.admin)
    services.honours_confirm(period, user=world.users.admin)
    return services.period_publish(period, user=world.users.admin)


def test_withdrawing_needs_a_reason_tells_the_readers_and_republishing_keeps_the_history(
        world, one_township_scored, login):
    period = _published(world, one_township_scored)
    first = Publication.objects.get(period=period)
    assert first.number == 1 and first.ranked == 6 and first.unranked == 1
    assert first.snapshot[0]["rank_county"] == 1 and first.snapshot[-1]["excused"] is True
    town = login(world.users.town_a)
    assert town.get(reverse("evaluations:ranking", args=[period.pk])).status_code == 200
    assert PublicationReader.objects.filter(publication=first, user=world.users.town_a).exists()

    admin = login(world.users.admin)
    response = admin.post(reverse("evaluations:period_withdraw", args=[period.pk]), {"reason": "短"}, follow=True)
    assert "请填写撤回发布的理由" in response.content.decode()
    response = admin.post(reverse("evaluations:period_withdraw", args=[period.pk]),
                          {"reason": "鸡黍镇分数漏录，更正后重新发布"}, follow=True)
    assert "已撤回发布" in response.content.decode()
    period.refresh_from_db()
    first.refresh_from_db()
    assert period.status == Period.Status.LOCKED and period.publication is None
    assert first.withdraw_reason == "鸡黍镇分数漏录，更正后重新发布" and first.withdrawn_by == world.users.admin
    told = AuditLog.objects.get(object_id=str(first.pk), changes__has_key="notify")
    assert told.changes["notify"] == ["胡集镇干部"]
    assert login(world.users.town_a).get(reverse("evaluations:ranking", args=[period.pk])).status_code == 403

    admin = login(world.users.admin)
    services.period_reopen(period, user=world.users.admin, reason="补录鸡黍镇分数")
    services.save_grid(period, Channel.ORG, {participant(period, world.sec_b): five(99)}, user=world.users.admin)
    _published(world, period)
    second = Publication.objects.get(period=period, number=2)
    assert second.ranked == 7 and second.snapshot[0]["name"] == "李娜"
    page = admin.get(period.get_absolute_url()).content.decode()
    assert "发布记录" in page and "第 1 次" in page and "第 2 次" in page and "鸡黍镇分数漏录" in page
    old = admin.get(first.get_absolute_url()).content.decode()
    assert "已于" in old and "撤回" in old and "免评" in old


def test_lock_and_history_pages_refuse_who_may_not_use_them(world, one_township_scored, client, login):
    period = one_township_scored
    assert client.get(lock_url(period)).status_code == 302  # anonymous → login
    assert login(world.users.town_a).get(lock_url(period)).status_code == 403
    assert login(world.users.admin_ls).get(lock_url(period)).status_code == 404
    admin = login(world.users.admin)
    assert admin.get(reverse("evaluations:period_withdraw", args=[period.pk])).status_code == 405
    assert admin.get(reverse("evaluations:publication_detail", args=[period.pk, 1])).status_code == 404
    page = admin.get(period.get_absolute_url()).content.decode()
    assert "onsubmit" not in page and "撤回发布" not in page


def test_the_lock_page_runs_a_fixed_number_of_queries(world, period, login, django_assert_max_num_queries):
    client = login(world.users.admin)
    client.get(lock_url(period))
    with django_assert_max_num_queries(22):
        small = client.get(lock_url(period))
    from tests import factories as f

    for _ in range(10):
        f.assign(f.secretary(world.county, world.unit), f.village(world.town_a), world.batch)
    for assignment in services.candidates(period):
        services.participant_add(period, assignment, user=world.users.admin)
    with django_assert_max_num_queries(22):
        big = client.get(lock_url(period))
    assert small.status_code == big.status_code == 200
