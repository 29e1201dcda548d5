"""Every list, dashboard and admin list runs a fixed number of queries, however many rows there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from secretaries.models import WorkTeam

from . import factories as f

pytestmark = pytest.mark.django_db

PAGES = [
    "dashboards:county",
    "secretaries:secretary_list",
    "villages:village_list",
    "secretaries:assignment_list",
    "secretaries:unit_list",
    "secretaries:team_list",
    "admin:secretaries_secretary_changelist",
    "admin:secretaries_assignment_changelist",
    "admin:villages_village_changelist",
    "admin:secretaries_dispatchunit_changelist",
    "admin:accounts_auditlog_changelist",
]
MAX_QUERIES = 14


def grow(w, n):
    """Add n staffed villages (with secretary, unit and team membership) to township A."""
    team, _ = WorkTeam.objects.get_or_create(name="省派工作队", region=w.county, dispatch_level="province")
    for _ in range(n):
        unit = f.unit(w.county)
        village = f.village(w.town_a, needs_secretary=True, is_weak_economy=True)
        secretary = f.secretary(w.county, unit)
        f.assign(secretary, village, w.batch)
        team.members.add(secretary)


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url_name", PAGES)
@pytest.mark.parametrize("role", ["admin", "town_a"])
def test_query_count_does_not_grow_with_rows(world, login, url_name, role, django_assert_max_num_queries):
    if role == "town_a" and url_name.startswith("admin:") and "auditlog" in url_name:
        pytest.skip("the audit log is for county staff only")
    client = login(getattr(world.users, role))
    url = reverse(url_name)
    grow(world, 3)
    small = count(client, url)
    grow(world, 12)
    with django_assert_max_num_queries(MAX_QUERIES):
        large = count(client, url)
    assert large == small
