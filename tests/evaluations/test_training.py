"""培训: sessions, the attendance grid, hours per person per year against a county's minimum, scoping, export."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts import audit
from accounts.models import AuditLog
from evaluations.models import TrainingAttendance, TrainingRequirement, TrainingSession
from evaluations.services import training

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
DAY = datetime.date(YEAR, 1, 10)
TOKEN = re.compile(r'name="_once" value="([0-9a-f]{32})"')
ROWS = re.compile(r'name="_rows" value="([^"]*)"')


def session(world, region=None, user=None, hours="16", start=DAY, end=None, topic="全县驻村第一书记示范培训班",
            level="county"):
    return training.session_create(
        user=user or world.users.admin, region=region or world.county, topic=topic, level=level,
        organiser="县委组织部", start_date=start, end_date=end or start + datetime.timedelta(days=1),
        hours=Decimal(hours), place="县委党校")


def session_form(world, **overrides):
    data = {"topic": "乡村振兴专题培训", "level": "county", "organiser": "县委组织部", "region": world.county.pk,
            "start_date": DAY.isoformat(), "end_date": (DAY + datetime.timedelta(days=2)).isoformat(),
            "hours": "24", "place": "县委党校", "notes": "基层党建、集体经济、驻村帮扶"}
    data.update(overrides)
    return data


def grid(world, client, pk, rows, township=None):
    """Post the attendance grid: rows = {secretary: (status, hours, note)}; the opened version and token come
    from the page, as a browser sends them."""
    url = reverse("evaluations:training_detail", args=[pk]) + (f"?township={township.pk}" if township else "")
    page = client.get(url).content.decode()
    data = {"_once": TOKEN.search(page).group(1), "_rows": ROWS.search(page).group(1)}
    for person, (status, hours, note) in rows.items():
        data.update({f"status_{person.pk}": status, f"hours_{person.pk}": hours, f"note_{person.pk}": note})
    return client.post(url, data)


# --- sessions ----------------------------------------------------------------------------------------------------

def test_county_staff_record_a_session_with_its_audit_row(world, login):
    client = login(world.users.admin)
    response = client.post(reverse("evaluations:training_create"), session_form(world))
    created = TrainingSession.objects.get()
    assert response.status_code == 302 and response["Location"] == created.get_absolute_url()
    assert (created.topic, created.hours, created.days, created.region) == ("乡村振兴专题培训", Decimal("24"), 3,
                                                                             world.county)
    assert AuditLog.objects.filter(action="create", object_id=str(created.pk), username="admin_jx").exists()


@pytest.mark.parametrize("field, value, message", [
    ("hours", "-4", "学时至少为 0.5。"),
    ("hours", "99999999", "学时不能超过 200。"),
    ("hours", "abc", "请填写数字。"),
    ("end_date", (DAY - datetime.timedelta(days=1)).isoformat(), "结束日期不能早于开始日期。"),
    ("start_date", "2025-13-45", "请填写正确的日期"),
    ("topic", "示范\x00培训", "控制字符"),
    ("topic", "", "请填写培训主题。"),
    ("hours", "80", "学时超过了培训天数所能容纳的时长"),
])
def test_bad_input_is_a_chinese_field_error(world, login, field, value, message):
    response = login(world.users.admin).post(reverse("evaluations:training_create"),
                                             session_form(world, **{field: value}))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors.get(field, []))
    assert not TrainingSession.objects.exists()


def test_the_same_form_sent_twice_saves_one_session(world, login):
    client = login(world.users.admin)
    url = reverse("evaluations:training_create")
    data = {**session_form(world), "_once": TOKEN.search(client.get(url).content.decode()).group(1)}
    first = client.post(url, data)
    second = client.post(url, data, follow=True)
    assert first.status_code == 302 and second.redirect_chain[0][0] == first["Location"]
    assert "这份表单刚才已经提交过，没有重复保存。" in second.content.decode()
    assert TrainingSession.objects.count() == 1


def test_a_session_is_not_created_without_its_audit_row(world, login, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr(audit, "record", broken)
    client = login(world.users.admin)
    client.raise_request_exception = False
    response = client.post(reverse("evaluations:training_create"), session_form(world))
    assert response.status_code == 500 and "没有保存任何内容" in response.content.decode()
    assert not TrainingSession.objects.exists()


def test_an_edit_over_someone_elses_change_is_refused(world, login):
    s = session(world)
    client = login(world.users.admin)
    url = reverse("evaluations:training_update", args=[s.pk])
    page = client.get(url).content.decode()
    version = re.search(r'name="_version" value="([^"]*)"', page).group(1)
    training.session_update(s, user=world.users.admin, hours=Decimal("8"))  # someone else, meanwhile
    response = client.post(url, {**session_form(world, hours="12"), "_version": version})
    assert response.status_code == 200 and "有人修改了这条记录" in response.content.decode()
    s.refresh_from_db()
    assert s.hours == Decimal("8")


def test_changing_the_hours_moves_full_credits_and_caps_partial_ones(world):
    s = session(world, hours="16")
    training.attendance_save(s, {world.sec_a: ("present", Decimal("16"), ""),
                                 world.sec_b: ("present", Decimal("12"), "第二天下午请假")}, user=world.users.admin)
    training.session_update(s, user=world.users.admin, hours=Decimal("8"))
    assert dict(s.attendances.values_list("secretary", "hours")) == {world.sec_a.pk: Decimal("8"),
                                                                     world.sec_b.pk: Decimal("8")}
    log = AuditLog.objects.filter(object_id=str(s.pk), action="update").latest("pk")
    assert log.changes["hours"] == ["16", "8"] and "出勤记录 2 条" in log.changes["attendance"]


def test_deleting_a_session_removes_its_rows_and_is_audited(world, login):
    s = session(world)
    training.attendance_save(s, {world.sec_a: ("present", Decimal("16"), "")}, user=world.users.admin)
    response = login(world.users.admin).post(reverse("evaluations:training_delete", args=[s.pk]))
    assert response.status_code == 302
    assert not TrainingSession.objects.exists() and not TrainingAttendance.objects.exists()
    assert AuditLog.objects.filter(action="delete", object_id=str(s.pk)).exists()


# --- scoping and permissions ---------------------------------------------------------------------------------------

def test_a_township_official_records_their_own_townships_session(world, login):
    client = login(world.users.town_a)
    response = client.post(reverse("evaluations:training_create"),
                           session_form(world, region=world.town_a.pk, level="township", organiser="胡集镇党委"))
    assert response.status_code == 302
    assert TrainingSession.objects.get().region == world.town_a
    refused = client.post(reverse("evaluations:training_create"),
                          session_form(world, region=world.county.pk, level="township", topic="县里的培训"))
    assert refused.status_code == 200 and "region" in refused.context["form"].errors


def test_another_townships_session_is_a_404_and_not_listed(world, login):
    mine = session(world, region=world.town_a, user=world.users.town_a, level="township", topic="胡集镇专题培训")
    theirs = session(world, region=world.town_b, user=world.users.town_b, level="township", topic="鸡黍镇专题培训")
    county = session(world, topic="全县示范培训班")
    client = login(world.users.town_a)
    for name in ("training_detail", "training_update"):
        assert client.get(reverse(f"evaluations:{name}", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("evaluations:training_delete", args=[theirs.pk])).status_code == 404
    listed = client.get(reverse("evaluations:training_list")).content.decode()
    assert "胡集镇专题培训" in listed and "全县示范培训班" in listed and "鸡黍镇专题培训" not in listed
    # The county's session: read, with their own people only; not theirs to change.
    page = client.get(reverse("evaluations:training_detail", args=[county.pk]))
    assert page.status_code == 200 and [p.secretary for p in page.context["form"].people] == [world.sec_a]
    assert client.get(reverse("evaluations:training_update", args=[county.pk])).status_code == 403
    assert client.get(reverse("evaluations:training_detail", args=[mine.pk])).context["may_edit"]


def test_other_counties_sessions_are_a_404_for_county_staff(world, login):
    s = session(world)
    assert login(world.users.admin_ls).get(reverse("evaluations:training_detail", args=[s.pk])).status_code == 404


def test_secretaries_and_leaders_cannot_record(world, login):
    for who in ("secretary", "leader", "contact"):
        client = login(getattr(world.users, who))
        assert client.get(reverse("evaluations:training_create")).status_code == 403
    s = session(world)
    assert login(world.users.leader).post(reverse("evaluations:training_detail", args=[s.pk]), {}).status_code == 403


def test_anonymous_is_sent_to_login_and_wrong_method_is_405(world, client, login):
    assert client.get(reverse("evaluations:training_list"))["Location"].startswith(reverse("login"))
    assert login(world.users.admin).get(reverse("evaluations:training_delete", args=[session(world).pk])
                                        ).status_code == 405


def test_a_secretary_sees_the_sessions_they_attended_and_their_own_row(world, login):
    attended, other = session(world, topic="党纪学习教育专题党课"), session(world, topic="工作队队长专题培训")
    training.attendance_save(attended, {world.sec_a: ("present", Decimal("16"), ""),
                                        world.sec_b: ("absent", Decimal("0"), "")}, user=world.users.admin)
    training.attendance_save(other, {world.sec_b: ("present", Decimal("16"), "")}, user=world.users.admin)
    client = login(world.users.secretary)
    listed = client.get(reverse("evaluations:training_list")).content.decode()
    assert "党纪学习教育专题党课" in listed and "工作队队长专题培训" not in listed
    page = client.get(reverse("evaluations:training_detail", args=[attended.pk]))
    assert [r.secretary for r in page.context["own_rows"]] == [world.sec_a]
    assert client.get(reverse("evaluations:training_detail", args=[other.pk])).status_code == 404


# --- the attendance grid ---------------------------------------------------------------------------------------------

def test_the_grid_saves_what_it_says(world, login):
    s = session(world, hours="16")
    client = login(world.users.admin)
    response = grid(world, client, s.pk, {world.sec_a: ("present", "", ""),
                                          world.sec_b: ("present", "8", "第二天请假半天")})
    assert response.status_code == 302
    rows = {r.secretary_id: (r.status, r.hours, r.note, r.recorded_by_id) for r in TrainingAttendance.objects.all()}
    assert rows == {world.sec_a.pk: ("present", Decimal("16"), "", world.users.admin.pk),
                    world.sec_b.pk: ("present", Decimal("8"), "第二天请假半天", world.users.admin.pk)}
    assert AuditLog.objects.filter(content_type__model="trainingattendance", action="create").count() == 2
    # Changed again: one on leave, one no longer recorded.
    response = grid(world, client, s.pk, {world.sec_a: ("leave", "", "因病请假"), world.sec_b: ("", "", "")})
    assert response.status_code == 302
    assert list(TrainingAttendance.objects.values_list("secretary", "status", "hours", "note")) == [
        (world.sec_a.pk, "leave", Decimal("0"), "因病请假")]
    logs = AuditLog.objects.filter(content_type__model="trainingattendance").order_by("pk")
    assert [log.action for log in logs] == ["create", "create", "update", "delete"]
    assert logs[2].changes["attendance"] == ["出勤 16 学时", "请假 0 学时（因病请假）"]


def test_the_grid_lists_everyone_serving_in_the_sessions_region_the_user_sees(world, login):
    county = session(world)
    page = login(world.users.admin).get(reverse("evaluations:training_detail", args=[county.pk]))
    assert {p.secretary for p in page.context["form"].people} == {world.sec_a, world.sec_b}  # not 梁山, not idle
    narrowed = login(world.users.admin).get(
        reverse("evaluations:training_detail", args=[county.pk]) + f"?township={world.town_b.pk}")
    assert [p.secretary for p in narrowed.context["form"].people] == [world.sec_b]


@pytest.mark.parametrize("row, message", [
    (("present", "20", ""), "计入学时不能超过本期培训的 16.0 学时。"),
    (("present", "-2", ""), "学时不能为负数。"),
    (("absent", "4", ""), "请假或缺勤不计学时"),
    (("present", "1e9", ""), "学时不能超过 200。"),
    (("", "8", ""), "请先选择出勤情况。"),
    (("sleeping", "", ""), "请选择出勤情况。"),
    (("present", "", "x" * 101), "备注最多 100 个字。"),
    (("present", "", "迟\x00到"), "控制字符"),
])
def test_a_bad_grid_row_saves_nothing_and_says_why(world, login, row, message):
    s = session(world, hours="16")
    response = grid(world, login(world.users.admin), s.pk, {world.sec_a: ("present", "", ""), world.sec_b: row})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TrainingAttendance.objects.exists()


def test_a_row_changed_by_someone_else_meanwhile_is_not_overwritten(world, login):
    s = session(world, hours="16")
    client = login(world.users.admin)
    url = reverse("evaluations:training_detail", args=[s.pk])
    page = client.get(url).content.decode()
    opened = {"_once": TOKEN.search(page).group(1), "_rows": ROWS.search(page).group(1)}
    training.attendance_save(s, {world.sec_b: ("leave", Decimal("0"), "外出学习")}, user=world.users.town_b)
    response = client.post(url, {**opened, f"status_{world.sec_a.pk}": "present",
                                 f"status_{world.sec_b.pk}": "absent"})
    assert response.status_code == 200 and "李娜（现为：请假 0 学时（外出学习））" in response.content.decode()
    assert list(TrainingAttendance.objects.values_list("secretary", "status")) == [(world.sec_b.pk, "leave")]
    # Left as it was opened: the other person's record stays and the rest is saved.
    response = client.post(url, {**opened, "_once": TOKEN.search(page).group(1)[::-1],
                                 f"status_{world.sec_a.pk}": "present", f"status_{world.sec_b.pk}": ""})
    assert response.status_code == 302
    assert dict(TrainingAttendance.objects.values_list("secretary", "status")) == {world.sec_a.pk: "present",
                                                                                   world.sec_b.pk: "leave"}


def test_a_grid_is_not_saved_without_its_audit_rows(world, login, monkeypatch):
    s = session(world)
    client = login(world.users.admin)
    url = reverse("evaluations:training_detail", args=[s.pk])
    page = client.get(url).content.decode()

    def broken(**kwargs):
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr(audit, "record", broken)
    client.raise_request_exception = False
    response = client.post(url, {"_once": TOKEN.search(page).group(1), "_rows": ROWS.search(page).group(1),
                                 f"status_{world.sec_a.pk}": "present"})
    assert response.status_code == 500
    assert not TrainingAttendance.objects.exists()


def test_a_township_official_cannot_record_another_townships_person(world, login):
    s = session(world, region=world.town_a, user=world.users.town_a, level="township")
    client = login(world.users.town_a)
    url = reverse("evaluations:training_detail", args=[s.pk])
    page = client.get(url).content.decode()
    response = client.post(url, {"_once": TOKEN.search(page).group(1), "_rows": ROWS.search(page).group(1),
                                 f"status_{world.sec_a.pk}": "present", f"status_{world.sec_b.pk}": "present"})
    assert response.status_code == 302
    assert list(TrainingAttendance.objects.values_list("secretary", flat=True)) == [world.sec_a.pk]


# --- hours per year and the minimum ----------------------------------------------------------------------------------

@pytest.fixture
def hours(world):
    """张伟 16 + 4 (partial) = 20 学时 this year, 8 last year; 李娜 16, then absent; a minimum of 18 学时."""
    first = session(world, hours="16")
    second = session(world, hours="8", start=DAY + datetime.timedelta(days=30), topic="乡村振兴专题培训")
    last_year = session(world, hours="8", start=datetime.date(YEAR - 1, 11, 5), topic="党纪学习教育专题党课")
    admin = world.users.admin
    training.attendance_save(first, {world.sec_a: ("present", Decimal("16"), ""),
                                     world.sec_b: ("present", Decimal("16"), "")}, user=admin)
    training.attendance_save(second, {world.sec_a: ("present", Decimal("4"), "半天"),
                                      world.sec_b: ("absent", Decimal("0"), "")}, user=admin)
    training.attendance_save(last_year, {world.sec_a: ("present", Decimal("8"), "")}, user=admin)
    training.requirement_set(user=admin, region=world.county, year=YEAR, min_hours=Decimal("18"))
    return first, second


def test_hours_per_person_equal_the_sum_of_their_rows(world, hours):
    rows = {a.secretary: a for a in training.hours_table(world.users.admin, YEAR)}
    assert rows[world.sec_a].hours == Decimal("20") == sum(
        TrainingAttendance.objects.filter(secretary=world.sec_a, session__start_date__year=YEAR)
        .values_list("hours", flat=True))
    assert rows[world.sec_b].hours == Decimal("16")
    assert rows[world.sec_a].minimum == rows[world.sec_b].minimum == Decimal("18")
    assert [a.secretary for a in training.below(training.hours_table(world.users.admin, YEAR))] == [world.sec_b]
    assert training.hours_by_person([world.sec_a.pk, world.sec_b.pk], YEAR - 1) == {world.sec_a.pk: Decimal("8")}


def test_the_hours_page_flags_those_below_and_runs_one_query_per_purpose(world, hours, login,
                                                                       django_assert_max_num_queries):
    client = login(world.users.admin)
    url = reverse("evaluations:training_hours") + f"?year={YEAR}"
    response = client.get(url)
    page = response.content.decode()
    assert "每人不少于 <strong>18</strong> 学时" in page and "未达到要求 1 人" in page
    rows = {a.secretary.name: (a.hours, a.minimum) for a in response.context["object_list"]}
    assert rows == {"张伟": (Decimal("20"), Decimal("18")), "李娜": (Decimal("16"), Decimal("18"))}
    below = client.get(url + "&below=1")
    assert [a.secretary.name for a in below.context["object_list"]] == ["李娜"]


def test_a_township_official_sees_their_townships_hours_only(world, hours, login):
    response = login(world.users.town_a).get(reverse("evaluations:training_hours"))
    assert [a.secretary for a in response.context["object_list"]] == [world.sec_a]
    assert response.context["rule_form"] is None
    assert login(world.users.town_a).post(reverse("evaluations:training_hours"),
                                          {"year": YEAR, "min_hours": "10"}).status_code == 403


def test_a_unit_contact_sees_the_hours_of_their_units_people(world, hours, login):
    response = login(world.users.contact).get(reverse("evaluations:training_hours"))
    assert [(a.secretary, a.hours) for a in response.context["object_list"]] == [(world.sec_b, Decimal("16"))]


def test_the_export_holds_the_same_figures(world, hours, login):
    response = login(world.users.admin).get(reverse("evaluations:training_hours_export") + f"?year={YEAR}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == training_views_headers()
    body = {row[2]: row for row in rows[1:]}
    assert body["张伟"][5:8] == (20, 18, "达标") and body["张伟"][8] is None
    assert body["李娜"][5:9] == (16, 18, "未达标", 2)
    assert body["李娜"][0] == "鸡黍镇" and body["李娜"][3] == "县农业农村局"


def training_views_headers():
    from evaluations.training_views import HOURS_HEADERS

    return HOURS_HEADERS


def test_the_county_sets_its_minimum_for_a_year_with_an_audit_row(world, login):
    client = login(world.users.admin)
    response = client.post(reverse("evaluations:training_hours"), {"year": YEAR, "min_hours": "40"})
    assert response.status_code == 302
    rule = TrainingRequirement.objects.get()
    assert (rule.region, rule.year, rule.min_hours) == (world.county, YEAR, Decimal("40"))
    assert AuditLog.objects.filter(content_type__model="trainingrequirement", action="create").exists()
    client.post(reverse("evaluations:training_hours"), {"year": YEAR, "min_hours": "32"})
    rule.refresh_from_db()
    assert rule.min_hours == Decimal("32")
    assert AuditLog.objects.filter(content_type__model="trainingrequirement", action="update").get().changes[
        "min_hours"] == ["40.0", "32"]


@pytest.mark.parametrize("data, message", [
    ({"year": YEAR - 1, "min_hours": "40"}, "已经结束"),
    ({"year": YEAR, "min_hours": "-1"}, "学时不能为负数。"),
    ({"year": YEAR, "min_hours": "100000"}, "最低学时不能超过 500。"),
    ({"year": "二〇二五", "min_hours": "40"}, "请填写年度"),
])
def test_a_bad_minimum_is_refused_in_chinese(world, login, data, message):
    response = login(world.users.admin).post(reverse("evaluations:training_hours"), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not TrainingRequirement.objects.exists()


def test_a_ended_years_minimum_stays(world):
    TrainingRequirement.objects.create(region=world.county, year=YEAR - 1, min_hours=Decimal("40"))
    with pytest.raises(ValidationError):
        training.requirement_set(user=world.users.admin, region=world.county, year=YEAR - 1,
                                 min_hours=Decimal("20"))


def test_a_countys_own_minimum_wins_over_the_citys(world, hours):
    TrainingRequirement.objects.create(region=world.city, year=YEAR, min_hours=Decimal("10"))
    rows = {a.secretary: a.minimum for a in training.hours_table(world.users.admin, YEAR)}
    assert rows[world.sec_a] == Decimal("18")
    assert training.minimum_for(world.village_c.region.path, training.minimum_rules(YEAR)) == Decimal("10")
    # 梁山县 has no rule of its own: the city's applies, on the page as in Python.
    assert [a.minimum for a in training.hours_table(world.users.admin_ls, YEAR)] == [Decimal("10")]


def test_a_minimum_is_set_by_a_county_or_above_only(world):
    with pytest.raises(ValidationError, match="最低学时由县"):
        training.requirement_set(user=world.users.admin, region=world.town_a, year=YEAR, min_hours=Decimal("20"))


def test_an_edit_through_the_page_is_saved_and_audited_with_the_old_values(world, login):
    s = session(world, hours="16")
    training.attendance_save(s, {world.sec_a: ("present", Decimal("16"), "")}, user=world.users.admin)
    client = login(world.users.admin)
    url = reverse("evaluations:training_update", args=[s.pk])
    version = re.search(r'name="_version" value="([^"]*)"', client.get(url).content.decode()).group(1)
    data = session_form(world, topic="全县驻村第一书记示范培训班（第二期）", hours="8",
                        start_date=DAY.isoformat(), end_date=(DAY + datetime.timedelta(days=1)).isoformat())
    response = client.post(url, {**data, "_version": version})
    assert response.status_code == 302
    s.refresh_from_db()
    assert (s.topic, s.hours) == ("全县驻村第一书记示范培训班（第二期）", Decimal("8"))
    assert TrainingAttendance.objects.get().hours == Decimal("8")
    log = AuditLog.objects.filter(object_id=str(s.pk), action="update", content_type__model="trainingsession").get()
    assert log.changes["hours"] == ["16", "8"] and log.changes["topic"][0] == "全县驻村第一书记示范培训班"


def test_a_city_admin_may_record_for_a_county_but_a_township_only_for_itself(world):
    from accounts.roles import Role
    from evaluations.training_forms import TrainingSessionForm

    from .. import factories as f

    city_admin = f.user("admin_city", Role.COUNTY_ADMIN, world.city)
    regions = set(TrainingSessionForm(user=city_admin).fields["region"].queryset)
    assert {world.city, world.county, world.other_county, world.town_a, world.town_c} <= regions
    assert world.village_a.region not in regions
    assert list(TrainingSessionForm(user=world.users.town_a).fields["region"].queryset) == [world.town_a]


def test_a_grid_too_large_for_one_form_asks_for_a_township(world, login, monkeypatch):
    from evaluations import training_views

    monkeypatch.setattr(training_views, "GRID_LIMIT", 1)
    s = session(world)
    client = login(world.users.admin)
    page = client.get(reverse("evaluations:training_detail", args=[s.pk]))
    assert page.context["form"].people == [] and "请先选择镇（街道）" in page.content.decode()
    narrowed = client.get(reverse("evaluations:training_detail", args=[s.pk]) + f"?township={world.town_a.pk}")
    assert [p.secretary for p in narrowed.context["form"].people] == [world.sec_a]


def test_a_leader_reads_the_attendance_and_its_summary(world, login):
    s = session(world, hours="16")
    training.attendance_save(s, {world.sec_a: ("present", Decimal("16"), ""),
                                 world.sec_b: ("leave", Decimal("0"), "")}, user=world.users.admin)
    page = login(world.users.leader).get(reverse("evaluations:training_detail", args=[s.pk]))
    assert [r.secretary for r in page.context["own_rows"]] == [world.sec_a, world.sec_b]
    assert page.context["summary"] == {"present": 1, "leave": 1, "absent": 0, "hours": Decimal("16")}


FUZZ = ["", "长" * 20_000, "\x00", "a\x00b 😀 %s %(x)s %% <b>'\"; DROP TABLE --", "9999-12-31", "0001-01-01",
        "99999999999999999999999999", "-99999999999999999999", "1e309", "NaN", "Infinity"]


def test_no_input_to_the_training_pages_gives_a_500(world, login):
    s = session(world, hours="16")
    client = login(world.users.admin)
    client.raise_request_exception = False
    detail = reverse("evaluations:training_detail", args=[s.pk])
    for value in FUZZ:
        for field in session_form(world):
            response = client.post(reverse("evaluations:training_create"), session_form(world, **{field: value}))
            assert response.status_code in (200, 302), (field, value[:20], response.status_code)
        for field in ("status", "hours", "note"):
            data = {f"status_{world.sec_a.pk}": "present", f"{field}_{world.sec_a.pk}": value, "_rows": value}
            assert client.post(detail, data).status_code in (200, 302), (field, value[:20])
        for field in ("year", "min_hours"):
            data = {"year": YEAR, "min_hours": "40", field: value}
            assert client.post(reverse("evaluations:training_hours"), data).status_code in (200, 302)
        for name in ("training_list", "training_hours", "training_hours_export"):
            for param in ("year", "township", "page", "below"):
                url = reverse(f"evaluations:{name}")
                assert client.get(url, {param: value}).status_code == 200, (name, param, value[:20])
        assert client.get(detail, {"township": value, "fill": value}).status_code == 200


def test_the_exports_rows_have_the_pages_figures(world, hours):
    TrainingRequirement.objects.create(region=world.city, year=YEAR, min_hours=Decimal("10"))
    for user in (world.users.admin, world.users.admin_ls, world.users.town_b):
        page = [(a.secretary_id, a.hours, a.minimum) for a in training.hours_table(user, YEAR)]
        assert [(row[1], row[7], row[8]) for row in training.hours_rows(user, YEAR)] == page
        assert [row[0] for row in training.hours_rows(user, YEAR, only_below=True)] == [
            a.pk for a in training.below(training.hours_table(user, YEAR))]
