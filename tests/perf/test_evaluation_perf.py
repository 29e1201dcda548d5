"""Benchmark of scoring a province-scale evaluation period: prints the figures; never asserts on time.

A province, PERF_SCALE first secretaries (default 20,000) in villages of 20-village townships, one period
under the default scheme's rules (scheme.rules(), as period_open copies them), and for each person:
组织考评 and 镇街点评 (5 scores each), 观摩互评 from 10 peers of their township (50 scores, trimmed mean),
党员群众测评 counts (5 tallies) — 1.2 million score rows at the default size. The previous quarter holds
everyone's rank, so 位次进退 is computed too. Then `scoring.compute(period)` is timed (target ≤ 2 s on
PostgreSQL), apart from the deferred foreign-key checks its commit runs, and the ranking page as the
province's admin (first page, a deep page, one township).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/perf_eval .venv/bin/pytest -m perf -s \
        tests/perf/test_evaluation_perf.py
    PERF_SCALE=2000 ...    # another number of people (SQLite: keep it small, bulk_create is slow there)
    PERF_EXPLAIN=1 ...     # also print EXPLAIN ANALYZE of each statement scoring.compute sends

The data is written with COPY (insert_rows) and committed, then (on PostgreSQL) VACUUM ANALYZE, as autovacuum
would have done long before a period is locked: rows still uncommitted in an open transaction get neither
visibility map nor trustworthy statistics. Opt-in: skipped unless the run selects `-m perf`.
"""

import datetime
import logging
import os
import random
import statistics
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from demo.db import create_regions
from evaluations import scoring, services
from evaluations.models import Channel, DimensionResult, Participant, Period, Score, SurveyTally
from excel.pipeline import insert_rows
from secretaries import idcard
from secretaries.models import DispatchUnit, Secretary
from villages.models import Region, Village
from villages.services import region_create

PEOPLE = int(os.environ.get("PERF_SCALE", "20000"))
EXPLAIN = os.environ.get("PERF_EXPLAIN", "") not in ("", "0")
PER_TOWNSHIP = 20
TOWNSHIPS_PER_COUNTY = 12
PEERS = 10
DIMENSIONS = 5
RUNS = 3
CHUNK = 200_000
BORN = datetime.date(1975, 1, 1)

# Transactional: the province is committed, compute() commits as period_lock does, and the database is
# flushed afterwards.
pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _only_when_selected(request):
    if "perf" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("benchmark: run with -m perf")


# --- The province ---------------------------------------------------------------------------------------------


