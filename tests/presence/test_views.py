import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from presence import reports, services
from presence.models import Evidence, Leave, Notice, Result, SpotCheck
from tests import factories as f

from .conftest import drawn, photo, record

TODAY = timezone.localdate()
MONDAY = TODAY - datetime.timedelta(days=TODAY.weekday())


def populate(world, people):
    """`people` more secretaries in 胡集镇, each checked this week, on leave, with a photo and an issued notice."""
    for n in range(people):
        person = f.secretary(world.county, world.unit, f"加{n}")
        assignment = f.assign(person, f.village(world.town_a), world.batch)
        for back in (21, 14, 7):
            record(world.users.admin, assignment, MONDAY - datetime.timedelta(days=back), Result.ABSENT)
        services.notice_issue(user=world.users.admin, notice=Notice.objects.get(secretary=person))
        drawn(assignment, MONDAY)
        Leave.objects.create(secretary=person, village=assignment.village, kind="rest", reason="公休",
                             start_date=MONDAY + datetime.timedelta(days=2), end_date=MONDAY + datetime.timedelta(
                                 days=2), status=Leave.Status.APPROVED, decided_at=timezone.now())
        services.evidence_upload(user=world.users.admin, secretary=person, upload=photo(35.07, 116.31))


PAGES = [
    ("presence:board", {}), ("presence:check_list", {"start": MONDAY - datetime.timedelta(days=30), "end": TODAY}),
    ("presence:leave_list", {}), ("presence:evidence_list", {}), ("presence:notice_list", {}),
    ("presence:rates", {"start": MONDAY - datetime.timedelta(days=30), "end": MONDAY + datetime.timedelta(days=6)}),
]


@pytest.mark.parametrize(("name", "query"), PAGES)
def test_lists_take_a_fixed_number_of_queries(world, login, django_assert_max_num_queries, name, query):
    client = login(world.users.admin)
    populate(world, 1)
    url = reverse(name)
    with django_assert_max_num_queries(16) as few:
        assert client.get(url, query).status_code == 200
    populate(world, 4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url, query).status_code == 200


def test_the_calendar_takes_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    client = login(world.users.admin)
    url = reverse("presence:calendar", args=[world.sec_a.pk])
    record(world.users.admin, world.asg_a, TODAY, Result.PRESENT)
    with django_assert_max_num_queries(16) as few:
        assert client.get(url).status_code == 200
    for day in range(1, 4):
        record(world.users.admin, world.asg_a, TODAY - datetime.timedelta(days=day), Result.OFFICIAL)
    services.evidence_upload(user=world.users.secretary, secretary=world.sec_a, upload=photo())
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert "抽查：公出" in page and "打卡照片" in page


def test_county_figures_take_a_fixed_number_of_queries(world, django_assert_num_queries):
    populate(world, 2)
    with django_assert_num_queries(3):
        figures = reports.county_figures(world.users.admin, today=TODAY)
    assert figures["notices_issued_this_year"] == 2 and figures["notice_drafts"] == 0
    assert figures["leave_pending"] == 0 and figures["absent_this_month"] >= 0


def test_a_township_official_draws_and_records_on_the_board(world, login):
    client = login(world.users.town_a)
    response = client.post(reverse("presence:round_draw"), {"region": world.town_a.pk, "rate": "1"})
    assert response.status_code == 302
    check = SpotCheck.objects.get(date=TODAY)
    assert check.secretary == world.sec_a
    page = client.get(reverse("presence:board"))
    key = f"c{check.pk}_"
    assert key + "result" in page.content.decode()
    data = {key + "result": Result.ABSENT, key + "method": "unannounced", key + "inspector": "镇纪委 王明",
            key + "note": "村委会无人，电话未接"}
    assert client.post(reverse("presence:board"), data).status_code == 302
    check.refresh_from_db()
    assert check.result == Result.ABSENT and check.recorded_by == world.users.town_a and check.checked_at


def test_the_grid_saves_nothing_when_a_row_is_wrong(world, login):
    good, bad = drawn(world.asg_a, MONDAY), drawn(world.asg_b, MONDAY + datetime.timedelta(days=1))
    response = login(world.users.admin).post(reverse("presence:board"), {
        f"c{good.pk}_result": Result.PRESENT, f"c{good.pk}_method": "video",
        f"c{bad.pk}_result": Result.ABSENT, f"c{bad.pk}_method": "",
    })
    assert response.status_code == 200 and "请选择核查方式" in response.content.decode()
    assert not SpotCheck.objects.exclude(result=Result.PENDING).exists()


def test_a_township_cannot_draw_for_the_county(world, login):
    response = login(world.users.town_a).post(reverse("presence:round_draw"), {"region": world.county.pk, "rate": "1"})
    assert response.status_code == 302 and not SpotCheck.objects.exists()


def test_secretaries_and_contacts_do_not_draw(world, login):
    for user in (world.users.secretary, world.users.contact):
        assert login(user).post(reverse("presence:round_draw"), {"region": world.town_a.pk, "rate": "1"}
                                ).status_code == 403


def test_the_board_sends_a_secretary_to_their_calendar(world, login):
    response = login(world.users.secretary).get(reverse("presence:board"))
    assert response.status_code == 302
    assert login(world.users.secretary).get(response.url, follow=True).request["PATH_INFO"] == reverse(
        "presence:calendar", args=[world.sec_a.pk])


def test_pages_ask_for_login(world, client):
    for name, _ in PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response.url


