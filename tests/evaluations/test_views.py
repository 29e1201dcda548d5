"""Periods, grids, meetings and rankings in the browser's terms: what each role can see and do."""

import io

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import AuditLog
from evaluations import services
from evaluations.models import Channel, Period, Score

from .conftest import five, open_period, participant

pytestmark = pytest.mark.django_db


def grid_data(period, values_by_person):
    data = {}
    for person, values in values_by_person.items():
        for position, value in enumerate(values, start=1):
            data[f"s{person.pk}_{position}"] = "" if value is None else str(value)
    return data


def grid_url(period, channel, township=None):
    url = reverse("evaluations:score_grid", args=[period.pk, channel])
    return f"{url}?township={township.pk}" if township else url


def test_admin_creates_and_opens_a_period(world, scheme, login):
    client = login(world.users.admin)
    response = client.post(reverse("evaluations:period_create"),
                           {"scheme": scheme.pk, "kind": "quarter", "year": 2024, "number": 2})
    period = Period.objects.get()
    assert response.url == period.get_absolute_url()
    assert (period.start_date.isoformat(), period.end_date.isoformat()) == ("2024-04-01", "2024-06-30")
    response = client.post(reverse("evaluations:period_action", args=[period.pk, "open"]), follow=True)
    assert "已开启评分" in response.content.decode()
    period.refresh_from_db()
    assert period.status == Period.Status.SCORING
    assert set(period.participants.values_list("secretary__name", flat=True)) == {"张伟", "李娜"}
    page = client.get(period.get_absolute_url()).content.decode()
    assert "胡集镇" in page and "鸡黍镇" in page and "锁定并计算" in page


def test_period_form_errors_are_shown(world, scheme, login):
    response = login(world.users.admin).post(reverse("evaluations:period_create"),
                                             {"scheme": scheme.pk, "kind": "half", "year": 2024, "number": 3})
    assert "半年考评的期次只有上半年、下半年，请重新选择。" in response.content.decode()
    assert not Period.objects.exists()


def test_only_county_admins_create_periods(world, login):
    assert login(world.users.town_a).get(reverse("evaluations:period_create")).status_code == 403


def test_org_grid_saves_a_whole_township(world, period, login):
    client = login(world.users.admin)
    zhang = participant(period, world.sec_a)
    response = client.post(grid_url(period, "org", world.town_a), grid_data(period, {zhang: [90, 85, 80, 88, 92]}))
    assert response.status_code == 302
    assert sorted(Score.objects.filter(participant=zhang, channel="org").values_list("value", flat=True)) == \
        [80, 85, 88, 90, 92]
    page = client.get(grid_url(period, "org", world.town_a)).content.decode()
    assert 'value="92.00"' in page
    assert AuditLog.objects.filter(object_id=str(zhang.pk), changes__channel="组织考评").exists()


def test_grid_errors_name_the_cell_and_save_nothing(world, period, login):
    client = login(world.users.admin)
    zhang = participant(period, world.sec_a)
    response = client.post(grid_url(period, "org", world.town_a), grid_data(period, {zhang: [101, "abc", 80, 88, 92]}))
    page = response.content.decode()
    assert response.status_code == 200
    assert "不能大于 100" in page and "请填写数字" in page
    response = client.post(grid_url(period, "org", world.town_a), grid_data(period, {zhang: [90, None, 80, 88, 92]}))
    assert "请填写全部 5 项分数，或全部留空" in response.content.decode()
    assert not Score.objects.exists()


def test_emptying_a_row_clears_that_persons_scores(world, period, login):
    client = login(world.users.admin)
    zhang = participant(period, world.sec_a)
    services.save_grid(period, Channel.ORG, {zhang: five(80)}, user=world.users.admin)
    client.post(grid_url(period, "org", world.town_a), grid_data(period, {zhang: [None] * 5}))
    assert not Score.objects.exists()


