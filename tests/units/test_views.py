"""Every unit page: the normal case, anonymous → login, other region → 404, wrong role → 403, wrong method → 405,
and a fixed number of queries whatever the number of people and actions."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditLog
from tests import factories as f
from units import services
from units.models import ActionKind, Rating, UnitAction, UnitTarget

from .conftest import TODAY, record

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_anonymous_users_are_sent_to_login(client, world):
    for name, args in [("units:overview", []), ("units:unit_page", [world.unit.pk]), ("units:ranking", []),
                       ("units:action_create", []), ("units:targets", []), ("units:action_list", [])]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302 and "/login/" in response.url


def test_another_countys_unit_and_action_are_not_found(world, login):
    other = record(world, ActionKind.MEETING, unit=world.unit_c, user=world.users.admin_ls, villages=[])
    client = login(world.users.admin)
    assert client.get(reverse("units:unit_page", args=[world.unit_c.pk])).status_code == 404
    assert client.get(reverse("units:action_detail", args=[other.pk])).status_code == 404
    assert client.post(reverse("units:action_delete", args=[other.pk])).status_code == 404


def test_a_unit_contact_cannot_see_another_units_page_or_record_for_it(world, login):
    client = login(world.users.contact)
    assert client.get(reverse("units:unit_page", args=[world.unit.pk])).status_code == 404
    response = client.post(reverse("units:action_create"), {
        "unit": world.unit.pk, "kind": ActionKind.MEETING, "date": TODAY.isoformat(), "summary": "x"})
    assert response.status_code == 200 and not UnitAction.objects.exists()  # not a choice for them


def test_secretaries_have_no_unit_pages_and_others_cannot_set_targets(world, login):
    assert login(world.users.secretary).get(reverse("units:overview")).status_code == 403
    for user in (world.users.town_a, world.users.leader, world.users.contact):
        client = login(user)
        assert client.get(reverse("units:targets")).status_code == 403
        assert client.get(reverse("units:scheme")).status_code == 403
        assert client.post(reverse("units:rating_create"), {"year": TODAY.year}).status_code == 403
    assert login(world.users.leader).get(reverse("units:action_create")).status_code == 403


def test_wrong_methods_are_refused(world, login):
    client = login(world.users.admin)
    assert client.post(reverse("units:overview")).status_code == 405
    assert client.post(reverse("units:unit_page", args=[world.unit.pk])).status_code == 405
    assert client.get(reverse("units:rating_create")).status_code == 405
    assert client.put(reverse("units:action_create")).status_code == 405


def test_an_action_with_evidence_is_stored_and_downloaded_and_audited(world, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login(world.users.admin)
    response = client.post(reverse("units:action_create"), {
        "unit": world.unit.pk, "kind": ActionKind.TALK, "date": TODAY.isoformat(), "summary": "与驻村干部谈心谈话",
        "secretaries": [world.sec_a.pk], "people": 2,
        "evidence": SimpleUploadedFile("谈话记录.png", PNG, content_type="image/png")})
    assert response.status_code == 302
    action = UnitAction.objects.get()
    assert action.evidence_name == "谈话记录.png" and "谈话记录" not in action.evidence.name
    download = client.get(reverse("units:action_evidence", args=[action.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert AuditLog.objects.filter(object_id=str(action.pk), action="create").exists()


def test_a_renamed_file_is_refused_as_evidence(world, login):
    response = login(world.users.admin).post(reverse("units:action_create"), {
        "unit": world.unit.pk, "kind": ActionKind.MEETING, "date": TODAY.isoformat(), "summary": "党组会",
        "evidence": SimpleUploadedFile("纪要.pdf", b"MZ\x90\x00not a pdf")})
    assert response.status_code == 200 and "内容与扩展名不符" in response.content.decode()
    assert not UnitAction.objects.exists()


def test_a_visit_needs_a_village_and_a_date_in_the_past(world, login):
    client = login(world.users.admin)
    response = client.post(reverse("units:action_create"), {
        "unit": world.unit.pk, "kind": ActionKind.VISIT, "date": TODAY.isoformat(), "summary": "调研"})
    assert "须选择到访的村" in response.content.decode()
    response = client.post(reverse("units:action_create"), {
        "unit": world.unit.pk, "kind": ActionKind.MEETING, "summary": "党组会",
        "date": (TODAY + datetime.timedelta(days=3)).isoformat()})
    assert "不能晚于今天" in response.content.decode()
    assert not UnitAction.objects.exists()


def test_funds_support_needs_a_project_with_the_units_money(world, login):
    from tests.projects.conftest import make_project

    project = make_project(world, funds={"unit": (80, 20)}, year=TODAY.year)
    assert project.funds.get(source="unit").unit == world.unit  # the responsible secretary's unit
    other = make_project(world, name="道路硬化", funds={"county": (50, 0)}, year=TODAY.year)
    client = login(world.users.admin)
    data = {"unit": world.unit.pk, "kind": ActionKind.FUNDS, "date": TODAY.isoformat(), "summary": "资金支持"}
    assert "须选择对应的帮扶项目" in client.post(reverse("units:action_create"), data).content.decode()
    response = client.post(reverse("units:action_create"), {**data, "project": other.pk})
    assert response.status_code == 200  # not offered: the unit put no money into it
    response = client.post(reverse("units:action_create"), {**data, "project": project.pk, "amount": "999"})
    assert response.status_code == 302
    action = UnitAction.objects.get()
    assert action.amount is None  # the money is read from the project, never retyped
    page = client.get(reverse("units:unit_page", args=[world.unit.pk])).content.decode()
    assert "香瓜大棚项目" in page and "80.00" in page


def test_targets_are_set_in_bulk_for_every_unit_of_a_level(world, login):
    provincial = f.unit(world.county, "省农业农村厅", level="province")
    f.assign(f.secretary(world.county, provincial, "孙杰"), world.village_a2, world.batch)
    response = login(world.users.admin).post(reverse("units:targets"), {
        "year": TODAY.year, "level": "county", "count_meeting": 2, "count_visit": 4})
    assert response.status_code == 302
    assert set(UnitTarget.objects.filter(kind="visit", count=4).values_list("unit__name", flat=True)) == {
        "县财政局", "县农业农村局"}
    assert not UnitTarget.objects.filter(unit=provincial).exists()
    assert AuditLog.objects.filter(object_repr="县财政局", action="update").exists()


def test_the_overview_flags_units_that_have_not_visited_or_sent_anything(world, login):
    record(world, ActionKind.VISIT, unit=world.unit_b)
    record(world, ActionKind.DONATION, unit=world.unit_b, amount=Decimal("3.5"), summary="捐赠化肥")
    page = login(world.users.admin).get(reverse("units:overview") + "?flag=no_visit").content.decode()
    assert "县财政局" in page and "县农业农村局" not in page
    page = login(world.users.admin).get(reverse("units:overview") + "?flag=no_support").content.decode()
    assert "县财政局" in page and "县农业农村局" not in page


def test_a_township_official_sees_only_their_townships_people_on_a_unit_page(world, login):
    f.assign(f.secretary(world.county, world.unit_b, "钱多"), world.village_a2, world.batch)
    page = login(world.users.town_a).get(reverse("units:unit_page", args=[world.unit_b.pk])).content.decode()
    assert "钱多" in page and "李娜" not in page


def test_only_a_locked_ranking_is_shown_to_leaders(world, login):
    admin = world.users.admin
    rating = services.rating_create(user=admin, region=world.county, year=TODAY.year)
    services.rating_compute(user=admin, rating=rating)
    client = login(world.users.leader)
    assert "尚未锁定发布" in client.get(reverse("units:ranking")).content.decode()
    services.rating_lock(user=admin, rating=rating)
    page = client.get(reverse("units:ranking")).content.decode()
    assert "县财政局" in page and "锁定结果" not in page
    assert Rating.objects.get().status == "locked"


def test_a_bad_year_falls_back_to_this_year(world, login):
    client = login(world.users.admin)
    for year in ("abc", "99999", "-1"):
        assert client.get(reverse("units:unit_page", args=[world.unit.pk]) + f"?year={year}").status_code == 200
        assert client.get(reverse("units:ranking") + f"?year={year}").status_code == 200


def grow(world, n):
    for _ in range(n):
        person = f.secretary(world.county, world.unit_b)
        village = f.village(world.town_b)
        f.assign(person, village, world.batch)
        record(world, ActionKind.VISIT, unit=world.unit_b, villages=[village], secretaries=[person])
        record(world, ActionKind.TALK, unit=world.unit_b, villages=[], secretaries=[person])


@pytest.mark.parametrize("name", ["units:unit_page", "units:overview", "units:action_list", "units:ranking"])
def test_unit_pages_run_a_fixed_number_of_queries(world, login, targets, name, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    args = [world.unit_b.pk] if name == "units:unit_page" else []
    client = login(world.users.admin)
    services.rating_compute(user=world.users.admin,
                            rating=services.rating_create(user=world.users.admin, region=world.county, year=TODAY.year))
    grow(world, 2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse(name, args=args)).status_code == 200
    grow(world, 6)
    with django_assert_max_num_queries(len(small)):
        assert client.get(reverse(name, args=args)).status_code == 200


def test_a_township_official_reads_the_countys_locked_ranking_and_exports_it(world, login):
    admin = world.users.admin
    rating = services.rating_create(user=admin, region=world.county, year=TODAY.year)
    services.rating_compute(user=admin, rating=rating)
    services.rating_lock(user=admin, rating=rating)
    client = login(world.users.town_a)
    assert "县农业农村局" in client.get(reverse("units:ranking")).content.decode()
    assert client.get(reverse("units:ranking_export")).status_code == 200
    assert login(world.users.admin_ls).get(reverse("units:ranking")).content.decode().count("县农业农村局") == 0


def test_a_bad_year_for_a_new_rating_is_a_message_not_an_error(world, login):
    client = login(world.users.admin)
    for year in ("abc", "1800", "9" * 30):
        response = client.post(reverse("units:rating_create"), {"year": year}, follow=True)
        assert response.status_code == 200
    assert not Rating.objects.exists()
    client.post(reverse("units:rating_create"), {"year": TODAY.year})
    response = client.post(reverse("units:rating_create"), {"year": TODAY.year}, follow=True)
    assert "已建立" in response.content.decode() and Rating.objects.count() == 1


def test_exporting_before_the_rating_is_computed_says_so(world, login):
    response = login(world.users.admin).get(reverse("units:ranking_export"), follow=True)
    assert "尚未计算" in response.content.decode()
