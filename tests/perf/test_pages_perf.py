"""Benchmark of the main pages on seeded demo data: median time and SQL queries per page and user scope.

Asserts only that every page answers 200 and runs the same number of queries for every user: a township,
金乡县's county admin, a city admin (济宁市) and, at province scale, a province admin (山东省) see from a few
hundred to ~69,000 villages, so equal counts mean the query count does not grow with the data. Never asserts
on time.

    .venv/bin/pytest tests/perf/test_pages_perf.py -m perf -s                       # county
    PERF_SCALE=province .venv/bin/pytest tests/perf/test_pages_perf.py -m perf -s   # city or province
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test PERF_SCALE=province ...    # on PostgreSQL
    PERF_EXPLAIN=1 PERF_SLOW_MS=500 ...   # also print the slowest SQL of slow pages with its plan

Opt-in: skipped unless the run selects `-m perf`, so the normal suite stays fast. The data is seeded once per
module and committed (on PostgreSQL then VACUUM ANALYZE, as autovacuum would: rows still uncommitted in an open
transaction get neither visibility map nor trustworthy statistics, and the planner picks other plans); the test
database is flushed at the end, as TransactionTestCase does, so later tests in the same run start empty.
"""

import logging
import os
import re
import statistics
import time
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import connection
from django.template import Template
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from accounts.models import User
from accounts.roles import Role
from demo.seed import seed
from demo.text import table
from villages.models import Region

SCALES = ("county", "city", "province")
# test_seed_perf.py takes a list ("city,province"): here the largest scale listed is the one seeded.
SCALE = max((s.strip() for s in os.environ.get("PERF_SCALE", "").split(",") if s.strip() in SCALES),
            key=SCALES.index, default="county")
RUNS = 5
SLOW_MS = float(os.environ.get("PERF_SLOW_MS", "500"))
EXPLAIN = os.environ.get("PERF_EXPLAIN", "") not in ("", "0")

PAGES = [
    "/dashboard/",
    "/secretaries/",
    "/villages/",
    "/assignments/",
    "/units/",
    "/teams/",
    "/villages/?staffed=missing",
    "/secretaries/?ordering=-region",
    "/assignments/?status=active&ending_within=60&ordering=end_date",
    "/admin/secretaries/secretary/",
    "/admin/villages/village/",
]

pytestmark = [pytest.mark.perf, pytest.mark.django_db]

RESULTS = []  # [page, user scope, rows, median ms, median SQL ms, queries], in the order measured


def selected(config):
    return "perf" in (config.getoption("markexpr") or "")


@pytest.fixture(autouse=True)
def _only_when_selected(request):
    if not selected(request.config):
        pytest.skip("benchmark: run with -m perf")


@pytest.fixture(scope="module")
def clients(request, django_db_setup, django_db_blocker):
    """Seed PERF_SCALE once for the module; return [(user scope, logged-in test client), ...], narrowest first."""
    # Module fixtures are set up before the function-scoped skip above: check here too, before seeding.
    if not selected(request.config):
        pytest.skip("benchmark: run with -m perf")
    axes_log = logging.getLogger("axes")
    axes_level = axes_log.level
    axes_log.setLevel(logging.WARNING)  # one "successful login" line per force_login is noise here
    # As tests/conftest.py does per test: the demo accounts need no deliberately slow password hashing.
    with (
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        django_db_blocker.unblock(),
    ):
        try:
            quiet = []
            result = seed(seed=2024, scale=SCALE, log=quiet.append)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE")  # autocommit here: VACUUM cannot run inside a transaction
            logged_in = []
            for scope, user in make_users():
                client = Client()
                client.force_login(user, backend="accounts.backends.RoleBackend")
                logged_in.append((scope, client))
            print(f"\nseed_demo --scale {SCALE} on {connection.vendor}: {result['elapsed']:.1f} s; "
                  + ", ".join(f"{label} {count}" for label, count in result["after"].items()))
            yield logged_in
        finally:
            call_command("flush", interactive=False, verbosity=0)
            axes_log.setLevel(axes_level)
            print_results()


def make_users():
    township = User.objects.select_related("region").get(username="township")
    county_admin = User.objects.select_related("region").get(username="county_admin")
    city = Region.objects.get(name="济宁市", level=Region.Level.CITY)
    people = [
        (f"镇 {township.region.name}", township),
        (f"县 {county_admin.region.name}", county_admin),
        (f"市 {city.name}", User.objects.create_user("perf_city_admin", role=Role.COUNTY_ADMIN, region=city,
                                                    name="济宁市委组织部")),
    ]
    if SCALE == "province":
        province = Region.objects.get(name="山东省", level=Region.Level.PROVINCE)
        people.append((f"省 {province.name}", User.objects.create_user(
            "perf_province_admin", role=Role.COUNTY_ADMIN, region=province, name="山东省委组织部")))
    return people


