"""A 20,000-row roster confirmed as a background job: what the job's page sees while the worker writes.

The import is previewed, then started exactly as 确认导入 does (jobs.start with the import's key) and run by the
worker's code (run_queued_tasks). A second thread reads the job's row every 0.2 s on its own connection, as the
page's polling does, and prints each progress step it saw with the time, and the slowest of those reads (the site
stays responsive: the reads are not blocked by the import's transaction). Needs PostgreSQL (on SQLite progress
inside the import's transaction shows at its commit).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_wire \
        .venv/bin/pytest tests/perf/test_import_job_perf.py -m perf -s
    PERF_JOB_ROWS=5000 ...   # another size
"""

import os
import threading
import time

import pytest
from django.db import connection

import jobs
from excel import services
from excel.models import ImportRecord
from jobs.models import Job
from secretaries.importers import RosterImporter
from secretaries.models import Secretary
from tests.conftest import run_queued_tasks

from .test_import_confirm_perf import build_county, roster_file

ROWS = int(os.environ.get("PERF_JOB_ROWS", "20000"))

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _only_when_selected(request):
    if "perf" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("benchmark: run with -m perf")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="progress during the transaction needs PostgreSQL")
def test_a_large_import_job_reports_progress_while_it_writes(settings):
    settings.IMPORT_JOB_MIN_ROWS = 2000
    admin, per_township = build_county(ROWS)
    data = roster_file(ROWS, per_township)
    started = time.perf_counter()
    record = services.import_preview(importer_class=RosterImporter, user=admin, data=data, filename="花名册.xlsx",
                                     options={"create_units": False})
    preview_s = time.perf_counter() - started
    assert not record.problems and record.counts["rows"] == ROWS
    job = jobs.start(kind="import", user=admin, region=admin.region, task="excel.services.import_confirm_job",
                     key=f"import:{record.pk}", link=record.get_absolute_url(), import_id=record.pk,
                     user_id=admin.pk)

    seen, slowest, stop = [], [0.0], threading.Event()

    def watch():
        while not stop.is_set():
            asked = time.perf_counter()
            row = Job.objects.filter(pk=job.pk).values_list("state", "progress", "message").get()
            slowest[0] = max(slowest[0], time.perf_counter() - asked)
            if not seen or seen[-1][1:] != row:
                seen.append((time.perf_counter() - began, *row))
            time.sleep(0.2)
        connection.close()

    began = time.perf_counter()
    watcher = threading.Thread(target=watch)
    watcher.start()
    assert run_queued_tasks() == 1
    job_s = time.perf_counter() - began
    time.sleep(0.5)
    stop.set()
    watcher.join()

    job.refresh_from_db()
    record.refresh_from_db()
    assert job.state == Job.State.DONE and record.status == ImportRecord.Status.DONE
    assert Secretary.objects.count() == ROWS
    print(f"\n{ROWS:,} rows: preview {preview_s:.1f} s, job {job_s:.1f} s; slowest poll {slowest[0] * 1000:.0f} ms")
    for at, state, percent, message in seen:
        print(f"  {at:6.1f} s  {state:8} {percent:3d}%  {message}")
    assert [p for _at, _s, p, _m in seen if 0 < p < 100], "the page saw no progress between start and end"
