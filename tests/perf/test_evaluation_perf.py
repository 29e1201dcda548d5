"""Benchmark of scoring a province-scale evaluation period: prints the figures; never asserts on time.

A province of cities (8 counties each), counties (12 townships each) and 20-village townships with PERF_SCALE
first secretaries (default 20,000), one period
under a scheme of six channels (组织考评 30, 镇街点评 20, 观摩互评 15, 党员群众测评 15, 积分 10, 比武评议 10;
copied into the period as period_open does), and for each person: 组织考评 and 镇街点评 (5 scores each),
观摩互评 from 10 peers of their township (50 scores, trimmed mean), 党员群众测评 counts (5 tallies) —
1.2 million score rows at the default size; 0–3 points events from the catalogue and one service record (a
fact that becomes an automatic points event at the first computation); one 擂台比武 per township where
5 judges score its 20 speakers (500,000 contest scores). The previous quarter holds everyone's rank, so
位次进退 is computed too.

The database keeps the scores' totals per person, channel and dimension as the scores are written (triggers, see
evaluations migration 0013); the computation reads those. What that costs where scores are entered is timed too:
a township's and a county's 组织考评 grid saved with every value changed, with the totals kept and (PostgreSQL)
with the triggers switched off.

Timed: the FIRST computation of the period, as 试算 or 锁定 runs it (`points_from_facts`, then
`scoring.compute`) on a period nobody has computed yet — target ≤ 2.5 s on PostgreSQL — apart from the
deferred foreign-key checks its commit runs. Each run is rolled back (and the tables vacuumed) so the next
one is a first computation again. Then the ranking page as the province's admin (first page, a deep page,
one township).

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
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from demo.db import create_regions
from evaluations import scoring, services
from evaluations.models import (
    Channel,
    Contest,
    ContestJudge,
    ContestScore,
    Participant,
    Period,
    PointEvent,
    PointItem,
    Score,
    SurveyTally,
)
from excel.pipeline import insert_rows
from secretaries import idcard
from secretaries.models import DispatchUnit, Secretary
from villages.models import Region, Village
from villages.services import region_create
from worklogs.models import ServiceRecord

PEOPLE = int(os.environ.get("PERF_SCALE", "20000"))
EXPLAIN = os.environ.get("PERF_EXPLAIN", "") not in ("", "0")
PER_TOWNSHIP = 20
TOWNSHIPS_PER_COUNTY = 12
COUNTIES_PER_CITY = 8
PEERS = 10
DIMENSIONS = 5
RUNS = 3
CHUNK = 200_000
JUDGES = 5
CHANNELS = [("org", 30), ("township", 20), ("peer", 15), ("survey", 15), ("points", 10), ("contest", 10)]
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
    county_count = -(-townships // TOWNSHIPS_PER_COUNTY)
    cities = create_regions([Region(name=f"第{c + 1}市", level=Region.Level.CITY, parent=root)
                             for c in range(-(-county_count // COUNTIES_PER_CITY))])
    counties = create_regions([Region(name=f"第{c + 1}县", level=Region.Level.COUNTY,
                                      parent=cities[c // COUNTIES_PER_CITY]) for c in range(county_count)])
    towns = create_regions([Region(name=f"第{t + 1}镇", level=Region.Level.TOWNSHIP,
                                   parent=counties[t // TOWNSHIPS_PER_COUNTY]) for t in range(townships)])
    village_regions = create_regions([Region(name=f"第{i + 1}村", level=Region.Level.VILLAGE,
                                             parent=towns[i // PER_TOWNSHIP]) for i in range(PEOPLE)])
    villages = Village.objects.bulk_create([Village(region=r, needs_secretary=True) for r in village_regions],
                                           batch_size=5000)
    unit = DispatchUnit.objects.create(name="省直单位", level=DispatchUnit.Level.PROVINCE, region=root)
    meta = Secretary._meta  # COPY bypasses the fields: encrypt and hash as the roster import does
    number, number_hash = meta.get_field("id_number"), meta.get_field("id_number_hash")
    phone, phone_hash = meta.get_field("phone"), meta.get_field("phone_hash")
    people = [(idcard.make("370102", BORN + datetime.timedelta(days=i // 900), i % 900), f"138{i:08d}")
              for i in range(PEOPLE)]
    insert_rows(Secretary, ("name", "id_number", "id_number_hash", "phone", "phone_hash", "unit_id", "region_id",
                            "ethnicity", "political_status", "education", "post", "rank"),
                [(f"书记{i + 1}", number.encrypt(value), number_hash.of(value), phone.encrypt(mobile),
                  phone_hash.of(mobile), unit.pk, r.pk, "汉族", "cpc", "bachelor", "", "")
                 for i, ((value, mobile), r) in enumerate(zip(people, village_regions, strict=True))])
    secretary_of = dict(Secretary.objects.values_list("region_id", "pk"))

    scheme = services.scheme_create_default(root, name="省级基准方案", channels=CHANNELS)
    previous = make_period(root, scheme, 1, Period.Status.LOCKED)
    period = make_period(root, scheme, 2, Period.Status.SCORING)
    ranks = list(range(1, PEOPLE + 1))
    random.Random(1).shuffle(ranks)
    for target, extra in ((previous, ranks), (period, None)):
        insert_rows(Participant, ("period_id", "secretary_id", "village_id", "township_id", "unit_name",
                                  "dispatch_level", "channels_missing", "rank_county", "flag", "stars", "grade",
                                  "grade_pending", "excused"),
                    [(target.pk, secretary_of[v.region_id], v.pk, v.region.parent_id, unit.name, "province", False,
                      extra[i] if extra else None, False, 0, "", False, False) for i, v in enumerate(villages)])
    people = list(period.participants.order_by("pk").values_list("pk", flat=True))
    scores, tallies = write_scores(period, people)
    admin = User.objects.create_user("perf_province_admin", role=Role.COUNTY_ADMIN, region=root, name="省委组织部")
    events = write_points(root, period, admin)
    contest_scores = write_contests(period, people)
    return {"period": period, "admin": admin, "scores": scores, "tallies": tallies, "townships": townships,
            "city": cities[len(cities) // 2].pk, "events": events, "contest_scores": contest_scores}


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


def write_points(root, period, admin):
    """A catalogue of two manual items and the automatic 办实事 item; 0–3 manual events per person in the period
    and one service record each, which the first computation turns into an event. Returns the events written."""
    rng = random.Random(7)
    honour = PointItem.objects.create(region=root, name="获市级以上表彰", points=5)
    absent = PointItem.objects.create(region=root, name="例会无故缺席", points=-2)
    PointItem.objects.create(region=root, name="办实事", points=1, source=PointItem.Source.SERVICE)
    people = list(period.participants.values_list("secretary", "village"))
    days = (period.end_date - period.start_date).days
    events = []
    for secretary, village in people:
        for _ in range(rng.randint(0, 3)):
            item = honour if rng.random() < 0.4 else absent
            events.append((item.pk, secretary, village, period.start_date + datetime.timedelta(rng.randrange(days)),
                           item.points, "通报", "valid", "", "", admin.pk, timezone.now()))
    insert_rows(PointEvent, ("item_id", "secretary_id", "village_id", "date", "points", "evidence", "status",
                             "dispute_reason", "decision", "recorded_by_id", "recorded_at"), events)
    now = timezone.now()
    insert_rows(ServiceRecord, ("secretary_id", "village_id", "kind", "date", "title", "people_served", "note",
                                "created_at", "updated_at"),
                [(secretary, village, "clinic", period.start_date + datetime.timedelta(rng.randrange(days)),
                  "义诊", 30, "", now, now) for secretary, village in people])
    return len(events)


def write_contests(period, people):
    """One 擂台比武 per township: its 20 first secretaries speak, JUDGES judges score each on every dimension."""
    rng = random.Random(11)
    groups = [people[i:i + PER_TOWNSHIP] for i in range(0, len(people), PER_TOWNSHIP)]
    contests = Contest.objects.bulk_create([Contest(period=period, kind=Contest.Kind.ARENA, name=f"擂台比武{i + 1}",
                                                    date=period.end_date) for i in range(len(groups))],
                                           batch_size=2000)
    insert_rows(Contest.speakers.through, ("contest_id", "participant_id"),
                [(c.pk, pid) for c, group in zip(contests, groups, strict=True) for pid in group])
    judges = ContestJudge.objects.bulk_create([ContestJudge(contest=c, name=f"评委{j + 1}") for c in contests
                                               for j in range(JUDGES)], batch_size=5000)
    rows, judges_of = [], {}
    for judge in judges:
        judges_of.setdefault(judge.contest_id, []).append(judge.pk)
    for c, group in zip(contests, groups, strict=True):
        for judge in judges_of[c.pk]:
            rows.extend((c.pk, judge, pid, d, Decimal(rng.randrange(120, 197)) / 2)
                        for pid in group for d in range(1, DIMENSIONS + 1))
    insert_rows(ContestScore, ("contest_id", "judge_id", "speaker_id", "dimension", "value"), rows)
    return len(rows)


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


def vacuum():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would have done long before the period is locked


def backend_cpu():
    """CPU seconds the database's server process for this connection has used, when the server runs on this
    machine (else None): on a shared, loaded machine the work done, apart from the time spent waiting for a core."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def first_compute(period):
    """试算 / 锁定 of a period computed for the first time: (points from facts, compute, the commit's checks) in
    seconds, the automatic events created and the server's CPU seconds for both; rolled back, so the period is
    still never computed."""
    with transaction.atomic():
        cpu = backend_cpu()
        started = time.perf_counter()
        created = services.points_from_facts(period)
        facts = time.perf_counter()
        scoring.compute(period)
        computed = time.perf_counter()
        connection.check_constraints()  # what the commit does next: the deferred foreign-key checks
        checked = time.perf_counter()
        if cpu is not None:
            cpu = backend_cpu() - cpu
        assert Participant.objects.filter(period=period, composite__isnull=False).count() == PEOPLE
        transaction.set_rollback(True)
    return facts - started, computed - facts, checked - computed, created, cpu


