"""A gunicorn worker killed (SIGKILL) in the middle of a large write — a roster import confirmed on the web — leaves
all or nothing: every row of the file with its import record marked done, or no row and the record still waiting
for confirmation (the request is one transaction, config.middleware). Confirming again then writes it all.

Against real processes: gunicorn on its own PostgreSQL database (DATABASE_URL's name + _kill), one worker, killed
at several moments of the confirm (fractions of how long an undisturbed confirm takes). Slow: runs when
RUN_SERVER_FAULTS=1.
"""

import datetime
import io
import os
import re
import signal
import threading
import time

import pytest
from openpyxl import Workbook

from .server import Browser, gunicorn, own_database, psql, workers_of

DB = own_database("kill")
ROWS = int(os.environ.get("KILL_ROWS", "1500"))
TOWNSHIPS = 10
ROUNDS = 6  # files; the first is confirmed undisturbed to time it, the rest are killed part-way
BATCH = "2024—2026年派驻批次"

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(os.environ.get("RUN_SERVER_FAULTS") != "1",
                       reason="starts gunicorn and kills its worker: run by scripts/faults"),
]

SETUP = f"""
import datetime
from accounts.roles import Role
from demo.db import create_regions
from secretaries.models import Batch, DispatchUnit
from tests import factories as f
from villages.models import Region, Village
from villages.services import region_create

city = region_create(name="济宁市", level=Region.Level.CITY, code="370800000000")
county = region_create(name="金乡县", level=Region.Level.COUNTY, parent=city, code="370828000000")
towns = create_regions([Region(name=f"第{{t + 1}}镇", level=Region.Level.TOWNSHIP, parent=county)
                        for t in range({TOWNSHIPS})])
villages = create_regions([Region(name=f"第{{i + 1}}村", level=Region.Level.VILLAGE, parent=towns[i % {TOWNSHIPS}])
                           for i in range({ROWS * ROUNDS})])
Village.objects.bulk_create([Village(region=r, needs_secretary=True) for r in villages], batch_size=2000)
DispatchUnit.objects.bulk_create([DispatchUnit(name=f"县直单位{{n + 1}}", level="county", region=county)
                                  for n in range(20)])
Batch.objects.create(name="{BATCH}", region=county, start_date=datetime.date(2024, 3, 1),
                     end_date=datetime.date(2026, 2, 28))
user = f.user("kill_admin", Role.COUNTY_ADMIN, county)
user.set_password("{{password}}")
user.save()
"""


def roster(round_):
    """ROWS new people for this round, each for a village of their own."""
    from secretaries import idcard
    from secretaries.importers import COLUMNS, RosterImporter

    by_key = {column.key: column for column in COLUMNS}
    book = Workbook(write_only=True)
    sheet = book.create_sheet("第一书记花名册")
    sheet.append([by_key[key].header for key in RosterImporter.template_keys])
    born = datetime.date(1960 + round_, 1, 1)
    for i in range(ROWS):
        village = round_ * ROWS + i
        row = {
            "name": f"R{round_}测试{i + 1}", "id_number": idcard.make("370828", born + datetime.timedelta(days=i),
                                                                   i % 1000),
            "ethnicity": "汉族", "political_status": "中共党员", "education": "大学本科", "phone": f"139{i:08d}",
            "unit": f"县直单位{i % 20 + 1}", "unit_level": "县直", "post": "科员", "rank": "四级主任科员",
            "township": f"第{village % TOWNSHIPS + 1}镇", "village": f"第{village + 1}村",
            "village_code": "", "batch": BATCH, "dispatch_level": "县派", "role": "第一书记",
            "start_date": datetime.date(2024, 3, 1), "end_date": datetime.date(2026, 2, 28), "rotation": "否",
        }
        sheet.append([row[key] for key in RosterImporter.template_keys])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def written(round_):
    return int(psql(f"SELECT count(*) FROM secretaries_secretary WHERE name LIKE 'R{round_}测试%'", DB))


def record_status(pk):
    return psql(f"SELECT status FROM excel_importrecord WHERE id = {pk}", DB)


def preview(browser, round_):
    browser.request("/imports/roster/")
    status, _, headers = browser.request("/imports/roster/", {"csrfmiddlewaretoken": browser.csrf()},
                                         files={"file": (f"花名册{round_}.xlsx", roster(round_))})
    assert status == 302, "upload refused"
    return int(re.search(r"/record/(\d+)/", headers["Location"]).group(1))


def confirm(browser, pk, outcome):
    try:
        outcome["status"] = browser.request(f"/imports/record/{pk}/confirm/",
                                            {"csrfmiddlewaretoken": browser.csrf()}, timeout=120)[0]
    except OSError as error:  # the worker died under the request
        outcome["status"] = type(error).__name__


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from .server import PASSWORD

    with gunicorn(DB, tmp_path_factory.mktemp("kill"), setup=SETUP.replace("{password}", PASSWORD),
                  workers=1, env_extra={"DB_STATEMENT_TIMEOUT": "0"}) as process:
        yield process


def test_a_worker_killed_mid_import_leaves_all_or_nothing(server):
    browser = Browser().login("kill_admin")
    pk = preview(browser, 0)
    started, outcome = time.monotonic(), {}
    confirm(browser, pk, outcome)
    full = time.monotonic() - started
    assert outcome["status"] == 302 and written(0) == ROWS and record_status(pk) == "done"

    results = []
    for round_, fraction in enumerate((0.1, 0.3, 0.5, 0.7, 0.9), start=1):
        pk = preview(browser, round_)
        outcome, worker = {}, workers_of(server)[0]
        thread = threading.Thread(target=confirm, args=(browser, pk, outcome))
        thread.start()
        time.sleep(full * fraction)
        os.kill(worker, signal.SIGKILL)
        thread.join(timeout=180)
        rows, status = written(round_), record_status(pk)
        results.append((fraction, rows, status))
        assert (rows, status) in ((0, "pending"), (ROWS, "done")), (fraction, rows, status)
        for _ in range(100):  # the master starts a new worker
            if workers_of(server) and workers_of(server)[0] != worker:
                break
            time.sleep(0.1)
        time.sleep(1)
        if rows == 0:  # nothing was written: confirming again writes it all
            again = {}
            confirm(browser, pk, again)
            assert again["status"] == 302 and written(round_) == ROWS and record_status(pk) == "done"
    nothing = sum(1 for _, rows, _ in results if rows == 0)
    print(f"\nkill: {len(results)} workers killed mid-import ({ROWS} rows, undisturbed {full:.1f} s): "
          f"{nothing} × nothing written, {len(results) - nothing} × all written, 0 × partial")
