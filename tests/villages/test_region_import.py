"""区划与村 from a file: townships and villages created or updated, never deleted, every bad row named."""

import io

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import AuditLog
from villages.importers import RegionImporter
from villages.models import Region, Village, VillageYearStat

pytestmark = pytest.mark.django_db

HEADER = ("镇（街道）,镇（街道）代码,村（社区）,村代码,党组织软弱涣散村,需选派第一书记,经度,纬度,"
          "年度,村集体收入（万元）,户数,人口,党员数")
SHORT = "镇（街道）,镇（街道）代码,村（社区）,村代码"
WITH_COUNTY = "县（市、区）," + SHORT


def run(user, lines, commit=True, header=HEADER):
    text = "\n".join([header, *lines]) + "\n"
    return RegionImporter(user).run(text.encode("utf-8"), "区划.csv", commit=commit)


def test_a_new_county_gets_its_townships_villages_and_figures(world):
    plan = run(world.users.admin, [
        "羊山镇,370828105000,孙楼村,370828105201,是,是,116.301,35.02,2024,12.5,320,1180,41",
        "羊山镇,,夏庄村,,否,否,,,2024,8,210,,26",
        "羊山镇,,夏庄村,,否,否,,,2025,10.2,212,,27",
        "胡集镇,,张庄村,,,,,,,,,,",
    ])
    assert plan.problems == [] and plan.written
    assert plan.counts["new"] == 4
    township = Region.objects.get(name="羊山镇", parent=world.county)
    assert township.code == "370828105000" and township.path == f"{world.county.path}{township.pk}/"
    sun = Village.objects.get(region__name="孙楼村")
    assert sun.region.parent == township and sun.region.code == "370828105201"
    assert sun.is_weak_branch and sun.needs_secretary and str(sun.latitude) == "35.020000"
    assert sun.region.path == f"{township.path}{sun.region.pk}/"
    figures = VillageYearStat.objects.get(village=sun, year=2024)
    assert (figures.collective_income, figures.households, figures.population, figures.party_members) == (
        pytest.approx(12.5), 320, 1180, 41)
    assert VillageYearStat.objects.filter(village__region__name="夏庄村").count() == 2
    # 张庄村 goes under the existing 胡集镇, which is not duplicated.
    assert Region.objects.filter(name="胡集镇").count() == 1
    assert Village.objects.get(region__name="张庄村").region.parent == world.town_a
    assert Village.objects.for_user(world.users.town_a).filter(region__name="张庄村").exists()
    assert AuditLog.objects.filter(object_repr="羊山镇", action="create").exists()


def test_reimport_updates_what_the_file_says_and_deletes_nothing(world):
    run(world.users.admin, ["羊山镇,,孙楼村,,是,是,,,2024,12.5,320,,41", "羊山镇,,夏庄村,,否,否,,,,,,,"])
    villages = Village.objects.count()
    plan = run(world.users.admin, ["羊山镇,,孙楼村,,否,是,,,2024,15,321,,42"], commit=False)
    assert plan.counts == {**plan.counts, "new": 0, "updated": 1, "unchanged": 0}
    plan = run(world.users.admin, ["羊山镇,,孙楼村,,否,是,,,2024,15,321,,42"])
    assert plan.written
    sun = Village.objects.get(region__name="孙楼村")
    assert not sun.is_weak_branch
    assert VillageYearStat.objects.get(village=sun, year=2024).collective_income == 15
    assert Village.objects.count() == villages  # 夏庄村, absent from the second file, is still there
    again = run(world.users.admin, ["羊山镇,,孙楼村,,否,是,,,2024,15,321,,42"], commit=False)
    assert again.counts["unchanged"] == 1


def test_a_file_without_tag_columns_leaves_the_tags_alone(world):
    world.village_a.is_weak_branch = True
    world.village_a.save()
    plan = run(world.users.admin, ["胡集镇,,王庄村,,116.3,35.1"], header=SHORT + ",经度,纬度")
    assert plan.written
    world.village_a.refresh_from_db()
    assert world.village_a.is_weak_branch and str(world.village_a.longitude) == "116.300000"


