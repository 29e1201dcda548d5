"""Benchmark of the roster import and export at 10,000 rows, against django-import-export's default way.

Prints, in one run: the import through RosterImporter.run(commit=True) split into read / plan / write, the
re-import of the same file (which must find every row unchanged), the export (roster_rows + write_workbook),
peak memory, and django-import-export with a default ModelResource on the same file and database. Asserts only
correctness, never time.

    .venv/bin/pytest tests/perf/test_import_perf.py -m perf -s
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/pytest tests/perf/test_import_perf.py -m perf -s
    PERF_ROWS=2000 ...     # another size (default 10,000)
    PERF_PROFILE=1 ...     # also print the top functions (cProfile, cumulative) of each of our phases

Memory is measured in separate passes, because tracing slows Python down: the tracemalloc peak (Python objects
only; calamine's own buffers are not seen) and the process's ru_maxrss high-water mark (everything, but a
high-water mark: it only moves when a phase needs more than anything before it).

Opt-in: skipped unless the run selects `-m perf`, so the normal suite stays fast.
"""

import cProfile
import datetime
import io
import os
import pstats
import resource
import tempfile
import time
import tracemalloc
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from import_export import resources
from import_export.fields import Field
from import_export.formats import base_formats
from import_export.widgets import ForeignKeyWidget
from openpyxl import Workbook

from accounts.models import AuditLog
from accounts.roles import Role
from demo.db import create_regions
from excel.writer import write_workbook
from secretaries import idcard
from secretaries.exports import roster_rows, roster_sheet
from secretaries.importers import COLUMNS, RosterImporter
from secretaries.models import Assignment, Batch, DispatchUnit, Secretary
from tests import factories as f
from villages.models import Region, Village
from villages.services import region_create

