"""The unit contact's journey and county staff's: people and targets, a visit recorded, the ranking moves,
the ranking exported and found in the yearly report."""

import io

import openpyxl
import pytest
from django.urls import reverse

from units import services
from units.models import ActionKind, Rating, RatingResult, UnitAction

from .conftest import TODAY, record

pytestmark = pytest.mark.django_db


def test_a_unit_contact_lands_on_their_unit_and_sees_their_people_and_targets(world, login, targets):
    client = login(world.users.contact)
    home = client.get(reverse("dashboards:home"))
    unit_page = reverse("units:unit_page", args=[world.unit_b.pk])
    assert home.status_code == 200 and unit_page in home.content.decode()  # home: what waits, then the unit
    page = client.get(unit_page).content.decode()
    assert "县农业农村局" in page and "李娜" in page
    assert "张伟" not in page  # another unit's person
    assert "领导到村调研走访" in page and "还差 4 次" in page


def test_a_unit_contact_records_a_visit_and_the_ranking_moves(world, login, targets):
    admin = world.users.admin
    record(world, ActionKind.VISIT, unit=world.unit, villages=[world.village_a])
    rating = services.rating_create(user=admin, region=world.county, year=TODAY.year)
    services.rating_compute(user=admin, rating=rating)
    before = {r.unit_id: r for r in RatingResult.objects.filter(rating=rating)}
    assert before[world.unit.pk].rank_level == 1 and before[world.unit_b.pk].rank_level == 2

    client = login(world.users.contact)
    response = client.post(reverse("units:action_create"), {
        "unit": world.unit_b.pk, "kind": ActionKind.VISIT, "date": TODAY.isoformat(),
        "villages": [world.village_b.pk], "secretaries": [world.sec_b.pk], "summary": "局党组书记到前进村调研",
        "people": 0})
    assert response.status_code == 302, response.content.decode()[:2000]
    for _ in range(2):
        record(world, ActionKind.VISIT, unit=world.unit_b, user=world.users.contact)
    saved = UnitAction.objects.filter(unit=world.unit_b).first()
    assert saved.region == world.county and saved.recorded_by == world.users.contact

    county = login(admin)
    assert county.post(reverse("units:rating_compute", args=[rating.pk])).status_code == 302
    after = {r.unit_id: r for r in RatingResult.objects.filter(rating=rating)}
    assert after[world.unit_b.pk].visits == 3
    assert after[world.unit_b.pk].rank_level == 1
    assert after[world.unit_b.pk].total > before[world.unit_b.pk].total


def test_county_staff_export_the_ranking_and_find_it_in_the_yearly_report(world, login, targets):
    from reports.unit_report import for_year

    admin = world.users.admin
    record(world, ActionKind.VISIT, unit=world.unit_b)
    client = login(admin)
    client.post(reverse("units:rating_create"), {"year": TODAY.year})
    rating = Rating.objects.get(region=world.county, year=TODAY.year)
    assert rating.status == Rating.Status.COMPUTED
    response = client.get(reverse("units:ranking_export") + f"?year={TODAY.year}")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book["派出单位考核"]
    names = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True) if row and row[3]]
    assert "县农业农村局" in names and "县财政局" in names
    report = for_year(TODAY.year, admin)
    assert report is not None and report.sheet().title == "派出单位考核"


def test_a_locked_rating_does_not_move(world, login, targets):
    admin = world.users.admin
    rating = services.rating_create(user=admin, region=world.county, year=TODAY.year)
    services.rating_compute(user=admin, rating=rating)
    services.rating_lock(user=admin, rating=rating)
    record(world, ActionKind.VISIT, unit=world.unit_b)
    response = login(admin).post(reverse("units:rating_compute", args=[rating.pk]), follow=True)
    assert "已锁定" in response.content.decode()
    assert RatingResult.objects.get(rating=rating, unit=world.unit_b).visits == 0


def test_the_unit_page_shows_published_year_results_with_their_grade(world, login):
    from tests.reports.test_yearly_report import build_year

    build_year(world)
    page = login(world.users.admin).get(reverse("units:unit_page", args=[world.unit.pk]) + "?year=2024")
    html = page.content.decode()
    assert "张伟" in html and ("称职" in html or "优秀" in html)
    assert "competent" not in html and "excellent" not in html
