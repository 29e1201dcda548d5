"""Review: 学时统计 of a past year judges a person who moved counties against the minimum of the village they
served in that year (the rule the archive and the unit page apply), on the page and in its workbook; the current
year keeps the rule of where they serve now. The query counts do not grow with the rows."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from evaluations.models import TrainingRequirement
from evaluations.services import training
from secretaries.models import Assignment
from tests import factories as f

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year  # 2026 when written
LAST = YEAR - 1


def held(world, topic, region, year, hours, people, user):
    session = training.session_create(user=user, region=region, topic=topic, level="county", organiser="县委组织部",
                                      start_date=datetime.date(year, 6, 1), end_date=datetime.date(year, 6, 4),
                                      hours=Decimal(hours))
    training.attendance_save(session, {p: ("present", Decimal(hours), "") for p in people}, user=user)


def moved_person(world, name, old_village, new_village):
    """Served at old_village (梁山县) the whole of last year, rotated to new_village (金乡县) on 5 January."""
    person = f.secretary(world.other_county, world.unit_c, name)
    f.assign(person, old_village, world.batch_c, role=Assignment.Duty.MEMBER,
             start=datetime.date(LAST - 1, 3, 1), end=datetime.date(LAST, 12, 31), status=Assignment.Status.ROTATED)
    f.assign(person, new_village, world.batch, role=Assignment.Duty.MEMBER, start=datetime.date(YEAR, 1, 5),
             end=datetime.date(YEAR + 1, 12, 31))
    return person


@pytest.fixture
def moved(world):
    """孙浩: 梁山县 (A) last year with 30 学时, 金乡县 (B) this year with 30 学时. A asked 40 last year and 50 this
    year; B asked 20 last year and 24 this year. 赵敏 serves in B since March and served nowhere last year."""
    person = moved_person(world, "孙浩", world.village_c, world.village_a2)
    f.assign(world.sec_idle, f.village(world.town_b, "新村"), world.batch, start=datetime.date(YEAR, 3, 1),
             end=datetime.date(YEAR + 1, 12, 31))
    held(world, "梁山县驻村干部培训班", world.other_county, LAST, "30", [person], world.users.admin_ls)
    held(world, "金乡县驻村干部培训班", world.county, YEAR, "30", [person], world.users.admin)
    for region, year, hours in ((world.other_county, LAST, 40), (world.county, LAST, 20),
                                (world.other_county, YEAR, 50), (world.county, YEAR, 24)):
        TrainingRequirement.objects.create(region=region, year=year, min_hours=Decimal(hours))
    return person


def page(client, year, **extra):
    response = client.get(reverse("evaluations:training_hours"), {"year": year, **extra})
    assert response.status_code == 200
    return response


def workbook(client, year, **extra):
    response = client.get(reverse("evaluations:training_hours_export"), {"year": year, **extra})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    return {row[2]: row for row in rows[1:]}


def test_last_years_page_judges_the_moved_person_against_the_county_served_in(world, login, moved):
    client = login(world.users.admin)
    response = page(client, LAST)
    rows = {a.secretary.name: (a.hours, a.minimum) for a in response.context["object_list"]}
    assert rows["孙浩"] == (Decimal("30"), Decimal("40"))  # 梁山县's rule, not 金乡县's 20
    assert rows["赵敏"] == (Decimal("0"), Decimal("20"))  # served nowhere last year: where they serve now
    assert rows["张伟"] == (Decimal("0"), Decimal("20"))
    text = response.content.decode()
    assert "未达到要求 4 人" in text
    below = page(client, LAST, below="1")
    assert "孙浩" in [a.secretary.name for a in below.context["object_list"]]


def test_this_years_page_keeps_the_rule_of_where_they_serve_now(world, login, moved):
    response = page(login(world.users.admin), YEAR)
    rows = {a.secretary.name: (a.hours, a.minimum) for a in response.context["object_list"]}
    assert rows["孙浩"] == (Decimal("30"), Decimal("24"))  # 金乡县's rule: met (梁山县 asks 50)
    assert "孙浩" not in [a.secretary.name for a in page(login(world.users.admin), YEAR, below="1")
                        .context["object_list"]]


def test_last_years_workbook_holds_the_same_figures(world, login, moved):
    client = login(world.users.admin)
    body = workbook(client, LAST)
    assert body["孙浩"][5:9] == (30, 40, "未达标", 10)
    assert body["赵敏"][5:9] == (0, 20, "未达标", 20)
    assert "孙浩" in workbook(client, LAST, below="1")
    this_year = workbook(client, YEAR)
    assert this_year["孙浩"][5:9] == (30, 24, "达标", None)
    assert "孙浩" not in workbook(client, YEAR, below="1")


def test_the_page_and_the_workbook_agree_with_the_archive_for_every_row(world, login, moved):
    """Someone who served in both counties last year (梁山 until June, 金乡 since July) is judged by the later."""
    late = f.secretary(world.other_county, world.unit_c, "周敏")
    f.assign(late, world.village_c, world.batch_c, role=Assignment.Duty.MEMBER, start=datetime.date(LAST - 1, 3, 1),
             end=datetime.date(LAST, 6, 30), status=Assignment.Status.ROTATED)
    f.assign(late, f.village(world.town_a, "东村"), world.batch, role=Assignment.Duty.MEMBER,
             start=datetime.date(LAST, 7, 1), end=datetime.date(YEAR + 1, 12, 31))
    serving = [a.secretary for a in Assignment.objects.active().select_related("secretary__region")]
    for year in (LAST, YEAR):  # a year on the archive is one with rows (or this year)
        held(world, f"{year}年全市轮训", world.city, year, "2", serving, world.users.admin)
    client = login(world.users.admin)
    for year in (LAST, YEAR):
        shown = {a.secretary: a.minimum for a in page(client, year).context["object_list"]}
        exported = workbook(client, year)
        assert len(shown) == len(exported) == 5
        for person, minimum in shown.items():
            record = training.person_record(person, world.users.admin, today=datetime.date(YEAR, 12, 1))
            archived = next(y["minimum"] for y in record["years"] if y["year"] == year)
            assert minimum == archived, (year, person.name)
            assert exported[person.name][6] == minimum, (year, person.name)
    assert {a.secretary.name: a.minimum for a in page(client, LAST).context["object_list"]}["周敏"] == Decimal("20")


def count(client, url, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
    return len(queries)


@pytest.mark.parametrize("name", ["training_hours", "training_hours_export"])
def test_last_years_figures_run_a_fixed_number_of_queries(world, login, moved, name):
    client = login(world.users.admin)
    url = reverse(f"evaluations:{name}")
    count(client, url, {"year": LAST})
    small = {year: count(client, url, {"year": year}) for year in (LAST, YEAR)}
    for n in range(6):
        person = moved_person(world, f"调动{n}", f.village(world.town_c), f.village(world.town_a))
        held(world, f"梁山县专题班{n}", world.other_county, LAST, "8", [person], world.users.admin_ls)
    large = {year: count(client, url, {"year": year}) for year in (LAST, YEAR)}
    assert large == small
    assert large[LAST] - large[YEAR] == (1 if name == "training_hours_export" else 0)  # the export: places_in