def test_township_official_scores_only_their_own_township(world, period, login):
    client = login(world.users.town_a)
    zhang, li = participant(period, world.sec_a), participant(period, world.sec_b)
    page = client.get(grid_url(period, "township")).content.decode()
    assert "张伟" in page and "李娜" not in page
    # Another township's grid → 404; another township's person smuggled into the post is ignored.
    assert client.get(grid_url(period, "township", world.town_b)).status_code == 404
    client.post(grid_url(period, "township"), {**grid_data(period, {zhang: five(85), li: five(10)})})
    assert set(Score.objects.values_list("participant", "channel").distinct()) == {(zhang.pk, "township")}
    # 组织考评 is not theirs.
    assert client.get(grid_url(period, "org", world.town_a)).status_code == 403
    assert client.post(grid_url(period, "org", world.town_a), grid_data(period, {zhang: five(99)})).status_code == 403


def test_other_county_period_is_not_found(world, period, login):
    client = login(world.users.admin_ls)
    for url in (period.get_absolute_url(), grid_url(period, "org"), reverse("evaluations:ranking", args=[period.pk]),
                reverse("evaluations:meeting_create", args=[period.pk])):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("evaluations:period_action", args=[period.pk, "lock"])).status_code == 404


def test_locked_period_grid_is_read_only(world, period, login):
    client = login(world.users.admin)
    zhang = participant(period, world.sec_a)
    services.lock_accepting_every_gap(period, user=world.users.admin)
    response = client.post(grid_url(period, "org", world.town_a), grid_data(period, {zhang: five(90)}), follow=True)
    assert "已锁定" in response.content.decode()
    assert not Score.objects.exists()


def test_peer_meeting_scoring(world, scheme, extra_secretaries, login):
    period = open_period(world, scheme)
    client = login(world.users.admin)
    response = client.post(reverse("evaluations:meeting_create", args=[period.pk]),
                           {"name": "胡集镇观摩互评会", "date": "2024-03-20", "township": world.town_a.pk})
    meeting = period.meetings.get()
    assert response.url == meeting.get_absolute_url()
    assert meeting.participants.count() == 6
    zhang = participant(period, world.sec_a)
    others = list(meeting.participants.exclude(pk=zhang.pk))
    # 张伟 logs in and scores the other five; he is not offered himself.
    secretary = login(world.users.secretary)
    url = reverse("evaluations:peer_grid", args=[meeting.pk, zhang.pk])
    page = secretary.get(url).content.decode()
    assert f"s{zhang.pk}_1" not in page and f"s{others[0].pk}_1" in page
    secretary.post(url, grid_data(period, {o: five(88) for o in others} | {zhang: five(100)}))
    assert Score.objects.filter(channel="peer", rater=zhang).count() == 25
    assert not Score.objects.filter(participant=zhang).exists()
    # He cannot score in someone else's name.
    assert secretary.get(reverse("evaluations:peer_grid", args=[meeting.pk, others[0].pk])).status_code == 403
    detail = client.get(meeting.get_absolute_url()).content.decode()
    assert "5 / 5" in detail


def test_meeting_needs_two_people(world, period, login):
    response = login(world.users.admin).post(reverse("evaluations:meeting_create", args=[period.pk]),
                                             {"name": "会", "date": "2024-03-20",
                                              "participants": [participant(period, world.sec_a).pk]})
    assert "至少 2 名" in response.content.decode()


def test_results_are_hidden_until_published(world, period, login):
    zhang, li = participant(period, world.sec_a), participant(period, world.sec_b)
    services.save_grid(period, Channel.ORG, {zhang: five(90), li: five(80)}, user=world.users.admin)
    services.lock_accepting_every_gap(period, user=world.users.admin)
    ranking = reverse("evaluations:ranking", args=[period.pk])
    assert login(world.users.admin).get(ranking).status_code == 200
    for user in (world.users.town_a, world.users.secretary, world.users.leader):
        assert login(user).get(ranking).status_code == 403
        assert login(user).get(zhang.get_absolute_url()).status_code in (403, 404)

    services.honours_confirm(period, user=world.users.admin)
    services.period_publish(period, user=world.users.admin)
    page = login(world.users.town_a).get(ranking).content.decode()
    assert "张伟" in page and "李娜" not in page
    mine = login(world.users.secretary).get(ranking).content.decode()
    assert "张伟" in mine and "李娜" not in mine
    assert login(world.users.secretary).get(li.get_absolute_url()).status_code == 404
    detail = login(world.users.secretary).get(zhang.get_absolute_url()).content.decode()
    assert "90.00" in detail and "<svg" in detail