def test_another_regions_records_are_404(world, login):
    check = drawn(world.asg_b, TODAY)
    client = login(world.users.town_a)
    assert client.get(reverse("presence:check_detail", args=[check.pk])).status_code == 404
    assert client.get(reverse("presence:check_edit", args=[check.pk])).status_code == 404
    assert client.get(reverse("presence:calendar", args=[world.sec_b.pk])).status_code == 404
    assert login(world.users.admin_ls).get(reverse("presence:calendar", args=[world.sec_a.pk])).status_code == 404


def test_a_secretary_sees_their_own_checks_only(world, login):
    mine, theirs = drawn(world.asg_a, TODAY), drawn(world.asg_b, TODAY)
    client = login(world.users.secretary)
    assert client.get(reverse("presence:check_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("presence:check_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("presence:check_edit", args=[mine.pk])).status_code == 403


def test_a_unit_contact_reads_their_units_secretaries_presence(world, login):
    theirs = drawn(world.asg_b, TODAY)
    client = login(world.users.contact)
    assert client.get(reverse("presence:check_detail", args=[theirs.pk])).status_code == 200
    assert client.get(reverse("presence:calendar", args=[world.sec_b.pk])).status_code == 200
    assert client.get(reverse("presence:calendar", args=[world.sec_a.pk])).status_code == 404


def test_a_check_is_edited_with_a_photo(world, login):
    check = drawn(world.asg_a, TODAY)
    client = login(world.users.town_a)
    response = client.post(reverse("presence:check_edit", args=[check.pk]), {
        "result": "present", "method": "field", "inspector": "胡集镇 组织委员", "note": "",
        "photo": photo(35.07, 116.3),
    })
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.photo.name.startswith("presence/")
    bad = client.post(reverse("presence:check_edit", args=[check.pk]), {"result": "present", "method": "field",
                                                                      "photo": io.BytesIO(b"x")})
    assert bad.status_code == 200 and "无法识别" in bad.content.decode()


def test_a_notice_draft_is_edited_and_issued_by_a_county_admin(world, login):
    for back in (3, 2, 1):
        record(world.users.admin, world.asg_a, TODAY - datetime.timedelta(days=back), Result.ABSENT)
    notice = Notice.objects.get()
    assert login(world.users.secretary).get(notice.get_absolute_url()).status_code == 404  # a draft
    assert login(world.users.town_a).get(reverse("presence:notice_edit", args=[notice.pk])).status_code == 403
    assert login(world.users.town_a).post(reverse("presence:notice_issue", args=[notice.pk])).status_code == 403
    client = login(world.users.admin)
    client.post(reverse("presence:notice_edit", args=[notice.pk]), {
        "title": notice.title, "body": notice.body + "特此通报。", "unit_leader": "县财政局副局长 孙明"})
    assert client.post(reverse("presence:notice_issue", args=[notice.pk])).status_code == 302
    notice.refresh_from_db()
    assert notice.is_issued and notice.unit_leader == "县财政局副局长 孙明"
    assert login(world.users.secretary).get(notice.get_absolute_url()).status_code == 200
    assert login(world.users.town_b).get(notice.get_absolute_url()).status_code == 404


def test_issuing_is_post_only(world, login):
    assert login(world.users.admin).get(reverse("presence:notice_issue", args=[1])).status_code == 405


def test_exports_are_scoped_workbooks(world, login):
    record(world.users.admin, world.asg_a, TODAY, Result.PRESENT)
    record(world.users.admin, world.asg_b, TODAY, Result.OFFICIAL)
    response = login(world.users.town_a).get(reverse("presence:check_export"), {"start": TODAY, "end": TODAY})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert rows[0][0] == "抽查日期" and len(rows) == 2 and rows[1][3] == "张伟" and rows[1][5] == "在岗"
    response = login(world.users.admin).get(reverse("presence:notice_export"))
    assert list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)[0][0] == "标题"


def test_rates_per_township(world, login):
    record(world.users.admin, world.asg_a, TODAY, Result.PRESENT)
    record(world.users.admin, world.asg_a, TODAY - datetime.timedelta(days=1), Result.ABSENT)
    record(world.users.admin, world.asg_a, TODAY - datetime.timedelta(days=2), Result.LEAVE)
    record(world.users.admin, world.asg_b, TODAY, Result.OFFICIAL)
    rows, total, level = reports.presence_rates(world.users.admin, TODAY - datetime.timedelta(days=5), TODAY)
    assert level == "镇（街道）"
    assert [(r["name"], r["rate"]) for r in rows] == [("胡集镇", 50.0), ("鸡黍镇", 100.0)]
    assert total["rate"] == pytest.approx(66.7) and total["leave"] == 1
    page = login(world.users.town_a).get(reverse("presence:rates")).content.decode()
    assert "胡集镇" in page and "鸡黍镇" not in page


def test_for_secretary_gives_the_secretary_page_its_block(world, django_assert_max_num_queries):
    record(world.users.admin, world.asg_a, TODAY, Result.PRESENT)
    with django_assert_max_num_queries(4):
        block = reports.for_secretary(world.sec_a, world.users.admin, today=TODAY)
    assert block["year_counts"]["present"] == 1 and block["recent_checks"][0].result == Result.PRESENT
    assert block["calendar_url"] == reverse("presence:calendar", args=[world.sec_a.pk])
    assert reports.for_secretary(world.sec_a, world.users.town_b, today=TODAY)["recent_checks"] == []


def test_evidence_list_hides_photos_from_contacts(world, login):
    services.evidence_upload(user=world.users.secretary, secretary=world.sec_a, upload=photo())
    assert Evidence.objects.count() == 1
    assert "张伟" not in login(world.users.leader).get(reverse("presence:evidence_list")).content.decode()
