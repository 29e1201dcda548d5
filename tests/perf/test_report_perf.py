"""Benchmark of the province's 年度报告 (issue 18): prints the figures; asserts only what the workbook holds.

A province of PERF_SCALE first secretaries (default 20,000) scored in three published quarters and the published
year period, each with 组织考评 and 镇街点评 (5 scores each), 观摩互评 from 10 peers (50 scores) and 5 survey
tallies per person: 5.2 million detail rows at the default size, as issue 18 measured ("5 M scores a year").

Timed, as the province's admin: the printable page's 汇总 and 排名 (target ≤ 10 s) and the whole workbook as the
background job builds it — summary, ranking and every detail row (target ≤ 120 s on the 2-core machine).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/perf_report .venv/bin/pytest -m perf -s \
        tests/perf/test_report_perf.py
    PERF_SCALE=2000 ...    # fewer people
    PERF_PROFILE=1 ...     # where the workbook's time goes
"""

import contextlib
import cProfile
import datetime
import io
import os
import pstats
import resource
import time

import pytest
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from accounts.roles import Role
from demo.db import create_regions
from evaluations import scoring, services
from evaluations.models import Participant, Period, Score, SurveyTally
from excel.pipeline import insert_rows
from reports import yearly_report
from secretaries import idcard
from secretaries.models import DispatchUnit, Secretary
from tests.perf.test_evaluation_perf import PER_TOWNSHIP, TOWNSHIPS_PER_COUNTY, write_scores
from villages.models import Region, Village

PEOPLE = int(os.environ.get("PERF_SCALE", "20000"))
BORN = datetime.date(1975, 1, 1)
YEAR = 2025
SUMMARY_TARGET_S = 10
WORKBOOK_TARGET_S = 120

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _only_when_selected(request):
    if "perf" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("benchmark: run with -m perf")


def build():
    root = region_create_province()
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
    Secretary.objects.bulk_create(  # bulk_create, not COPY: the fields encrypt and hash 身份证号 and phone
        [Secretary(name=f"书记{i + 1}", id_number=idcard.make("370102", BORN + datetime.timedelta(days=i // 900),
                                                              i % 900),
                   phone=f"138{i:08d}", unit=unit, region=r, ethnicity="汉族", political_status="cpc",
                   education="bachelor") for i, r in enumerate(village_regions)], batch_size=2000)
    secretary_of = dict(Secretary.objects.values_list("region_id", "pk"))
    scheme = services.scheme_create_default(root)
    periods = [(Period.Kind.QUARTER, n) for n in (1, 2, 3)] + [(Period.Kind.YEAR, 1)]
    for kind, number in periods:
        start, end = Period.default_dates(kind, YEAR, number)
        period = Period.objects.create(region=root, scheme=scheme, kind=kind, year=YEAR, number=number,
                                       start_date=start, end_date=end, status=Period.Status.SCORING,
                                       rules=scheme.rules(), opened_at=timezone.now())
        insert_rows(Participant, ("period_id", "secretary_id", "village_id", "township_id", "unit_name",
                                  "dispatch_level", "channels_missing", "excused", "flag", "stars", "grade",
                                  "grade_pending"),
                    [(period.pk, secretary_of[v.region_id], v.pk, v.region.parent_id, unit.name, "province", False,
                      False, False, 0, "", False) for v in villages])
        write_scores(period, list(period.participants.order_by("pk").values_list("pk", flat=True)))
        scoring.compute(period)
    Period.objects.filter(region=root).update(status=Period.Status.PUBLISHED, published_at=timezone.now())
    return User.objects.create_user("perf_report_admin", role=Role.COUNTY_ADMIN, region=root, name="省委组织部")


def region_create_province():
    from villages.services import region_create

    return region_create(name="山东省", level=Region.Level.PROVINCE, code="370000000000")


def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextlib.contextmanager
def profiled():
    """PERF_PROFILE=1: print where the workbook's time goes (the profiler roughly doubles it)."""
    if not os.environ.get("PERF_PROFILE"):
        yield
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


def test_province_yearly_report():
    started = time.perf_counter()
    admin = build()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    setup = time.perf_counter() - started
    details = Score.objects.count() + SurveyTally.objects.count()
    print(f"\n年度报告 on {connection.vendor}: {PEOPLE:,} people, 4 published periods, {details:,} detail rows "
          f"(built in {setup:.0f} s; load average {os.getloadavg()[0]:.1f})")

    started, cpu_started = time.perf_counter(), cpu()
    report = yearly_report.build(YEAR, user=admin)
    summary = report.summary()
    ranking = report.ranking_rows(limit=None)
    ranked = sum(1 for _ in ranking)
    page = time.perf_counter() - started
    print(f"  汇总 + 排名 (every ranked row): {page:.1f} s wall, {cpu() - cpu_started:.1f} s CPU in Django "
          f"(target ≤ {SUMMARY_TARGET_S} s); {len(summary['rows']):,} townships, {ranked:,} ranked")
    assert ranked == PEOPLE and summary["total"]["people"] == PEOPLE

    started, cpu_started = time.perf_counter(), cpu()
    read = sum(1 for _ in report.detail_rows())
    print(f"  明细 read alone (the query and the rows, no writing): {time.perf_counter() - started:.1f} s wall, "
          f"{cpu() - cpu_started:.1f} s CPU in Django; {read:,} rows")
    assert read == details

    started, cpu_started = time.perf_counter(), cpu()
    with profiled():
        result = yearly_report.build_workbook(year=YEAR, user_id=admin.pk)
    whole = time.perf_counter() - started
    print(f"  whole workbook: {whole:.1f} s wall, {cpu() - cpu_started:.1f} s CPU in Django "
          f"(target ≤ {WORKBOOK_TARGET_S} s); {len(result.data) / 1e6:.0f} MB; "
          f"{details / whole:,.0f} detail rows/s; load average {os.getloadavg()[0]:.1f}")

    workbook = load_workbook(io.BytesIO(result.data), read_only=True)
    detail_sheets = [name for name in workbook.sheetnames if name.startswith("明细")]
    rows = sum(workbook[name].max_row - 1 for name in detail_sheets)
    assert rows == details, (rows, details)
    assert workbook["排名"].max_row - 1 == PEOPLE