def rows_visible(response):
    """The paginator's count on lists and admin changelists, the village total on the dashboard; else ''."""
    context = response.context
    if context is None:
        return ""
    for key, read in (("cl", lambda cl: cl.result_count), ("paginator", lambda p: p.count),
                      ("villages", lambda v: v["villages"])):
        try:
            value = context[key]
        except KeyError:
            continue
        if value is not None:
            return read(value)
    return ""


def plain_render(self, context):
    return self.nodelist.render(context)  # Template._render as Django ships it


@contextmanager
def production_templates():
    """Render templates as production does while timing.

    The test environment wraps every Template._render to send a signal, and the test client copies the context
    for each one (that is how response.context works); with one include per <option>, that alone doubles the
    time of pages with long choice lists. Rows are read from the warm-up request, which keeps the wrapper.
    """
    instrumented = Template._render
    Template._render = plain_render
    try:
        yield
    finally:
        Template._render = instrumented


class SqlTimer:
    """Wall time spent executing SQL (CaptureQueriesContext rounds each query to whole milliseconds).

    On PostgreSQL, rows that choice lists fetch from server-side cursors after DECLARE are not included.
    """

    def __init__(self):
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def measure(client, url):
    """Warm once, then time RUNS requests.

    Returns (rows, median ms, median ms spent in SQL, query count of each run, the slowest run's queries).
    """
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    rows = rows_visible(response)
    times, sql_times, counts, slowest = [], [], [], (0, [])
    for _ in range(RUNS):
        timer = SqlTimer()
        with production_templates(), CaptureQueriesContext(connection) as queries, connection.execute_wrapper(timer):
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, f"{url}: {response.status_code}"
        times.append(elapsed)
        sql_times.append(timer.seconds * 1000)
        counts.append(len(queries))
        if elapsed >= slowest[0]:
            slowest = (elapsed, list(queries.captured_queries))
    return rows, statistics.median(times), statistics.median(sql_times), counts, slowest[1]


def explain(page, scope, captured, top=3):
    """Print the slowest statements of a slow page and their plans (EXPLAIN ANALYZE on PostgreSQL)."""
    print(f"\n--- {page} as {scope}: slowest SQL ---")
    for query in sorted(captured, key=lambda q: float(q["time"]), reverse=True)[:top]:
        sql = query["sql"]
        print(f"[{float(query['time']) * 1000:.1f} ms] {sql}")
        # Choice lists iterate through a server-side cursor on PostgreSQL: explain the SELECT inside.
        sql = re.sub(r'^\s*DECLARE\s+"[^"]+"\s+NO SCROLL CURSOR\s+(WITH(OUT)? HOLD\s+)?FOR\s+', "", sql)
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql)
            for row in cursor.fetchall():
                print("    " + " | ".join(str(cell) for cell in row))


@pytest.mark.parametrize("page", PAGES)
def test_page(clients, page):
    counts_by_user = {}
    for scope, client in clients:
        rows, median_ms, sql_ms, counts, captured = measure(client, page)
        RESULTS.append([page, scope, rows, f"{median_ms:.1f}", f"{sql_ms:.1f}", counts[-1]])
        counts_by_user[scope] = counts
        if EXPLAIN and median_ms > SLOW_MS:
            explain(page, scope, captured)

    # Correctness, not speed: each user's runs agree, and every user runs as many queries as the township.
    for scope, counts in counts_by_user.items():
        assert len(set(counts)) == 1, f"{page} as {scope}: query count varies between runs: {counts}"
    per_user = {scope: counts[0] for scope, counts in counts_by_user.items()}
    assert len(set(per_user.values())) == 1, f"{page}: query count differs between users: {per_user}"


def print_results():
    if not RESULTS:
        return
    print(f"\nPages at {SCALE} scale on {connection.vendor} (median of {RUNS} warm requests):")
    header = ("page", "user scope", "rows", "median ms", "of it SQL ms", "queries")
    for line in table([header, *RESULTS], right=(2, 3, 4, 5)):
        print("  " + line)
    slow = [row for row in RESULTS if float(row[3]) > SLOW_MS]
    if slow:
        print(f"Over {SLOW_MS:.0f} ms: " + "; ".join(f"{row[0]} ({row[1]}, {row[3]} ms)" for row in slow))
    RESULTS.clear()
