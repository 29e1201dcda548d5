"""Every list, dashboard and admin list runs a fixed number of queries, however many rows there are."""

import datetime

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
    "admin:accounts_user_changelist",
    "admin:villages_villageyearstat_add",
    "units:overview",
    "presence:board",
    "tasks:progress",
    "accounts:user_list",
]
MAX_QUERIES = 14
# The dashboard gathers a few fixed queries from each part of the programme (tasks, projects, presence, logs).
PAGE_MAX_QUERIES = {"dashboards:county": 36}
MAX_OBJECT_PAGE_QUERIES = 28  # admin change forms: one query per choice list and inline


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
    client = login(getattr(world.users, role))
    url = reverse(url_name)
    if role == "town_a" and (url_name.startswith("admin:accounts") or url_name == "accounts:user_list"):
        # User accounts and the audit log are the county's business: a township official is refused.
        assert client.get(url).status_code == 403
        return
    grow(world, 3)
    count(client, url)  # warm per-process caches (content types, permissions) first
    small = count(client, url)
    grow(world, 12)
    with django_assert_max_num_queries(PAGE_MAX_QUERIES.get(url_name, MAX_QUERIES)):
        large = count(client, url)
    assert large == small


def object_pages(w):
    team = WorkTeam.objects.get(name="省派工作队")
    return [
        reverse("secretaries:secretary_detail", args=[w.sec_a.pk]),
        reverse("villages:village_detail", args=[w.village_a.pk]),
        reverse("secretaries:unit_detail", args=[w.unit.pk]),
        reverse("secretaries:team_detail", args=[team.pk]),
        reverse("secretaries:assignment_create"),
        reverse("admin:villages_village_change", args=[w.village_a.pk]),
        reverse("admin:secretaries_secretary_change", args=[w.sec_a.pk]),
        reverse("admin:secretaries_assignment_change", args=[w.asg_a.pk]),
        reverse("admin:secretaries_workteam_change", args=[team.pk]),
    ]


def grow_history(w, n):
    """n more past assignments of sec_a, year stats of village_a, and secretaries of unit in the team."""
    first_year = 2000 + w.village_a.year_stats.count()
    for year in range(first_year, first_year + n):
        w.village_a.year_stats.create(year=year, collective_income=12, households=300, party_members=40)
    for _ in range(n):
        f.assign(f.secretary(w.county, w.unit), f.village(w.town_a), w.batch, status="rotated")


def test_object_pages_run_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    client = login(world.users.admin)
    grow(world, 2)
    grow_history(world, 2)
    for url in object_pages(world):
        count(client, url)  # warm per-process caches (content types, permissions) first
    small = {url: count(client, url) for url in object_pages(world)}
    grow(world, 8)
    grow_history(world, 8)
    with django_assert_max_num_queries(MAX_OBJECT_PAGE_QUERIES * len(small)):
        large = {url: count(client, url) for url in object_pages(world)}
    assert large == small
    assert max(large.values()) <= MAX_OBJECT_PAGE_QUERIES


TRAINING_PAGES = ["evaluations:training_list", "evaluations:training_hours", "evaluations:training_hours_export",
                  "evaluations:training_detail"]
TRAINING_MAX_QUERIES = {"evaluations:training_list": 9, "evaluations:training_hours": 13,
                        "evaluations:training_hours_export": 8, "evaluations:training_detail": 14}


def grow_training(w, n):
    """n more staffed villages in township A, n more county sessions, everyone serving recorded at each."""
    import datetime
    from decimal import Decimal

    from evaluations.services import training
    from secretaries.models import Assignment

    grow(w, n)
    year = datetime.date.today().year
    for day in range(n):
        session = training.session_create(
            user=w.users.admin, region=w.county, topic=f"专题培训{day}", level="county", organiser="县委组织部",
            start_date=datetime.date(year, 1, 1 + day), end_date=datetime.date(year, 1, 1 + day), hours=Decimal(8))
        serving = Assignment.objects.active().filter(village__region__path__startswith=w.county.path)
        people = [a.secretary for a in serving.select_related("secretary__region")]
        training.attendance_save(session, {p: ("present", Decimal(8), "") for p in people}, user=w.users.admin)
    return session


@pytest.mark.parametrize("url_name", TRAINING_PAGES)
@pytest.mark.parametrize("role", ["admin", "town_a"])
def test_training_pages_run_a_fixed_number_of_queries(world, login, url_name, role, django_assert_max_num_queries):
    from evaluations.models import TrainingRequirement

    client = login(getattr(world.users, role))
    TrainingRequirement.objects.create(region=world.county, year=datetime.date.today().year, min_hours=40)
    session = grow_training(world, 2)
    url = reverse(url_name, args=[session.pk] if url_name.endswith("detail") else [])
    count(client, url)
    small = count(client, url)
    session = grow_training(world, 6)
    url = reverse(url_name, args=[session.pk] if url_name.endswith("detail") else [])
    with django_assert_max_num_queries(TRAINING_MAX_QUERIES[url_name]):
        large = count(client, url)
    assert large == small


def grow_receipts(w, announcement, n):
    """n more recipients of the announcement, in 胡集镇: a third have read it, a third acknowledged it too."""
    from django.utils import timezone

    from accounts.roles import Role
    from notifications.models import Receipt

    now = timezone.now()
    start = announcement.receipts.count()
    for i in range(start, start + n):
        user = f.user(f"receipt_{i}", Role.SECRETARY, w.town_a, name=f"书记{i}")
        Receipt.objects.create(announcement=announcement, user=user, read_at=now if i % 3 else None,
                               acknowledged_at=now if i % 3 == 2 else None, note="已收到" if i % 3 == 2 else "")


def test_an_announcements_page_runs_a_fixed_number_of_queries_however_many_recipients(
        world, login, django_assert_max_num_queries):
    """The publisher's page: the counts in one aggregate and one page of recipients, whether 3 or 30 received it."""
    from notifications.models import Announcement

    announcement = Announcement.objects.create(region=world.county, title="关于报送半年工作总结的通知", body="请报送。",
                                               to_all_secretaries=True, created_by=world.users.admin)
    client = login(world.users.admin)
    urls = [announcement.get_absolute_url() + query for query in ("", "?state=unread", "?state=acknowledged&page=1")]
    grow_receipts(world, announcement, 3)
    for url in urls:
        count(client, url)  # warm per-process caches first
    small = {url: count(client, url) for url in urls}
    assert "共 3 人，已读 2（未读 1），已回执 1" in client.get(urls[0]).content.decode()
    grow_receipts(world, announcement, 27)
    with django_assert_max_num_queries(MAX_QUERIES * len(urls)):
        large = {url: count(client, url) for url in urls}
    assert "共 30 人，已读 20（未读 10），已回执 10" in client.get(urls[0]).content.decode()
    assert large == small and max(large.values()) <= MAX_QUERIES
