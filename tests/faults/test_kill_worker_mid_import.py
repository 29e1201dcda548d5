"""The task worker SIGKILLed in the middle of a large import's job: nothing is half written, the job does not stay
进行中 — recover_jobs requeues it (an import is safe to redo: its confirm locks the record and writes all or
nothing) — and the next worker writes the whole file once; a second kill after that leaves it done.

Real processes on PostgreSQL: db_worker subprocesses on the test database (committed rows, transaction=True).
Slow: runs when RUN_SERVER_FAULTS=1 (scripts/faults sets it)."""

import datetime
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

import jobs
from excel.models import ImportRecord
from excel.services import import_preview
from jobs import services as job_services
from jobs.models import Job
from secretaries import idcard
from secretaries.importers import RosterImporter
from secretaries.models import Secretary
from tests import factories as f
from tests.secretaries.test_roster_import import person, xlsx

ROWS = int(os.environ.get("KILL_JOB_ROWS", "3000"))

pytestmark = [
    pytest.mark.faults,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="the worker process must share the test database: set DATABASE_URL to PostgreSQL"),
]
slow = pytest.mark.skipif(os.environ.get("RUN_SERVER_FAULTS") != "1",
                          reason="starts and kills task workers: run by scripts/faults")


def worker():
    db = connection.settings_dict
    env = {**os.environ, "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
                                         f"/{db['NAME']}",
           "DJANGO_SETTINGS_MODULE": "config.settings.base", "JOB_HEARTBEAT_SECONDS": "0.5"}
    return subprocess.Popen([sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay",
                             "--no-reload"], cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def wait_for(job, test, seconds=240):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if test(job):
            return job
        time.sleep(0.1)
    pytest.fail(f"job {job.pk}: {job.state} {job.progress}% {job.message} {job.error}")


@slow
def test_a_worker_killed_mid_import_job_writes_nothing_then_the_requeued_job_writes_all(world, settings):
    settings.JOB_LOST_AFTER_SECONDS = 1
    born = datetime.date(1970, 1, 1)
    data = xlsx([person(f"测试{n}", idcard.make("370829", born + datetime.timedelta(days=n), n % 1000), village="",
                        township="") for n in range(ROWS)])
    record = import_preview(importer_class=RosterImporter, user=world.users.admin, data=data, filename="花名册.xlsx",
                            options={})
    assert not record.problems and record.counts["rows"] == ROWS
    before = Secretary.objects.count()
    job = jobs.start(kind="import", user=world.users.admin, region=world.county, key=f"import:{record.pk}",
                     task="excel.services.import_confirm_job", link=record.get_absolute_url(), rerun_if_lost=True,
                     import_id=record.pk, user_id=world.users.admin.pk)

    first = worker()
    try:  # inside the import's transaction: "已读取 N 行，正在逐行核对" or later, not yet finished
        wait_for(job, lambda j: j.state == Job.State.RUNNING and j.progress >= 25 or j.is_finished)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    killed_at = (job.progress, job.message)
    assert job.state == Job.State.RUNNING, "the import finished before the kill: raise KILL_JOB_ROWS"
    time.sleep(1.5)
    record.refresh_from_db()
    assert Secretary.objects.count() == before and record.status == ImportRecord.Status.PENDING  # nothing written
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING  # and, before recover_jobs, it would say so forever

    assert job_services.recover_lost() == [(job.pk, "requeued")]
    second = worker()
    try:
        wait_for(job, lambda j: j.is_finished)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    record.refresh_from_db()
    assert (job.state, job.attempts) == (Job.State.DONE, 2), job.error
    assert Secretary.objects.count() == before + ROWS and record.status == ImportRecord.Status.DONE
    print(f"\nkill: task worker killed mid-import job ({ROWS} rows) at {killed_at[0]} % ({killed_at[1]}): "
          f"0 rows written, job requeued by recover_jobs, the next worker wrote {ROWS} rows once (2 runs)")


def test_a_requeued_import_whose_data_was_already_written_ends_done_not_refused(world):
    """The worker died after the import's commit but before the job was marked done: the rerun finds the record
    已导入 and says so as a success, not "该导入已确认，不能再次确认"."""
    data = xlsx([person("孙丽", f.id_number(), village="", township="")])
    record = import_preview(importer_class=RosterImporter, user=world.users.admin, data=data, filename="花名册.xlsx",
                            options={})
    from excel.services import import_confirm, import_confirm_job

    assert import_confirm(import_id=record.pk, user_id=world.users.admin.pk).written
    assert import_confirm_job(import_id=record.pk, user_id=world.users.admin.pk).startswith("导入已完成")
