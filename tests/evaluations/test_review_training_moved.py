"""Review: a secretary who moved counties is judged, for a year they served elsewhere, against the minimum of the
county they served in that year — not against the rule of the county they serve in now."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluations.models import TrainingRequirement
from evaluations.services import training
from reports.archive import training_rows
from secretaries.models import Assignment
from tests import factories as f

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


@pytest.fixture
def moved(world):
    """孙浩 served in 梁山县 until last year's end (16 学时 there, 梁山 asked 40), and serves in 金乡县 since January
    (金乡 asked 12 last year, 30 this year)."""
    person = f.secretary(world.other_county, world.unit_c, "孙浩")
    f.assign(person, world.village_c, world.batch_c, role=Assignment.Duty.MEMBER,
             start=datetime.date(YEAR - 2, 3, 1), end=datetime.date(YEAR - 1, 12, 31),
             status=Assignment.Status.ROTATED)
    session = training.session_create(user=world.users.admin_ls, region=world.other_county, topic="梁山县培训班",
                                      level="county", organiser="梁山县委组织部",
                                      start_date=datetime.date(YEAR - 1, 6, 1), end_date=datetime.date(YEAR - 1, 6, 2),
                                      hours=Decimal("16"))
    training.attendance_save(session, {person: ("present", Decimal("16"), "")}, user=world.users.admin_ls)
    f.assign(person, world.village_a2, world.batch, start=datetime.date(YEAR, 1, 5),
             end=datetime.date(YEAR + 1, 12, 31))
    TrainingRequirement.objects.create(region=world.other_county, year=YEAR - 1, min_hours=Decimal("40"))
    TrainingRequirement.objects.create(region=world.county, year=YEAR - 1, min_hours=Decimal("12"))
    TrainingRequirement.objects.create(region=world.county, year=YEAR, min_hours=Decimal("30"))
    return person


def test_last_years_hours_are_judged_against_the_county_served_in_last_year(world, login, moved):
    response = login(world.users.admin).get(reverse("reports:archive", args=[moved.pk]))
    years = {y["year"]: (y["hours"], y["minimum"], y["below"]) for y in response.context["training"]["years"]}
    assert years == {YEAR - 1: (Decimal("16"), Decimal("40"), True), YEAR: (Decimal("0"), Decimal("30"), True)}
    assert (str(YEAR - 1), "1", "16", "40", "未达标（差 24 学时）") in training_rows(moved, world.users.admin)


def test_the_unit_page_of_last_year_judges_against_the_county_served_in_last_year(world, login, moved):
    from accounts.roles import Role

    city_admin = f.user("city_admin", Role.COUNTY_ADMIN, world.city)
    page = login(city_admin).get(reverse("units:unit_page", args=[world.unit_c.pk]), {"year": YEAR - 1})
    person = next(p for p in page.context["people"] if p.pk == moved.pk)
    assert (person.training_hours, person.training_minimum, person.training_below) == (Decimal("16"),
                                                                                      Decimal("40"), True)
