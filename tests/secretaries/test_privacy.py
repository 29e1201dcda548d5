"""What each role is shown of a person, and that no flow reveals more (issue 12 §1, §2).

The role × data table these tests check is in docs/readme/pdata.md.
"""

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditLog
from secretaries import idcard
from secretaries.exports import ROSTER_HEADERS
from secretaries.importers import RosterImporter
from secretaries.models import Assignment, Secretary
from secretaries.privacy import PHONE_HIDDEN
from tests import factories as f

from .test_roster_import import person, xlsx

pytestmark = pytest.mark.django_db
COLUMN = {header: i for i, header in enumerate(ROSTER_HEADERS)}
MINIMUM_CANDIDATES = 10_000


def detail(client, secretary):
    return client.get(reverse("secretaries:secretary_detail", args=[secretary.pk])).content.decode()


def export_rows(client):
    response = client.get(reverse("secretaries:secretary_export"))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}


def candidates(mask, birth_year, gender, address_code):
    """Every valid 身份证号 consistent with what was shown. Generous to the attacker: they are handed the real
    6-digit birthplace code (the mask shows only its first two digits)."""
    assert address_code.startswith(mask[:2])
    count, day = 0, datetime.date(birth_year, 1, 1)
    while day.year == birth_year:
        for sequence in range(1000):
            if (sequence % 2 == 1) != (gender == "男"):
                continue
            first17 = f"{address_code}{day:%Y%m%d}{sequence:03d}"
            if idcard.check_char(first17) == mask[-1]:
                count += 1
        day += datetime.timedelta(days=1)
    return count


# --- The mask ----------------------------------------------------------------------------------------------


def test_a_township_officials_page_and_export_leave_at_least_10000_candidate_numbers(world, login):
    client = login(world.users.town_a)
    number = world.sec_a.id_number
    page = detail(client, world.sec_a)
    mask = re.search(r'<dd class="mono">([0-9X*]{18})</dd>', page).group(1)
    year = int(re.search(r"<dt>出生日期</dt><dd>(\d{4})年</dd>", page).group(1))
    gender = re.search(r"<dt>性别</dt><dd>([男女])</dd>", page).group(1)
    assert mask == "37***************" + number[-1] and mask.count("*") == 15
    assert "3月" not in page and number[6:14] not in page and number[10:14] not in page
    found = candidates(mask, year, gender, number[:6])
    print(f"candidates left by the township view: {found}")
    assert found >= MINIMUM_CANDIDATES

    row = export_rows(client)["张伟"]
    assert (row[COLUMN["身份证号"]], row[COLUMN["出生日期"]], row[COLUMN["性别"]]) == (mask, f"{year}年", gender)
    assert candidates(row[COLUMN["身份证号"]], year, gender, number[:6]) == found


def test_the_admin_site_shows_the_same_mask(world, login):
    page = login(world.users.town_a).get(reverse("admin:secretaries_secretary_change", args=[world.sec_a.pk]))
    text = page.content.decode()
    assert idcard.mask(world.sec_a.id_number) in text and world.sec_a.id_number not in text


def test_county_staff_and_the_person_themself_see_everything(world, login):
    number = world.sec_a.id_number
    assert number in detail(login(world.users.admin), world.sec_a)
    own = detail(login(world.users.secretary), world.sec_a)
    assert number in own and "1985年3月14日" in own


# --- Import: no oracle -------------------------------------------------------------------------------------


def test_a_township_official_cannot_import_the_roster_at_all(world, login, settings, tmp_path):
    # The attack of issue 12: the 2–4 numbers a masked number and a birth month allowed, uploaded to see which
    # one the preview calls known. Now the upload itself is refused, as adding a person on /secretaries/new/ is.
    settings.MEDIA_ROOT = tmp_path
    real = world.sec_a.id_number
    guesses = [real] + [idcard.make(real[:6], datetime.date(1985, 3, day), int(real[14:17])) for day in (15, 16)]
    client = login(world.users.town_a)
    response = client.post(reverse("excel:import_start", args=["roster"]), {
        "file": SimpleUploadedFile("花名册.xlsx", xlsx([person("张伟", number) for number in guesses]))})
    assert response.status_code == 403
    assert client.get(reverse("secretaries:secretary_create")).status_code == 403
    assert not RosterImporter.may_import(world.users.town_a)
    assert "导入花名册" not in client.get(reverse("secretaries:secretary_list")).content.decode()