ROWS = int(os.environ.get("PERF_ROWS", "10000"))
PROFILE = os.environ.get("PERF_PROFILE", "") not in ("", "0")
TOWNSHIPS = 20
UNITS = 50
PER_TOWNSHIP = -(-ROWS // TOWNSHIPS)
BATCH = "2024—2026年派驻批次"
BORN = datetime.date(1970, 1, 1)
MB = 1024 * 1024

pytestmark = [pytest.mark.perf, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _only_when_selected(request):
    if "perf" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("benchmark: run with -m perf")


# --- The county and the file ---------------------------------------------------------------------------------


def build_county():
    """One county, 20 townships, a village per row (one active first secretary per village), 50 units, 1 batch."""
    city = region_create(name="济宁市", level=Region.Level.CITY, code="370800000000")
    county = region_create(name="金乡县", level=Region.Level.COUNTY, parent=city, code="370828000000")
    townships = create_regions([Region(name=f"第{t + 1}镇", level=Region.Level.TOWNSHIP, parent=county,
                                       code=f"370828{t + 1:03d}000") for t in range(TOWNSHIPS)])
    villages = create_regions([
        Region(name=f"第{i + 1}村", level=Region.Level.VILLAGE, parent=townships[i // PER_TOWNSHIP],
               code=f"370828{i // PER_TOWNSHIP + 1:03d}{i % PER_TOWNSHIP + 1:03d}" if PER_TOWNSHIP < 1000 else "")
        for i in range(ROWS)
    ])
    Village.objects.bulk_create([Village(region=region, needs_secretary=True) for region in villages], batch_size=2000)
    DispatchUnit.objects.bulk_create([DispatchUnit(name=f"县直单位{n + 1}", level="county", region=county)
                                      for n in range(UNITS)])
    Batch.objects.create(name=BATCH, region=county, start_date=datetime.date(2024, 3, 1),
                         end_date=datetime.date(2026, 2, 28))
    return f.user("perf_admin", Role.COUNTY_ADMIN, county)


def roster_file():
    """The import template's columns (headers without the * a template puts on required ones), one person a row."""
    by_key = {column.key: column for column in COLUMNS}
    keys = RosterImporter.template_keys
    book = Workbook(write_only=True)
    sheet = book.create_sheet("第一书记花名册")
    sheet.append([by_key[key].header for key in keys])
    for i in range(ROWS):
        row = {
            "name": f"测试{i + 1}", "id_number": idcard.make("370828", BORN + datetime.timedelta(days=i), i % 1000),
            "ethnicity": "汉族", "political_status": "中共党员", "education": "大学本科", "phone": f"138{i:08d}",
            "unit": f"县直单位{i % UNITS + 1}", "unit_level": "县直", "post": "科员", "rank": "四级主任科员",
            "township": f"第{i // PER_TOWNSHIP + 1}镇", "village": f"第{i + 1}村", "village_code": "", "batch": BATCH,
            "dispatch_level": "县派", "role": "第一书记", "start_date": datetime.date(2024, 3, 1),
            "end_date": datetime.date(2026, 2, 28), "rotation": "否",
        }
        sheet.append([row[key] for key in keys])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- Measuring -----------------------------------------------------------------------------------------------


class TimedRosterImporter(RosterImporter):
    """The real importer, run through the real run(); it only notes how long each phase takes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.times = {}

    def read(self, data, filename):
        with timed(self.times, "read"):
            return super().read(data, filename)

    def plan_rows(self, table):
        with timed(self.times, "plan"):
            return super().plan_rows(table)

    def write(self, plan):
        with timed(self.times, "write"):
            return super().write(plan)


@contextmanager
def timed(times, key):
    started = time.perf_counter()
    try:
        yield
    finally:
        times[key] = times.get(key, 0) + time.perf_counter() - started


@contextmanager
def counted(counts, key):
    """Count the statements sent to the database (cheap: nothing is recorded but the number)."""
    def wrapper(execute, sql, params, many, context):
        counts[key] = counts.get(key, 0) + 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield


@contextmanager
def rolled_back():
    """Run the block in a savepoint that is rolled back: the database is as before afterwards."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@contextmanager
def without_the_import():
    """As rolled_back(), starting from the county before the first import: no people, no assignments, no audit."""
    with rolled_back():
        Assignment.objects.all().delete()
        Secretary.objects.all().delete()
        AuditLog.objects.all().delete()
        yield


def traced_peak(action):
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()


def max_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def profile(label, action, lines=25):
    profiler = cProfile.Profile()
    profiler.runcall(action)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(lines)
    print(f"\n--- profile: {label} ---\n{out.getvalue()}")


def export_roster(user):
    with tempfile.TemporaryFile() as file:
        write_workbook(file, [roster_sheet(roster_rows(Secretary.objects.for_user(user), user))])
        return file.tell()


# --- django-import-export, the default way -------------------------------------------------------------------


class DefaultSecretaryResource(resources.ModelResource):
    """A ModelResource with default options, its fields named after the file's columns; foreign keys by name,
    as the documentation shows them. It imports the person only (no assignment, no choice labels)."""

    name = Field(attribute="name", column_name="姓名")
    id_number = Field(attribute="id_number", column_name="身份证号")
    ethnicity = Field(attribute="ethnicity", column_name="民族")
    phone = Field(attribute="phone", column_name="联系电话")
    unit = Field(attribute="unit", column_name="派出单位", widget=ForeignKeyWidget(DispatchUnit, "name"))
    post = Field(attribute="post", column_name="职务")
    rank = Field(attribute="rank", column_name="职级")
    region = Field(attribute="region", column_name="所驻村", widget=ForeignKeyWidget(Region, "name"))

    class Meta:
        model = Secretary
        fields = ("name", "id_number", "ethnicity", "phone", "unit", "post", "rank", "region")
        import_id_fields = ("id_number",)


def import_export_run(data, times, counts, key):
    with timed(times, f"{key} read"):
        dataset = base_formats.XLSX().create_dataset(data)
    with timed(times, f"{key} import"), counted(counts, key):
        result = DefaultSecretaryResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    return result


# --- The benchmark -------------------------------------------------------------------------------------------


def test_roster_import_and_export():
    started = time.perf_counter()
    user = build_county()
    data = roster_file()
    setup = time.perf_counter() - started
    rss = {"start": max_rss()}
    times, counts = {}, {}

    importer = TimedRosterImporter(user)
    with timed(times, "import"), counted(counts, "import"):
        plan = importer.run(data, "花名册.xlsx", commit=True)
    assert plan.written and plan.problems == [], plan.problems[:5]
    assert plan.counts["new"] == ROWS and Assignment.objects.active().count() == ROWS
    rss["import"] = max_rss()

    again = TimedRosterImporter(user)
    with timed(times, "re-import"), counted(counts, "re-import"):
        replan = again.run(data, "花名册.xlsx", commit=True)
    assert replan.counts["unchanged"] == ROWS and replan.counts["new"] == replan.counts["updated"] == 0
    assert AuditLog.objects.count() == ROWS  # the re-import audited nothing: nothing changed
    rss["re-import"] = max_rss()

    with timed(times, "export"), counted(counts, "export"):
        size = export_roster(user)
    rss["export"] = max_rss()

    peaks = {}
    with without_the_import():
        peaks["import"] = traced_peak(lambda: RosterImporter(user).run(data, "花名册.xlsx", commit=True))
    peaks["re-import"] = traced_peak(lambda: RosterImporter(user).run(data, "花名册.xlsx", commit=True))
    peaks["export"] = traced_peak(lambda: export_roster(user))

    with without_the_import():
        fresh = import_export_run(data, times, counts, "import-export fresh")
        assert fresh.totals["new"] == ROWS
    with rolled_back():
        import_export_run(data, times, counts, "import-export re-import")

    report(times, counts, peaks, rss, importer.times, again.times, size, setup)

    if PROFILE:
        with without_the_import():
            profile("import", lambda: RosterImporter(user).run(data, "花名册.xlsx", commit=True))
        with rolled_back():
            profile("re-import", lambda: RosterImporter(user).run(data, "花名册.xlsx", commit=True))
        profile("export", lambda: export_roster(user))


def report(times, counts, peaks, rss, first, second, size, setup):
    def phases(split):
        return " / ".join(f"{key} {split.get(key, 0):.2f}" for key in ("read", "plan", "write"))

    theirs = times["import-export fresh read"] + times["import-export fresh import"]
    theirs_again = times["import-export re-import read"] + times["import-export re-import import"]
    print(f"\nRoster, {ROWS} rows on {connection.vendor} (county and file built in {setup:.1f} s)")
    print(f"  import     {times['import']:6.2f} s  ({phases(first)}; {counts['import']} statements)")
    print(f"  re-import  {times['re-import']:6.2f} s  ({phases(second)}; {counts['re-import']} statements;"
          " every row unchanged)")
    print(f"  export     {times['export']:6.2f} s  ({size / MB:.1f} MB xlsx; {counts['export']} statements)")
    print("  peak memory, tracemalloc: " + ", ".join(f"{k} {v:.0f} MB" for k, v in peaks.items()))
    print("  process max RSS (ru_maxrss) after each timed phase: "
          + ", ".join(f"{k} {v:.0f} MB" for k, v in rss.items()))
    print("  django-import-export, default ModelResource (person only, no assignments):")
    print(f"    fresh      {theirs:6.2f} s  (read {times['import-export fresh read']:.2f}, import_data "
          f"{times['import-export fresh import']:.2f}; {counts['import-export fresh']} statements)"
          f"  = {theirs / times['import']:.1f} × ours")
    print(f"    re-import  {theirs_again:6.2f} s  (read {times['import-export re-import read']:.2f}, import_data "
          f"{times['import-export re-import import']:.2f}; {counts['import-export re-import']} statements)"
          f"  = {theirs_again / times['re-import']:.1f} × ours")


# --- With encryption, committed: the budget ------------------------------------------------------------------

BUDGET = 1.5  # seconds for the 10,000-row import on PostgreSQL, commit included (README)


def children_cpu():
    """CPU seconds of this process's finished children: the import reads its file in a forked child."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def clear_audit():
    """Empty the audit table between runs: on PostgreSQL its trigger refuses DELETE (append-only), TRUNCATE is the
    benchmark's way round it (row triggers do not fire on TRUNCATE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE accounts_auditlog")
    else:
        AuditLog.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_roster_import_with_encrypted_fields_commits_within_the_budget():
    """The import of issue 12 §2: 身份证号 and phones encrypted and hashed on the way in, the upsert keyed by the
    hash, the whole import committed (no test transaction around it). Best of three fresh imports; then the ID
    lookup (one exact match through the hash) and a re-import."""
    user = build_county()
    data = roster_file()
    runs, phases = [], []
    for _ in range(3):
        Assignment.objects.all().delete()
        Secretary.objects.all().delete()
        clear_audit()
        importer = TimedRosterImporter(user)
        started, cpu, child = time.perf_counter(), time.process_time(), children_cpu()
        plan = importer.run(data, "花名册.xlsx", commit=True)
        runs.append(time.perf_counter() - started)
        phases.append((runs[-1], time.process_time() - cpu, importer.times, children_cpu() - child))
        assert plan.written and plan.counts["new"] == ROWS, plan.problems[:3]
    number = idcard.make("370828", BORN + datetime.timedelta(days=ROWS // 2), (ROWS // 2) % 1000)
    started = time.perf_counter()
    for _ in range(100):
        found = Secretary.objects.get(id_number=number)
    lookup = (time.perf_counter() - started) / 100
    assert found.name == f"测试{ROWS // 2 + 1}"
    started = time.perf_counter()
    again = RosterImporter(user).run(data, "花名册.xlsx", commit=True)
    reimport = time.perf_counter() - started
    assert again.counts["unchanged"] == ROWS
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM secretaries_secretary LIMIT 1")
        stored = cursor.fetchone()
    assert not any(value.isdigit() for value in stored)
    print(f"\nRoster import with encrypted 身份证号 and phones, {ROWS} rows on {connection.vendor}, committed:")
    print(f"  import     {min(runs):6.2f} s best of 3 ({', '.join(f'{r:.2f}' for r in runs)}; budget {BUDGET} s)")
    meta = Secretary._meta
    number, number_hash = meta.get_field("id_number"), meta.get_field("id_number_hash")
    phone, phone_hash = meta.get_field("phone"), meta.get_field("phone_hash")
    values = [(idcard.make("370828", BORN + datetime.timedelta(days=i), i % 1000), f"138{i:08d}")
              for i in range(ROWS)]
    started = time.process_time()
    for value, mobile in values:  # what the import adds per new person: two encryptions, two hashes
        number.encrypt(value), number_hash.of(value), phone.encrypt(mobile), phone_hash.of(mobile)
    crypto_cost = time.process_time() - started
    best = min(phases, key=lambda p: p[0])
    print(f"             best run: {best[1]:.2f} s CPU in this process, {best[3]:.2f} s in the child that reads the "
          "file; " + " / ".join(f"{k} {v:.2f}" for k, v in best[2].items()))
    print("             load average {:.2f} {:.2f} {:.2f} (the machine's {} cores)".format(*os.getloadavg(),
                                                                                     os.cpu_count()))
    print(f"             of which encrypting and hashing {ROWS} people: {crypto_cost:.2f} s CPU")
    print(f"  re-import  {reimport:6.2f} s (every row unchanged)")
    print(f"  ID lookup  {lookup * 1000:6.2f} ms (Secretary.objects.get(id_number=…), through the keyed hash)")
    if PROFILE:
        Assignment.objects.all().delete()
        Secretary.objects.all().delete()
        profile("import, committed", lambda: RosterImporter(user).run(data, "花名册.xlsx", commit=True), lines=40)
    if connection.vendor == "postgresql" and ROWS == 10000 and not os.environ.get("PERF_NO_BUDGET"):
        assert min(runs) <= BUDGET