def test_every_bad_row_is_named_and_nothing_is_written(world):
    world.village_b.region.code = "370828103201"
    world.village_b.region.save()
    before = (Region.objects.count(), VillageYearStat.objects.count())
    plan = run(world.users.admin, [
        "羊山镇,12345,孙楼村,,,,,,,,,,",            # 2: code not 12 digits
        "羊山镇,,夏庄村,370828103201,,,,,,,,,",     # 3: 前进村's code
        "羊山镇,,刘庄村,,也许,,,,,,,,",             # 4: not 是/否
        "羊山镇,,李庄村,,,,116.3,,,,,,",            # 5: one coordinate
        "羊山镇,,周庄村,,,,,,2024,,300,,20",        # 6: figures without income
        "羊山镇,,吴庄村,,,,,,二〇二四,1,1,,1",      # 7: year
        ",,无镇村,,,,,,,,,,",                      # 8: no township
        "羊山镇,,孙楼村,,,,,,,,,,",                 # 9: ok
        "羊山镇,,孙楼村,,,,,,,,,,",                 # 10: duplicate of row 9
    ])
    rows = {(p.row, p.column) for p in plan.problems}
    assert {(2, "镇（街道）代码"), (3, "村代码"), (4, "党组织软弱涣散村"), (5, "纬度"), (6, "村集体收入（万元）"),
            (7, "年度"), (8, "镇（街道）"), (10, "村（社区）")} <= rows
    assert not plan.written
    assert (Region.objects.count(), VillageYearStat.objects.count()) == before
    assert any("前进村" in p.reason for p in plan.problems if p.row == 3)


def test_a_county_admin_cannot_import_into_another_county(world):
    plan = run(world.users.admin, ["梁山县,馆驿镇,,新村,"], header=WITH_COUNTY)
    assert [p.reason for p in plan.problems] == ["您只能导入金乡县的区划和村。"]
    assert not Region.objects.filter(name="新村").exists()


def test_a_city_admin_names_the_county_and_only_their_own(world):
    from accounts.roles import Role
    from tests import factories as f

    city_admin = f.user("city_admin", Role.COUNTY_ADMIN, world.city)
    plan = run(city_admin, ["梁山县,馆驿镇,,新村,", ",馆驿镇,,二村,", "曲阜市,某镇,,三村,"], header=WITH_COUNTY)
    assert {(p.row, p.reason) for p in plan.problems} == {
        (3, "市级用户导入时请填写县（市、区）。"), (4, "在您的管辖范围内找不到“曲阜市”。")}
    plan = run(city_admin, ["梁山县,馆驿镇,,新村,"], header=WITH_COUNTY)
    assert plan.written and Village.objects.get(region__name="新村").region.parent == world.town_c


def test_township_officials_and_leaders_may_not_import_regions(world, login):
    for user in (world.users.town_a, world.users.leader):
        response = login(user).get(reverse("excel:import_start", args=["regions"]))
        assert response.status_code == 403


def test_the_template_is_a_workbook_with_the_columns_and_instructions(world, login):
    response = login(world.users.admin).get(reverse("excel:import_template", args=["regions"]))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content
                                                        if response.streaming else [response.content])))
    headers = [c.value for c in workbook.worksheets[0][1]]
    assert "*镇（街道）" in headers and "*村（社区）" in headers and "村集体收入（万元）" in headers
    assert "填表说明" in workbook.sheetnames


def test_the_web_flow_previews_then_confirms(world, login):
    client = login(world.users.admin)
    text = (HEADER + "\n羊山镇,,孙楼村,,是,是,,,2024,12.5,320,,41\n").encode("utf-8")
    upload = io.BytesIO(text)
    upload.name = "区划.csv"
    response = client.post(reverse("excel:import_start", args=["regions"]), {"file": upload})
    assert response.status_code == 302
    detail = client.get(response["Location"])
    assert "羊山镇 · 孙楼村" in detail.content.decode()
    assert not Region.objects.filter(name="孙楼村").exists()
    confirm = response["Location"].rstrip("/") + "/confirm/"
    client.post(confirm)
    assert Village.objects.filter(region__name="孙楼村", region__parent__name="羊山镇").exists()


def test_a_code_used_in_another_county_is_refused_without_naming_that_village(world):
    world.village_c.region.code = "370832001201"
    world.village_c.region.save()
    plan = run(world.users.admin, ["羊山镇,,孙楼村,370832001201"], header=SHORT)
    assert [p.reason for p in plan.problems] == ["代码 370832001201 已被其他区域使用。"]


@pytest.mark.parametrize("value", ["Infinity", "-inf", "NaN", "sNaN", "1e999999999", "2024.5", "1e3"])
def test_a_year_that_is_not_a_year_is_a_row_problem_not_a_crash(world, value):
    # int() of an infinite Decimal raises OverflowError, of a NaN ValueError, and of 1e999999999 builds a
    # billion-digit number: each is refused before any conversion.
    plan = run(world.users.admin, [f"羊山镇,,吴庄村,,,,,,{value},1,1,,1"])
    assert [(p.row, p.column) for p in plan.problems] == [(2, "年度")]
    assert "2000 到 2100" in plan.problems[0].reason and not plan.written