def test_compute_and_rank_a_province_period():
    started = time.perf_counter()
    province = build()
    vacuum()
    setup = time.perf_counter() - started
    period = province["period"]
    assert not period.participants.exclude(composite=None).exists() and period.computed_at is None
    runs = []
    for _ in range(RUNS):
        runs.append(first_compute(period))
        vacuum()  # the rolled-back rows out of the way, as before the first run
    load = os.getloadavg()
    with transaction.atomic():
        services.points_from_facts(period)
        scoring.compute(period)
    results = period.participants.exclude(composite=None)
    assert results.count() == PEOPLE and not period.participants.filter(channels_missing=True).exists()
    assert results.filter(rank_county=1).exists() and not results.filter(previous_rank=None).exists()
    assert not results.filter(Q(dimension_1=None) | Q(dimension_5=None)).exists()  # every dimension's score
    assert not results.filter(score_points=None).exists() and not results.filter(score_contest=None).exists()
    assert_one_by_hand(period, results.order_by("pk")[PEOPLE // 2])

    print(f"\nfirst computation on {connection.vendor}: {PEOPLE:,} people in {province['townships']:,} townships, "
          f"{province['scores']:,} score rows + {province['tallies']:,} survey tallies + {province['events']:,} "
          f"points events + {province['contest_scores']:,} contest scores (built in {setup:.1f} s)")
    for i, (facts, statements, checks, created, cpu) in enumerate(runs, start=1):
        print(f"  run {i}: points from facts {facts:.2f} s ({created:,} events), compute {statements:.2f} s "
              f"= {facts + statements:.2f} s; then the commit's deferred foreign-key checks {checks:.2f} s"
              + (f"; database server CPU {cpu:.2f} s" if cpu is not None else ""))
    total = statistics.median(f + s for f, s, _c, _n, _cpu in runs)
    print(f"  median first computation {total:.2f} s (target ≤ 2.5 s on PostgreSQL); "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if EXPLAIN:
        with transaction.atomic(), connection.execute_wrapper(explained):
            scoring.compute(period)
    ranking_page(period, province["admin"], province["city"])
    if connection.vendor == "postgresql":
        score_entry(period, province["admin"])


def saving_a_grid(period, people, user, keep_totals):
    """Seconds to save the 组织考评 of `people` with every value changed; rolled back."""
    with transaction.atomic():
        if not keep_totals:
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE {Score._meta.db_table} DISABLE TRIGGER USER")
        started = time.perf_counter()
        changed = services.save_grid(period, Channel.ORG, {p: [Decimal("77.5")] * DIMENSIONS for p in people},
                                     user=user)
        elapsed = time.perf_counter() - started
        assert changed == len(people)
        transaction.set_rollback(True)
    return elapsed


def score_entry(period, admin):
    township = list(period.participants.order_by("pk")[:PER_TOWNSHIP])
    county = list(period.participants.order_by("pk")[:PER_TOWNSHIP * TOWNSHIPS_PER_COUNTY])
    print("\nsaving the 组织考评 grid, every value changed (median of 5, after one not counted):")
    for label, people in (("a township", township), ("a county", county)):
        kept, bare = ([saving_a_grid(period, people, admin, keep) for _ in range(6)][1:] for keep in (True, False))
        print(f"  {label} ({len(people) * DIMENSIONS:,} scores): {statistics.median(kept) * 1000:.0f} ms with the "
              f"totals kept, {statistics.median(bare) * 1000:.0f} ms without")


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
    events = PointEvent.objects.filter(secretary=person.secretary_id, date__range=(period.start_date, period.end_date))
    points = min(100, max(0, 80 + sum(float(e.points) for e in events)))
    contest = {}
    for score in ContestScore.objects.filter(speaker=person):
        contest.setdefault(score.dimension, []).append(float(score.value))
    expected = (0.30 * channel(by[Channel.ORG]) + 0.20 * channel(by[Channel.TOWNSHIP]) + 0.15 * channel(peer)
                + 0.15 * channel(survey) + 0.10 * points + 0.10 * channel(contest))
    assert abs(float(person.composite) - expected) < 1e-6


def ranking_page(period, admin, city):
    client = Client()
    axes_log = logging.getLogger("axes")
    level = axes_log.level
    axes_log.setLevel(logging.WARNING)  # a "successful login" line is noise here
    client.force_login(admin, backend="accounts.backends.RoleBackend")
    axes_log.setLevel(level)
    url = reverse("evaluations:ranking", args=[period.pk])
    print(f"\nranking page on {connection.vendor}, {PEOPLE} people, as the province's admin:")
    pages = (("first page", ""), ("a deep page", f"?page={PEOPLE // 100}"), ("one city", f"?township={city}"))
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
        if query.startswith("?township"):  # a province's admin picks among cities: one city's people
            in_city = period.participants.filter(township__parent__parent=city).count()
            assert response.context["paginator"].count == in_city > 0
        print(f"  {label:12} median {statistics.median(times) * 1000:.0f} ms, {counts[0]} queries, "
              f"{response.context['paginator'].count:,} people listed")
        assert len(set(counts)) == 1
