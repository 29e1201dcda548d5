"""The demo county has what the unit pages need: actions near 泗水's figures, targets, ratings, alliance projects."""

import datetime

import pytest
from django.db.models import Count

from alliances import totals
from alliances.models import Alliance, LeftOut
from demo.seed import seed
from units.models import Rating, UnitAction, UnitTarget

pytestmark = pytest.mark.django_db


def test_the_demo_county_has_unit_actions_targets_ratings_and_alliance_projects():
    today = datetime.date(2026, 6, 30)
    seed(seed=2024, today=today, log=lambda *a: None)
    kinds = dict(UnitAction.objects.values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    assert 80 <= kinds["meeting"] <= 200 and 150 <= kinds["report"] <= 300 and 40 <= kinds["visit"] <= 150
    assert UnitTarget.objects.filter(year=2026, kind="visit", count=4).exists()
    assert set(Rating.objects.values_list("year", "status")) == {(2025, "locked"), (2026, "computed")}
    master = Alliance.objects.get(kind="master")
    figures = totals.totals(master)
    assert figures["projects"] == 7 and figures["funds"] == 3200 and figures["jobs"] >= 400
    assert LeftOut.objects.exists()
    assert list(Alliance.objects.filter(kind="sub").order_by("number").values_list("number", flat=True)) == [
        1, 2, 3, 4, 5, 6]
