"""派驻记录 pages count exactly up to a thousand rows; above that (PostgreSQL) the page says "约 N 条（估计）" from the
planner's estimate rather than counting a province's 25,000 assignments on every view."""

import pytest
from django.db import connection
from django.urls import reverse

from secretaries import paging
from secretaries.models import Assignment
from tests import factories as f

pytestmark = pytest.mark.django_db


def grow(world, n):
    for _ in range(n):
        f.assign(f.secretary(world.county, world.unit), f.village(world.town_a), world.batch)


def test_a_list_under_the_limit_is_counted_exactly(world, login):
    grow(world, 3)
    page = login(world.users.admin).get(reverse("secretaries:assignment_list"))
    assert page.context["paginator"].count == 5 and not page.context["paginator"].estimated
    assert "共 5 条" in page.content.decode()


def test_a_list_past_the_limit_shows_an_estimate_on_postgresql(world, login, monkeypatch):
    monkeypatch.setattr(paging, "EXACT_UP_TO", 3)
    grow(world, 6)
    page = login(world.users.admin).get(reverse("secretaries:assignment_list"))
    paginator = page.context["paginator"]
    if connection.vendor == "postgresql":
        assert paginator.estimated and paginator.count >= 4
        assert f"约 {paginator.count} 条（估计）" in page.content.decode()
    else:  # SQLite has no plan estimate: it counts
        assert not paginator.estimated and paginator.count == 8


def test_the_estimate_follows_the_filter_and_the_scope(world, login, monkeypatch):
    monkeypatch.setattr(paging, "EXACT_UP_TO", 3)
    grow(world, 6)
    page = login(world.users.town_b).get(reverse("secretaries:assignment_list"))
    assert page.context["paginator"].count == 1 and "共 1 条" in page.content.decode()  # 前进村 only: exact
    rows = Assignment.objects.for_user(world.users.admin).filter(status="active")
    assert paging.EstimatedPaginator(rows.order_by("pk"), 50).page(1).object_list[0] == rows.order_by("pk").first()
