"""A real db_worker process picks up a job queued by another process and finishes it (its own SQLite file)."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

START = """
from accounts.roles import Role
from accounts.models import User
from villages.models import Region
from villages.services import region_create
import jobs
county = region_create(name="金乡县", level=Region.Level.COUNTY)
user = User.objects.create_user(username="w", password="x", role=Role.COUNTY_ADMIN, region=county)
job = jobs.start(kind="test", user=user, region=county, task="tests.jobs.sample_tasks.make_file", rows=4)
print(job.pk)
"""


def manage(env, *args, **kwargs):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, **kwargs)


def test_a_worker_process_runs_a_queued_job_to_the_end(tmp_path):
    database = tmp_path / "worker.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DJANGO_SETTINGS_MODULE": "config.settings.base",
           "TASKS_BACKEND": "django_tasks_db.DatabaseBackend", "PYTHONPATH": str(ROOT)}
    assert manage(env, "migrate", "-v0").returncode == 0
    started = manage(env, "shell", "-c", START)
    assert started.returncode == 0, started.stderr
    job_id = int(started.stdout.strip().splitlines()[-1])
    worker = subprocess.Popen([sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay",
                               "--no-reload"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        state = None
        while time.monotonic() < deadline:
            with sqlite3.connect(database, timeout=10) as db:
                state, progress = db.execute("SELECT state, progress FROM jobs_job WHERE id = ?", [job_id]).fetchone()
            if state == "done":
                break
            time.sleep(0.3)
        assert (state, progress) == ("done", 100)
        with sqlite3.connect(database) as db:
            name, data = db.execute("SELECT name, data FROM jobs_jobfile WHERE job_id = ?", [job_id]).fetchone()
        assert name == "结果4.txt" and bytes(data).decode() == "行\n" * 4
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            pytest.fail("db_worker did not stop on SIGTERM")