def build():
    root = region_create(name="山东省", level=Region.Level.PROVINCE, code="370000000000")
    townships = -(-PEOPLE // PER_TOWNSHIP)
    counties = create_regions([Region(name=f"第{c + 1}县", level=Region.Level.COUNTY, parent=root)
                               for c in range(-(-townships // TOWNSHIPS_PER_COUNTY))])
    towns = create_regions([Region(name=f"第{t + 1}镇", level=Region.Level.TOWNSHIP,
                                   parent=counties[t // TOWNSHIPS_PER_COUNTY]) for t in range(townships)])
    village_regions = create_regions([Region(name=f"第{i + 1}村", level=Region.Level.VILLAGE,
                                             parent=towns[i // PER_TOWNSHIP]) for i in range(PEOPLE)])
    villages = Village.objects.bulk_create([Village(region=r, needs_secretary=True) for r in village_regions],
                                           batch_size=5000)
    unit = DispatchUnit.objects.create(name="省直单位", level=DispatchUnit.Level.PROVINCE, region=root)
    insert_rows(Secretary, ("name", "id_number", "phone", "unit_id", "region_id", "ethnicity", "political_status",
                            "education", "post", "rank"),
                [(f"书记{i + 1}", idcard.make("370102", BORN + datetime.timedelta(days=i // 900), i % 900),
                  f"138{i:08d}", unit.pk, r.pk, "汉族", "cpc", "bachelor", "", "")
                 for i, r in enumerate(village_regions)])
    secretary_of = dict(Secretary.objects.values_list("region_id", "pk"))

    scheme = services.scheme_create_default(root)
    previous = make_period(root, scheme, 1, Period.Status.LOCKED)
    period = make_period(root, scheme, 2, Period.Status.SCORING)
    ranks = list(range(1, PEOPLE + 1))
    random.Random(1).shuffle(ranks)
    for target, extra in ((previous, ranks), (period, None)):
        insert_rows(Participant, ("period_id", "secretary_id", "village_id", "township_id", "unit_name",
                                  "dispatch_level", "channels_missing", "rank_county", "flag", "stars", "grade",
                                  "grade_pending"),
                    [(target.pk, secretary_of[v.region_id], v.pk, v.region.parent_id, unit.name, "province", False,
                      extra[i] if extra else None, False, 0, "", False) for i, v in enumerate(villages)])
    people = list(period.participants.order_by("pk").values_list("pk", flat=True))
    scores, tallies = write_scores(period, people)
    admin = User.objects.create_user("perf_province_admin", role=Role.COUNTY_ADMIN, region=root, name="省委组织部")
    return {"period": period, "admin": admin, "scores": scores, "tallies": tallies, "townships": townships,
            "township": towns[len(towns) // 2].pk}


def make_period(region, scheme, number, status):
    start, end = Period.default_dates(Period.Kind.QUARTER, 2025, number)
    return Period.objects.create(region=region, scheme=scheme, kind=Period.Kind.QUARTER, year=2025, number=number,
                                 start_date=start, end_date=end, status=status, rules=scheme.rules(),
                                 opened_at=timezone.now())


def write_scores(period, people):
    """Every channel for everyone, each person around a level of their own; returns (scores, tallies) written."""
    rng = random.Random(2025)
    values = [Decimal(v) / 2 for v in range(120, 197)]  # 60.0, 60.5, ... 98.0
    level = [rng.randrange(10, 66) for _ in people]  # an index into values, ± the noise below
    fields = ("period_id", "participant_id", "channel", "rater_id", "dimension", "value")
    rows, written = [], 0

    def value(i):
        return values[min(len(values) - 1, max(0, level[i] + rng.randrange(-10, 11)))]

    def flush(force=False):
        nonlocal rows, written
        if rows and (force or len(rows) >= CHUNK):
            insert_rows(Score, fields, rows)
            written += len(rows)
            rows = []

    for i, pid in enumerate(people):
        for channel in (Channel.ORG, Channel.TOWNSHIP):
            rows.extend((period.pk, pid, channel, None, d, value(i)) for d in range(1, DIMENSIONS + 1))
        first = i - i % PER_TOWNSHIP
        size = min(PER_TOWNSHIP, len(people) - first)
        for k in range(1, min(PEERS, size - 1) + 1):
            rater = people[first + (i - first + k) % size]
            rows.extend((period.pk, pid, Channel.PEER, rater, d, value(i)) for d in range(1, DIMENSIONS + 1))
        flush()
    flush(force=True)
    tallies = []
    for i, pid in enumerate(people):
        for d in range(1, DIMENSIONS + 1):
            voters = rng.randint(20, 40)
            unsatisfied = rng.randint(0, 2)
            basic = rng.randint(0, max(0, (70 - level[i]) // 6))
            tallies.append((period.pk, pid, d, "import", voters - basic - unsatisfied, basic, unsatisfied, "survey"))
    insert_rows(SurveyTally, ("period_id", "participant_id", "dimension", "source", "satisfied", "basic",
                              "unsatisfied", "channel"), tallies)
    return written, len(tallies)


# --- Measuring ------------------------------------------------------------------------------------------------


def explained(execute, sql, params, many, context):
    """Run each data-changing statement under EXPLAIN ANALYZE (which executes it) and print the plan."""
    changes = sql.lstrip().upper().startswith(("CREATE", "WITH", "UPDATE", "INSERT", "DELETE"))
    if connection.vendor != "postgresql" or not changes:
        return execute(sql, params, many, context)
    cursor = context["cursor"]
    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
    print("\n" + "\n".join(row[0] for row in cursor.fetchall()))
    return None


def test_compute_and_rank_a_province_period():
    started = time.perf_counter()
    province = build()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would have done long before the period is locked
    setup = time.perf_counter() - started
    period = province["period"]
    runs = []
    for _ in range(RUNS):
        with transaction.atomic():
            started = time.perf_counter()
            scoring.compute(period)
            computed = time.perf_counter()
            connection.check_constraints()  # what the commit does next: the deferred foreign-key checks
        runs.append((computed - started, time.perf_counter() - computed))
    results = period.participants.exclude(composite=None)
    assert results.count() == PEOPLE and not period.participants.filter(channels_missing=True).exists()
    assert results.filter(rank_county=1).exists() and not results.filter(previous_rank=None).exists()
    assert DimensionResult.objects.filter(period=period).count() == PEOPLE * DIMENSIONS
    assert_one_by_hand(period, results.order_by("pk")[PEOPLE // 2])

    print(f"\nscoring.compute on {connection.vendor}: {PEOPLE:,} people in {province['townships']:,} townships, "
          f"{province['scores']:,} score rows + {province['tallies']:,} survey tallies (built in {setup:.1f} s)")
    for i, (statements, checks) in enumerate(runs, start=1):
        print(f"  run {i}: compute {statements:.2f} s, then the commit's deferred foreign-key checks {checks:.2f} s")
    print(f"  median compute {statistics.median(s for s, _ in runs):.2f} s (target ≤ 2 s on PostgreSQL)")
    if EXPLAIN:
        with transaction.atomic(), connection.execute_wrapper(explained):
            scoring.compute(period)
    ranking_page(period, province["admin"], province["township"])


def assert_one_by_hand(period, person):
    """One person's composite worked out in Python from their rows: the database got the same."""
    def channel(values_by_dimension):
        return sum(statistics.fmean(v) for v in values_by_dimension.values()) / DIMENSIONS  # 五看 at 20% each

    by = {}
    for score in Score.objects.filter(participant=person):
        by.setdefault(score.channel, {}).setdefault(score.dimension, []).append(float(score.value))
    peer = {d: sorted(v)[1:-1] for d, v in by[Channel.PEER].items()}  # 10 raters: one highest and lowest dropped
    survey = {t.dimension: [(100 * t.satisfied + 60 * t.basic) / (t.satisfied + t.basic + t.unsatisfied)]
              for t in SurveyTally.objects.filter(participant=person)}
    expected = (0.40 * channel(by[Channel.ORG]) + 0.30 * channel(by[Channel.TOWNSHIP]) + 0.15 * channel(peer)
                + 0.15 * channel(survey))
    assert abs(float(person.composite) - expected) < 1e-6


def ranking_page(period, admin, township):
    client = Client()
    axes_log = logging.getLogger("axes")
    level = axes_log.level
    axes_log.setLevel(logging.WARNING)  # a "successful login" line is noise here
    client.force_login(admin, backend="accounts.backends.RoleBackend")
    axes_log.setLevel(level)
    url = reverse("evaluations:ranking", args=[period.pk])
    print(f"\nranking page on {connection.vendor}, {PEOPLE} people, as the province's admin:")
    pages = (("first page", ""), ("a deep page", f"?page={PEOPLE // 100}"), ("one township", f"?township={township}"))
    for label, query in pages:
        assert client.get(url + query).status_code == 200  # warm
        times, counts = [], []
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url + query)
                times.append(time.perf_counter() - started)
            assert response.status_code == 200
            counts.append(len(queries))
        print(f"  {label:12} median {statistics.median(times) * 1000:.0f} ms, {counts[0]} queries, "
              f"{response.context['paginator'].count:,} people listed")
        assert len(set(counts)) == 1