def test_ranking_page_shows_ranks_changes_and_distribution(world, scheme, extra_secretaries, login):
    q1 = open_period(world, scheme, number=1)
    services.save_grid(q1, Channel.ORG, {participant(q1, world.sec_a): five(70),
                                         participant(q1, world.sec_b): five(90)}, user=None)
    services.lock_accepting_every_gap(q1, user=world.users.admin)
    q2 = open_period(world, scheme, number=2)
    services.save_grid(q2, Channel.ORG, {participant(q2, world.sec_a): five(95),
                                         participant(q2, world.sec_b): five(90)}, user=None)
    client = login(world.users.admin)
    response = client.post(reverse("evaluations:period_action", args=[q2.pk, "compute"]), follow=True)
    page = response.content.decode()
    assert "未发布，仅县委组织部可见" in page
    assert "↑1" in page and "↓1" in page
    assert page.index("张伟") < page.index("李娜")
    assert "95.00" in page
    filtered = client.get(reverse("evaluations:ranking", args=[q2.pk]), {"township": world.town_b.pk})
    assert "李娜" in filtered.content.decode() and "张伟" not in filtered.content.decode().split('id="ranking"')[1]


def test_ranking_export(world, period, login):
    zhang = participant(period, world.sec_a)
    services.save_grid(period, Channel.ORG, {zhang: [90, 85, 80, 88, 92]}, user=None)
    services.lock_accepting_every_gap(period, user=world.users.admin)
    response = login(world.users.admin).get(reverse("evaluations:ranking_export", args=[period.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert rows[0][:6] == ("县排名", "镇排名", "分盟", "盟内排名", "位次进退", "姓名")
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["县排名"], row["姓名"], row["综合得分"], row["位次进退"]) == (1, "张伟", 87.0, "新")


def test_reopen_from_the_page_needs_a_reason(world, period, login):
    services.lock_accepting_every_gap(period, user=world.users.admin)
    client = login(world.users.admin)
    url = reverse("evaluations:period_action", args=[period.pk, "reopen"])
    page = client.post(url, {"reason": ""}, follow=True).content.decode()
    assert "请填写重新开启的理由" in page
    period.refresh_from_db()
    assert period.status == Period.Status.LOCKED
    client.post(url, {"reason": "补录镇街点评"})
    period.refresh_from_db()
    assert period.status == Period.Status.SCORING


def test_township_official_cannot_run_the_period(world, period, login):
    client = login(world.users.town_a)
    assert client.post(reverse("evaluations:period_action", args=[period.pk, "lock"])).status_code == 403
    assert client.get(reverse("evaluations:meeting_create", args=[period.pk])).status_code == 403


def _scored_period(world, scheme, number):
    period = open_period(world, scheme, number=number)
    people = list(period.participants.all())
    services.save_grid(period, Channel.ORG, {p: five(80 + i % 20) for i, p in enumerate(people)}, user=None)
    meeting = services.meeting_create(period, user=None, name="互评", date=period.start_date, township=world.town_a)
    members = list(meeting.participants.all())
    for rater in members[:3]:
        services.save_grid(period, Channel.PEER, {m: five(85) for m in members if m != rater}, user=None,
                           rater=rater, meeting=meeting)
    services.lock_accepting_every_gap(period, user=world.users.admin)
    services.honours_confirm(period, user=world.users.admin)
    services.period_publish(period, user=world.users.admin)
    return period, people, meeting


def _page_urls(world, period, people, meeting):
    return [reverse("evaluations:period_list"), period.get_absolute_url(), grid_url(period, "org", world.town_a),
            grid_url(period, "township", world.town_a), reverse("evaluations:ranking", args=[period.pk]),
            reverse("evaluations:ranking_export", args=[period.pk]), people[0].get_absolute_url(),
            meeting.get_absolute_url(), reverse("evaluations:peer_grid", args=[meeting.pk, people[0].pk]),
            reverse("evaluations:period_roster", args=[period.pk])]


def _counts(client, urls):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
        assert response.status_code == 200, url
        counts.append(len(queries))
    return counts


@pytest.mark.parametrize("role", ["admin", "town_a"])
def test_query_counts_do_not_grow_with_rows(world, scheme, extra_secretaries, login, role):
    from .. import factories as f

    client = login(getattr(world.users, role))
    small = _scored_period(world, scheme, 1)
    urls = _page_urls(world, *small)
    if role == "town_a":
        urls = [u for u in urls if "/grid/org/" not in u and "/rate/" not in u]  # not theirs (403, tested above)
    _counts(client, urls)  # warm per-process caches
    before = _counts(client, urls)
    for _ in range(12):
        person = f.secretary(world.county, world.unit)
        f.assign(person, f.village(world.town_a), world.batch)
    big = _scored_period(world, scheme, 2)
    assert big[0].participants.count() == small[0].participants.count() + 12
    big_urls = _page_urls(world, *big)
    if role == "town_a":
        big_urls = [u for u in big_urls if "/grid/org/" not in u and "/rate/" not in u]
    after = _counts(client, big_urls)
    assert after == before, list(zip(urls, before, after, strict=True))
    assert max(after) <= 26


def test_a_secretary_sees_only_the_meetings_they_attend(world, scheme, extra_secretaries, login):
    period = open_period(world, scheme)
    mine = [participant(period, world.sec_a), participant(period, extra_secretaries[0])]
    own = services.meeting_create(period, user=None, name="胡集镇互评", date=period.start_date, participants=mine)
    others = [participant(period, world.sec_b), participant(period, extra_secretaries[1])]
    other = services.meeting_create(period, user=None, name="另一场互评", date=period.start_date, participants=others)
    client = login(world.users.secretary)
    page = client.get(period.get_absolute_url()).content.decode()
    assert "胡集镇互评" in page and "另一场互评" not in page
    assert client.get(other.get_absolute_url()).status_code == 404
    assert client.get(own.get_absolute_url()).status_code == 200
    assert login(world.users.town_b).get(own.get_absolute_url()).status_code == 404


def test_roster_add_someone_who_left_during_the_period_and_remove_the_unscored(world, period, login):
    from secretaries.models import Assignment

    from .. import factories as f

    left = f.secretary(world.county, world.unit, "钱进")
    f.assign(left, world.village_a2, world.batch, start=period.start_date, end=period.start_date.replace(day=20),
             status=Assignment.Status.RECALLED)
    client = login(world.users.admin)
    url = reverse("evaluations:period_roster", args=[period.pk])
    page = client.get(url).content.decode()
    assert "钱进" in page and "召回" in page
    assignment = Assignment.objects.get(secretary=left)
    client.post(url, {"action": "add", "assignment": assignment.pk})
    person = period.participants.get(secretary=left)
    assert person.village == world.village_a2 and person.township == world.town_a
    # Adding twice is refused (404: no longer a candidate), nothing duplicated.
    assert client.post(url, {"action": "add", "assignment": assignment.pk}).status_code == 404
    zhang = participant(period, world.sec_a)
    services.save_grid(period, Channel.ORG, {zhang: five(80)}, user=None)
    page = client.post(url, {"action": "remove", "participant": zhang.pk, "reason": "误列"}, follow=True)
    assert "已有评分" in page.content.decode() and period.participants.filter(pk=zhang.pk).exists()
    client.post(url, {"action": "remove", "participant": person.pk, "reason": "已调离"})
    assert not period.participants.filter(pk=person.pk).exists()
    assert AuditLog.objects.filter(action="delete", changes__reason="已调离").exists()
    # A township official reads the roster of their own township only and cannot change it.
    town = login(world.users.town_a)
    assert "李娜" not in town.get(url).content.decode()
    assert town.post(url, {"action": "remove", "participant": zhang.pk, "reason": "x"}).status_code == 403
    assert login(world.users.admin_ls).get(url).status_code == 404