def test_another_countys_number_is_planned_exactly_like_an_unknown_one(world):
    # 梁山县 staff see full numbers of their own county only: a number registered in 金乡县 must not be told apart
    # from one registered nowhere, whatever the preview shows.
    f.village(world.town_c, "新村")

    def preview(number):
        row = person("李娜", number, unit="梁山县水务局", township="馆驿镇", village="新村")
        return RosterImporter(world.users.admin_ls).run(xlsx([row]), "花名册.xlsx", commit=False)

    real, unknown = preview(world.sec_b.id_number), preview(f.id_number())
    assert real.problems == unknown.problems == [] and real.notes == unknown.notes
    assert real.counts == unknown.counts and real.counts["new"] == 1
    assert [row[3:] for row in real.new] == [row[3:] for row in unknown.new]  # all but the number itself


def test_nothing_says_a_number_is_registered_outside_the_importers_region(world):
    f.village(world.town_c, "新村")
    rows = [person("李娜", world.sec_b.id_number, unit="梁山县水务局", township="馆驿镇", village="新村")]
    plan = RosterImporter(world.users.admin_ls).run(xlsx(rows), "花名册.xlsx", commit=True)
    text = " ".join(p.reason for p in plan.problems)
    assert "管辖范围以外" not in text and "金乡" not in text and "鸡黍" not in text and "李娜" not in text
    assert not plan.written and Secretary.objects.filter(name="李娜").count() == 1


# --- Audit of full numbers ---------------------------------------------------------------------------------


def views_of(secretary):
    return AuditLog.objects.filter(action="view", object_id=str(secretary.pk))


def test_showing_a_full_number_leaves_an_audit_record(world, login):
    client = login(world.users.admin)
    detail(client, world.sec_b)
    client.get(reverse("secretaries:secretary_update", args=[world.sec_b.pk]))
    records = list(views_of(world.sec_b).order_by("pk"))
    assert len(records) == 2 and {r.user for r in records} == {world.users.admin}
    assert records[0].ip_address == "127.0.0.1" and records[0].object_repr == "李娜"
    assert records[0].changes["页面"] == f"/secretaries/{world.sec_b.pk}/"
    assert world.sec_b.id_number not in str(records[0].changes)


def test_masked_views_and_ones_own_page_are_not_audited_as_full_number_views(world, login):
    detail(login(world.users.town_b), world.sec_b)
    detail(login(world.users.secretary), world.sec_a)
    assert not AuditLog.objects.filter(action="view").exists()


def test_an_export_with_full_numbers_names_whose_they_were(world, login):
    export_rows(login(world.users.admin))
    record = AuditLog.objects.get(action="export")
    assert record.user == world.users.admin and record.changes["完整身份证号人数"] == 3
    assert sorted(record.changes["人员编号"]) == sorted([world.sec_a.pk, world.sec_b.pk, world.sec_idle.pk])
    export_rows(login(world.users.town_a))  # masked: nothing to record
    assert AuditLog.objects.filter(action="export").count() == 1


# --- Minimised by role -------------------------------------------------------------------------------------


def test_leaders_and_unit_contacts_see_no_phones(world, login):
    for user, person_ in ((world.users.leader, world.sec_b), (world.users.contact, world.sec_b)):
        client = login(user)
        page = detail(client, person_)
        assert "13805371234" not in page and PHONE_HIDDEN in page
        assert "13805371234" not in client.get(reverse("secretaries:secretary_list")).content.decode()
        row = export_rows(client)["李娜"]
        assert row[COLUMN["联系电话"]] == PHONE_HIDDEN
    township = login(world.users.town_b)
    assert "13805371234" in detail(township, world.sec_b)
    assert export_rows(township)["李娜"][COLUMN["联系电话"]] == "13805371234"


