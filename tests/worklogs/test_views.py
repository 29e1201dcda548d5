"""The 三本 pages in the browser's terms: who reads what, who writes, refusals, query counts, exports."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from worklogs.models import ServiceKind, ServiceRecord, Summary, WorkLog
from worklogs.periods import WEEK, Period

from .. import factories as f
from .conftest import log, service

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
LOGS = reverse("worklogs:log_list")
SERVICES = reverse("worklogs:service_list")


def today():
    return timezone.localdate()


@pytest.fixture
def entries(world):
    """A log and a service record each for 张伟 (胡集镇), 李娜 (鸡黍镇) and 王强 (梁山县)."""
    made = {}
    for key, person in (("a", world.sec_a), ("b", world.sec_b), ("c", world.sec_c)):
        entry = log(person, today(), households=3, raised=2, solved=1, text=f"{person.name}的日记")
        made[key] = entry
        made[f"{key}_service"] = service(person, today(), ServiceKind.CLINIC, served=40, title=f"{person.name}义诊",
                                         work_log=entry)
    return made


def names(response):
    return sorted(entry.secretary.name for entry in response.context["object_list"])


@pytest.mark.parametrize(("who", "expected"), [
    ("admin", ["张伟", "李娜"]),
    ("leader", ["张伟", "李娜"]),
    ("town_a", ["张伟"]),
    ("town_b", ["李娜"]),
    ("secretary", ["张伟"]),
    ("contact", ["李娜"]),  # 县农业农村局's contact reads the unit's people
    ("admin_ls", ["王强"]),
])
@pytest.mark.parametrize("url", [LOGS, SERVICES])
def test_each_role_reads_the_records_of_its_scope(world, entries, login, who, expected, url):
    response = login(getattr(world.users, who)).get(url)
    assert response.status_code == 200
    assert names(response) == expected


@pytest.mark.parametrize("name", ["log_list", "log_create", "service_list", "service_create", "board",
                                  "service_overview", "log_export", "service_export"])
def test_anonymous_goes_to_login(client, name):
    response = client.get(reverse(f"worklogs:{name}"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("name", ["log_detail", "log_update", "log_delete"])
def test_another_townships_log_is_404(world, entries, login, name):
    assert login(world.users.town_b).get(reverse(f"worklogs:{name}", args=[entries["a"].pk])).status_code == 404
    assert login(world.users.admin_ls).get(reverse(f"worklogs:{name}", args=[entries["a"].pk])).status_code == 404


def test_another_townships_summary_and_service_are_404(world, entries, login):
    client = login(world.users.town_b)
    assert client.get(reverse("worklogs:service_detail", args=[entries["a_service"].pk])).status_code == 404
    url = reverse("worklogs:summary", args=[world.sec_a.pk, "week", f"{today():%Y-%m-%d}"])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("name", ["board", "service_overview", "log_export", "service_export"])
def test_wrong_method_is_405(world, login, name):
    assert login(world.users.admin).post(reverse(f"worklogs:{name}")).status_code == 405


def test_the_secretary_writes_a_log_and_lands_on_it(world, login):
    client = login(world.users.secretary)
    assert client.get(reverse("worklogs:log_create")).status_code == 200
    response = client.post(reverse("worklogs:log_create"), {
        "date": f"{today():%Y-%m-%d}", "text": "组织召开村两委会议，研究香瓜大棚扩建。", "households_visited": "4",
        "problems_raised": "2", "problems_solved": "0", "tags": ["meeting", "industry"],
    })
    entry = WorkLog.objects.get()
    assert response.status_code == 302 and response["Location"] == entry.get_absolute_url()
    assert (entry.secretary, entry.village, entry.tags) == (world.sec_a, world.village_a, "meeting,industry")
    page = client.get(entry.get_absolute_url()).content.decode()
    assert "会议" in page and "产业" in page and "由此登记办实事" in page


def test_a_second_log_for_the_day_is_refused_on_the_form(world, entries, login):
    response = login(world.users.secretary).post(reverse("worklogs:log_create"), {
        "date": f"{today():%Y-%m-%d}", "text": "再写一篇", "households_visited": "0", "problems_raised": "0",
        "problems_solved": "0",
    })
    assert response.status_code == 200
    assert "这一天已经写过民情日记" in response.content.decode()
    assert WorkLog.objects.filter(secretary=world.sec_a).count() == 1


@pytest.mark.parametrize("who", ["admin", "town_a", "leader", "contact"])
def test_only_secretaries_write(world, login, who):
    client = login(getattr(world.users, who))
    assert client.get(reverse("worklogs:log_create")).status_code == 403
    assert client.post(reverse("worklogs:service_create"), {}).status_code == 403


@pytest.mark.parametrize("who", ["admin", "town_a"])
def test_nobody_but_the_secretary_edits_their_log(world, entries, login, who):
    response = login(getattr(world.users, who)).post(reverse("worklogs:log_update", args=[entries["a"].pk]),
                                                     {"text": "改"})
    assert response.status_code == 404
    entries["a"].refresh_from_db()
    assert entries["a"].text == "张伟的日记"


def test_a_secretary_cannot_reach_another_secretarys_log(world, entries, secretary_b, login):
    client = login(secretary_b)
    assert client.get(entries["a"].get_absolute_url()).status_code == 404
    assert client.get(reverse("worklogs:log_update", args=[entries["a"].pk])).status_code == 404


def test_an_old_log_is_refused_with_a_clear_message(world, login):
    old = log(world.sec_a, today() - 10 * DAY, households=2)
    client = login(world.users.secretary)
    response = client.get(reverse("worklogs:log_update", args=[old.pk]), follow=True)
    assert "修改期限已过" in response.content.decode()
    response = client.post(reverse("worklogs:log_update", args=[old.pk]), {
        "text": "改", "households_visited": "9", "problems_raised": "0", "problems_solved": "0"})
    assert response.status_code == 200 and "修改期限已过" in response.content.decode()
    response = client.post(reverse("worklogs:log_delete", args=[old.pk]), follow=True)
    assert "修改期限已过" in response.content.decode()
    old.refresh_from_db()
    assert old.households_visited == 2


def test_the_secretary_corrects_and_deletes_a_recent_log(world, entries, login):
    client = login(world.users.secretary)
    response = client.post(reverse("worklogs:log_update", args=[entries["a"].pk]), {
        "text": "更正后的内容", "households_visited": "6", "problems_raised": "2", "problems_solved": "2"})
    assert response.status_code == 302
    entries["a"].refresh_from_db()
    assert (entries["a"].text, entries["a"].households_visited) == ("更正后的内容", 6)
    assert client.post(reverse("worklogs:log_delete", args=[entries["a"].pk])).status_code == 302
    assert not WorkLog.objects.filter(pk=entries["a"].pk).exists()


def test_a_service_record_from_a_log_is_prefilled_with_its_day_and_village(world, login):
    entry = log(world.sec_a, today() - DAY)
    client = login(world.users.secretary)
    form = client.get(f"{reverse('worklogs:service_create')}?log={entry.pk}").context["form"]
    assert (form.initial["date"], form.initial["village"], form.initial["work_log"]) == (
        entry.date, world.village_a.pk, entry.pk)
    village_choices = {v.pk for v in form.fields["village"].queryset}
    assert village_choices == {world.village_a.pk, world.village_a2.pk}
    response = client.post(reverse("worklogs:service_create"), {
        "kind": ServiceKind.CLINIC, "date": f"{entry.date:%Y-%m-%d}", "village": world.village_a2.pk,
        "title": "联合县人民医院开展义诊", "people_served": "86", "note": "", "work_log": entry.pk})
    record = ServiceRecord.objects.get()
    assert response.status_code == 302 and record.work_log == entry and record.village == world.village_a2


def test_a_service_record_in_another_township_is_refused_on_the_form(world, login):
    response = login(world.users.secretary).post(reverse("worklogs:service_create"), {
        "kind": ServiceKind.OPERA, "date": f"{today():%Y-%m-%d}", "village": world.village_b.pk,
        "title": "送戏下乡", "people_served": "300"})
    assert response.status_code == 200 and not ServiceRecord.objects.exists()
    assert "village" in response.context["form"].errors


def test_the_summary_page_shows_the_weeks_figures_and_takes_the_secretarys_reflection(world, entries, login):
    client = login(world.users.secretary)
    url = reverse("worklogs:summary", args=[world.sec_a.pk, "week", f"{today():%Y-%m-%d}"])
    page = client.get(url).content.decode()
    assert "本周记民情日记1天，走访农户3户，收集问题2个、解决1个。" in page and "本周开展义诊活动1场。" in page
    response = client.post(url, {"text": "本周完成了义诊，下周推进道路硬化。"})
    assert response.status_code == 302
    summary = Summary.objects.get()
    assert summary.period_start == Period.containing(WEEK, today()).start
    assert "下周推进道路硬化" in client.get(url).content.decode()


def test_only_the_secretary_writes_the_reflection(world, entries, login):
    url = reverse("worklogs:summary", args=[world.sec_a.pk, "week", f"{today():%Y-%m-%d}"])
    client = login(world.users.town_a)
    assert client.get(url).status_code == 200
    assert client.post(url, {"text": "代写"}).status_code == 403
    assert not Summary.objects.exists()


@pytest.mark.parametrize("path", ["week/2025-13-01", "year/2025-06-01", "week/x"])
def test_a_bad_period_is_404(world, login, path):
    kind, start = path.split("/")
    url = reverse("worklogs:summary", args=[world.sec_a.pk, kind, start])
    assert login(world.users.admin).get(url).status_code == 404


def test_my_summary_takes_the_secretary_to_their_week_and_others_to_the_board(world, login):
    response = login(world.users.secretary).get(reverse("worklogs:my_summary", args=["month"]))
    assert response["Location"] == reverse("worklogs:summary", args=[world.sec_a.pk, "month", f"{today():%Y-%m-%d}"])
    assert login(world.users.town_a).get(reverse("worklogs:my_summary", args=["week"]))["Location"].startswith(
        reverse("worklogs:board"))


def test_the_board_shows_the_township_in_village_order_without_ranking(world, entries, extra_secretaries, login):
    response = login(world.users.town_a).get(reverse("worklogs:board"))
    page = response.content.decode()
    assert response.status_code == 200 and "不作排名" in page
    assert "记了民情日记的 1 人，尚无日记 5 人" in page
    assert "李娜" not in page


def test_the_board_refuses_a_bad_choice_and_shows_this_week(world, login):
    response = login(world.users.admin).get(reverse("worklogs:board"), {"day": "2025-02-30", "kind": "year"})
    assert response.status_code == 200 and "条件有误" in response.content.decode()


def test_the_overview_writes_the_sentence(world, entries, login):
    page = login(world.users.admin).get(reverse("worklogs:service_overview")).content.decode()
    assert "累计开展义诊活动2场。" in page
    assert login(world.users.admin).get(reverse("worklogs:service_overview"), {"year": "abc"}).status_code == 200


@pytest.mark.parametrize("url", [LOGS, SERVICES, reverse("worklogs:board"), reverse("worklogs:service_overview")])
def test_lists_run_a_fixed_number_of_queries(world, entries, extra_secretaries, login, url,
                                             django_assert_max_num_queries):
    client = login(world.users.admin)
    client.get(url)  # warm the session and content-type caches
    with django_assert_max_num_queries(12) as before:
        assert client.get(url).status_code == 200
    for person in extra_secretaries:
        entry = log(person, today(), households=2)
        service(person, today(), ServiceKind.VISIT, served=10, work_log=entry)
    with django_assert_max_num_queries(len(before.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_summary_page_runs_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    url = reverse("worklogs:summary", args=[world.sec_a.pk, "month", f"{today():%Y-%m-%d}"])
    client = login(world.users.secretary)
    log(world.sec_a, today())
    client.get(url)
    with django_assert_max_num_queries(14) as before:
        client.get(url)
    for back in range(1, 6):
        if (today() - back * DAY).month == today().month:
            log(world.sec_a, today() - back * DAY)
            service(world.sec_a, today() - back * DAY, ServiceKind.APPEAL)
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(url)


def test_the_log_export_is_scoped_and_filtered(world, entries, login):
    log(world.sec_a, today() - 3 * DAY, text="=cmd|' /C calc'!A0")
    response = login(world.users.town_a).get(reverse("worklogs:log_export"), {"q": "calc"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "日期" and len(rows) == 2
    assert rows[1][2:4] == ("王庄村", "张伟") and rows[1][-1].startswith("'=")


def test_the_service_export_is_scoped(world, entries, login):
    response = login(world.users.contact).get(reverse("worklogs:service_export"))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [row[2] for row in rows[1:]] == ["李娜义诊"] and rows[1][1] == "义诊"


def test_a_bad_export_filter_is_a_clear_400(world, login):
    response = login(world.users.admin).get(reverse("worklogs:log_export"), {"date_from": "not-a-date"})
    assert response.status_code == 400 and "筛选条件无效" in response.content.decode()


def test_a_new_township_secretary_without_logs_is_counted_not_ranked(world, login):
    person = f.secretary(world.county, world.unit, "孙磊")
    f.assign(person, world.village_a2, world.batch)
    page = login(world.users.town_a).get(reverse("worklogs:board")).content.decode()
    assert "尚无日记 2 人" in page


def test_the_list_filters_by_person_tag_and_township(world, entries, login):
    log(world.sec_a, today() - DAY, tags="industry,party")
    client = login(world.users.admin)
    assert names(client.get(LOGS, {"secretary": world.sec_b.pk})) == ["李娜"]
    assert names(client.get(LOGS, {"tag": "party"})) == ["张伟"]
    assert names(client.get(LOGS, {"township": world.town_a.pk})) == ["张伟", "张伟"]
    assert names(client.get(SERVICES, {"kind": "opera"})) == []
    assert client.get(LOGS, {"secretary": world.sec_c.pk}).context["object_list"].count() == 0  # 梁山县: refused
