"""Review: the planner's estimate of the 派驻记录 list can be short of the rows there are (statistics not yet
updated after a large import): every row must still be reachable, page by page."""

import pytest
from django.db import connection
from django.urls import reverse

from secretaries import paging
from tests import factories as f

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="estimates are PostgreSQL's")]


def test_rows_past_a_short_estimate_are_reached_by_the_next_page(world, login, monkeypatch):
    monkeypatch.setattr(paging, "EXACT_UP_TO", 3)
    monkeypatch.setattr(paging, "planned_rows", lambda queryset: 4)  # stale statistics: 4 rows expected
    for _ in range(58):
        f.assign(f.secretary(world.county, world.unit), f.village(world.town_a), world.batch)
    client = login(world.users.admin)
    first = client.get(reverse("secretaries:assignment_list"))
    assert first.context["page_obj"].has_next()
    second = client.get(reverse("secretaries:assignment_list"), {"page": 2})
    assert second.status_code == 200 and len(second.context["object_list"]) == 10  # 60 rows, 50 a page
    seen = {a.pk for a in first.context["object_list"]} | {a.pk for a in second.context["object_list"]}
    assert len(seen) == 60
    assert client.get(reverse("secretaries:assignment_list"), {"page": 3}).status_code == 404