def test_a_leader_cannot_find_a_person_by_phone(world, login):
    client = login(world.users.leader)
    page = client.get(reverse("secretaries:secretary_list"), {"q": "13805371234"}).content.decode()
    assert "没有符合条件的人员" in page
    town = login(world.users.town_b).get(reverse("secretaries:secretary_list"), {"q": "138-0537-1234"})
    assert "李娜" in town.content.decode()


def test_only_county_staff_find_a_person_by_the_whole_id_number(world, login):
    number = world.sec_b.id_number
    assert "李娜" in login(world.users.admin).get(reverse("secretaries:secretary_list"), {"q": number}).content.decode()
    town = login(world.users.town_b).get(reverse("secretaries:secretary_list"), {"q": number}).content.decode()
    assert "没有符合条件的人员" in town


# --- Names, end dates, links -------------------------------------------------------------------------------


def test_a_chinese_name_is_stored_without_inner_spaces_and_found(world, login):
    client = login(world.users.admin)
    data = {"name": "王  磊", "id_number": f.id_number(), "ethnicity": "汉族", "political_status": "cpc",
            "education": "bachelor", "phone": "13905370001", "unit": world.unit.pk, "post": "", "rank": "",
            "region": world.county.pk}
    client.post(reverse("secretaries:secretary_create"), data)
    assert Secretary.objects.filter(name="王磊").exists()
    plan = RosterImporter(world.users.admin).run(xlsx([person("刘　 洋", f.id_number())]), "花名册.xlsx", commit=True)
    assert plan.written and Secretary.objects.filter(name="刘洋").exists()
    page = client.get(reverse("secretaries:secretary_list"), {"q": "王 磊"}).content.decode()
    assert "王磊" in page


def test_a_new_assignment_without_an_end_date_ends_with_its_batch(world, login):
    from secretaries.services import assignment_create

    person_ = f.secretary(world.county, world.unit)
    made = assignment_create(user=world.users.admin, secretary=person_, village=world.village_a2, batch=world.batch,
                             dispatch_level="county", start_date=datetime.date(2025, 3, 1))
    assert made.end_date == world.batch.end_date
    row = person("孙丽", f.id_number(), village="李楼村", 结束日期="")
    Assignment.objects.filter(pk=made.pk).update(status="recalled")
    plan = RosterImporter(world.users.admin).run(xlsx([row]), "花名册.xlsx", commit=True)
    assert plan.written, plan.problems
    assert Assignment.objects.get(secretary__name="孙丽").end_date == world.batch.end_date


def test_a_person_who_moved_out_of_sight_is_named_without_a_link(world, login):
    # 张伟 served in 王庄村 (胡集镇) and now serves in 前进村 (鸡黍镇): 胡集镇 keeps the history, not the link.
    moved = f.secretary(world.county, world.unit_b, "周杰")
    f.assign(moved, world.village_a2, world.batch, status=Assignment.Status.ROTATED, end=datetime.date(2024, 12, 31))
    f.assign(moved, f.village(world.town_b, "新庄村"), world.batch, start=datetime.date(2025, 1, 1))
    client = login(world.users.town_a)
    page = client.get(reverse("secretaries:assignment_list")).content.decode()
    assert "周杰" in page and moved.get_absolute_url() not in page
    assert client.get(moved.get_absolute_url()).status_code == 404
    assert world.sec_a.get_absolute_url() in page  # still in sight: linked


def test_the_audit_trail_keeps_no_phone_or_number_of_a_person(world, login):
    client = login(world.users.admin)
    number = f.id_number()
    data = {"name": "孙丽", "id_number": number, "ethnicity": "汉族", "political_status": "cpc",
            "education": "bachelor", "phone": "13905370001", "unit": world.unit.pk, "post": "", "rank": "",
            "region": world.county.pk}
    client.post(reverse("secretaries:secretary_create"), data)
    made = Secretary.objects.get(name="孙丽")
    client.post(reverse("secretaries:secretary_update", args=[made.pk]), {**data, "phone": "13905370002"})
    trail = str(list(AuditLog.objects.filter(object_id=str(made.pk)).values_list("changes", flat=True)))
    assert "1390537000" not in trail and number not in trail and made.id_number_hash not in trail
    assert "phone" in trail  # that it changed is recorded

