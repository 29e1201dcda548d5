"""What a roster confirmation costs at 20,000 and 100,000 rows: the figures behind IMPORT_MAX_ROWS / IMPORT_MAX_MB.

Runs excel.services.import_confirm — the function a web request or a background worker calls — on a county with a
village per row, and prints the file's size, the wall time of the preview and of the confirmation, the child's
peak memory while reading (excel.sandbox), the Python allocations' peak (tracemalloc, in a second pass) and the
process's resident high-water mark. Asserts only correctness.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_files \
        .venv/bin/pytest tests/perf/test_import_confirm_perf.py -m perf -s
    PERF_CONFIRM_ROWS=20000 ...    # other sizes, comma-separated (default 20000,100000)
"""

import datetime
import io
import os
import resource
import time
import tracemalloc

import pytest
from openpyxl import Workbook

from accounts.roles import Role
from demo.db import create_regions
from excel import sandbox, services
from excel.models import ImportRecord
from secretaries import idcard
from secretaries.importers import COLUMNS, RosterImporter
from secretaries.models import Batch, DispatchUnit, Secretary
from tests import factories as f
from villages.models import Region, Village
from villages.services import region_create

SIZES = [int(n) for n in os.environ.get("PERF_CONFIRM_ROWS", "20000,100000").split(",")]
BATCH = "2024—2026年派驻批次"
MB = 1024 * 1024

pytestmark = [pytest.mark.perf, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _only_when_selected(request):
    if "perf" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("benchmark: run with -m perf")


def build_county(rows, townships=50):
    per_township = -(-rows // townships)
    city = region_create(name="济宁市", level=Region.Level.CITY, code="370800000000")
    county = region_create(name="金乡县", level=Region.Level.COUNTY, parent=city, code="370828000000")
    towns = create_regions([Region(name=f"第{t + 1}镇", level=Region.Level.TOWNSHIP, parent=county)
                            for t in range(townships)])
    villages = create_regions([Region(name=f"第{i + 1}村", level=Region.Level.VILLAGE,
                                      parent=towns[i // per_township]) for i in range(rows)])
    Village.objects.bulk_create([Village(region=region, needs_secretary=True) for region in villages], batch_size=5000)
    DispatchUnit.objects.bulk_create([DispatchUnit(name=f"县直单位{n + 1}", level="county", region=county)
                                      for n in range(50)])
    Batch.objects.create(name=BATCH, region=county, start_date=datetime.date(2024, 3, 1),
                         end_date=datetime.date(2026, 2, 28))
    return f.user("perf_admin", Role.COUNTY_ADMIN, county), per_township


def roster_file(rows, per_township):
    by_key = {column.key: column for column in COLUMNS}
    keys = RosterImporter.template_keys
    book = Workbook(write_only=True)
    sheet = book.create_sheet("第一书记花名册")
    sheet.append([by_key[key].header for key in keys])
    born = datetime.date(1960, 1, 1)
    for i in range(rows):
        row = {
            "name": f"测试{i + 1}", "id_number": idcard.make("370828", born + datetime.timedelta(days=i // 500),
                                                             i % 500),
            "ethnicity": "汉族", "political_status": "中共党员", "education": "大学本科", "phone": f"138{i:08d}",
            "unit": f"县直单位{i % 50 + 1}", "unit_level": "县直", "post": "科员", "rank": "四级主任科员",
            "township": f"第{i // per_township + 1}镇", "village": f"第{i + 1}村", "village_code": "", "batch": BATCH,
            "dispatch_level": "县派", "role": "第一书记", "start_date": datetime.date(2024, 3, 1),
            "end_date": datetime.date(2026, 2, 28), "rotation": "否",
        }
        sheet.append([row[key] for key in keys])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def max_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("rows", SIZES)
def test_confirm_cost(rows, settings):
    settings.IMPORT_MAX_ROWS = rows
    settings.IMPORT_MAX_BYTES = 100 * MB
    settings.IMPORT_PARSE_SECONDS = 600
    settings.IMPORT_PARSE_MAX_MB = 4096
    user, per_township = build_county(rows)
    data = roster_file(rows, per_township)
    usage = sandbox.Usage()
    real = sandbox.read_limited
    sandbox_reads = []

    def measured(*args, **kwargs):
        kwargs["usage"] = usage
        started = time.perf_counter()
        table = real(*args, **kwargs)
        sandbox_reads.append(time.perf_counter() - started)
        return table

    rss_before = max_rss()
    import excel.pipeline

    excel.pipeline.read_limited = measured
    try:
        started = time.perf_counter()
        record = services.import_preview(importer_class=RosterImporter, user=user, data=data, filename="花名册.xlsx",
                                         options={})
        previewed = time.perf_counter() - started
        assert not record.problems, record.problems[:3]
        started = time.perf_counter()
        outcome = services.import_confirm(import_id=record.pk, user_id=user.pk)
        confirmed = time.perf_counter() - started
    finally:
        excel.pipeline.read_limited = real
    assert outcome.written, outcome.message
    assert Secretary.objects.count() == rows and ImportRecord.objects.get().status == "done"
    child = usage.peak_rss_mb
    # Python allocations of a confirmation that finds every row unchanged (the same plan, no write), traced.
    again = services.import_preview(importer_class=RosterImporter, user=user, data=data, filename="花名册.xlsx",
                                    options={})
    tracemalloc.start()
    services.import_confirm(import_id=again.pk, user_id=user.pk)
    traced = tracemalloc.get_traced_memory()[1] / MB
    tracemalloc.stop()
    print(f"\n{rows} rows: file {len(data) / MB:.1f} MB; preview {previewed:.1f} s; confirm {confirmed:.1f} s "
          f"(reading in the child {sandbox_reads[-1]:.1f} s, child peak {child:.0f} MB); "
          f"process high-water {max_rss():.0f} MB (was {rss_before:.0f} MB); "
          f"Python peak of a re-confirm (tracemalloc) {traced:.0f} MB")
