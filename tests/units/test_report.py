"""The unit rating inside the yearly report, its figures compared with the database, and the scheme's weights."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Avg
from django.urls import reverse

from evaluations.models import Participant
from reports import yearly_report
from tests.reports.test_yearly_report import build_year, workbook
from units import rating as rating_rules
from units import services
from units.models import ActionKind, RatingResult

from .conftest import TODAY, record

pytestmark = pytest.mark.django_db


def test_the_yearly_report_carries_the_unit_ranking_with_the_secretaries_results(world):
    build_year(world)
    admin = world.users.admin
    rating = services.rating_create(user=admin, region=world.county, year=2024)
    services.rating_compute(user=admin, rating=rating)
    book = workbook(yearly_report.build(2024, user=admin))
    rows = {row[3]: row for row in book["派出单位考核"].iter_rows(min_row=2, values_only=True) if row and row[3]}
    mean = Participant.objects.filter(secretary__unit=world.unit, period__year=2024, period__kind="year",
                                      composite__isnull=False).aggregate(a=Avg("composite"))["a"]
    assert mean is not None
    assert Decimal(str(rows["县财政局"][5])) == rating_rules.score(float(mean))
    stored = RatingResult.objects.get(rating=rating, unit=world.unit)
    assert Decimal(str(rows["县财政局"][9])) == stored.total


def test_the_yearly_report_says_when_the_unit_rating_is_missing(world):
    build_year(world)
    book = workbook(yearly_report.build(2024, user=world.users.admin))
    assert "尚未计算" in book["派出单位考核"]["A2"].value


def test_weights_are_data_and_a_missing_part_shares_its_weight(world, login):
    admin = world.users.admin
    client = login(admin)
    response = client.post(reverse("units:scheme"), {"weight_results": 10, "weight_support": 10,
                                                     "weight_actions": 70, "weight_care": 20, "support_full": 50})
    assert "合计应为 100%" in response.content.decode()
    response = client.post(reverse("units:scheme"), {"weight_results": 0, "weight_support": 0,
                                                     "weight_actions": 50, "weight_care": 50, "support_full": 50})
    assert response.status_code == 302
    services.targets_set(user=admin, region=world.county, year=TODAY.year, units=[world.unit_b],
                         counts={ActionKind.VISIT: 4})
    record(world, ActionKind.VISIT, unit=world.unit_b, date=datetime.date(TODAY.year, 1, 1))
    rules = services.scheme_for(world.county).rules()
    rows = {row["unit"].pk: row for row in rating_rules.rows(world.county, TODAY.year, rules)}
    # 1 of 4 visits = 25; nobody cared for → 0 of 1 person = 0; (25 × 50 + 0 × 50) / 100 = 12.5
    assert rows[world.unit_b.pk]["actions_score"] == Decimal("25.00")
    assert rows[world.unit_b.pk]["care_score"] == Decimal("0.00")
    assert rows[world.unit_b.pk]["total"] == Decimal("12.50")
    # 县财政局 has no targets: its action part is left out, the care part carries all the weight
    assert rows[world.unit.pk]["actions_score"] is None and rows[world.unit.pk]["total"] == Decimal("0.00")
