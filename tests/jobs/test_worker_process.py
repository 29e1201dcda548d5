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


START_TWO = START.replace(
    'job = jobs.start(kind="test", user=user, region=county, task="tests.jobs.sample_tasks.make_file", rows=4)\n'
    'print(job.pk)',
    'a = jobs.start(kind="test", user=user, region=county, task="tests.jobs.sample_tasks.slow", seconds=20)\n'
    'b = jobs.start(kind="test", user=user, region=county, task="tests.jobs.sample_tasks.slow", seconds=3,'
    ' rerun_if_lost=True)\nprint(a.pk, b.pk)')


def row(database, job_id):
    with sqlite3.connect(database, timeout=10) as db:
        return db.execute("SELECT state, progress, error, attempts, heartbeat_at, started_at, message FROM jobs_job "
                          "WHERE id = ?", [job_id]).fetchone()


def wait_for(database, job_id, test, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = row(database, job_id)
        if test(found):
            return found
        time.sleep(0.2)
    pytest.fail(f"job {job_id}: {row(database, job_id)}")


def test_a_killed_worker_leaves_no_job_running_forever(tmp_path):
    """Worker SIGKILLed in the middle of a job: the job's heartbeat stops; recover_jobs then fails it with the
    Chinese reason, or — a job safe to redo — requeues it, and the next worker finishes it."""
    database = tmp_path / "lost.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DJANGO_SETTINGS_MODULE": "config.settings.base",
           "TASKS_BACKEND": "django_tasks_db.DatabaseBackend", "PYTHONPATH": str(ROOT),
           "JOB_HEARTBEAT_SECONDS": "0.3", "JOB_LOST_AFTER_SECONDS": "2"}
    assert manage(env, "migrate", "-v0").returncode == 0
    started = manage(env, "shell", "-c", START_TWO)
    assert started.returncode == 0, started.stderr
    first, second = map(int, started.stdout.strip().splitlines()[-1].split())

    def worker():
        return subprocess.Popen([sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay",
                                 "--no-reload"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

    def kill_when_beating(job_id):
        process = worker()
        try:  # running, and the heartbeat thread has stamped at least once after the start
            wait_for(database, job_id, lambda r: r[0] == "running" and r[4] and r[4] > r[5])
        finally:
            process.kill()
            process.wait(20)

    kill_when_beating(first)
    time.sleep(2.5)
    assert row(database, first)[0] == "running"  # what the user saw before: 进行中, forever
    recovered = manage(env, "recover_jobs")
    assert recovered.returncode == 0 and f"后台任务 {first}：已标记为失败" in recovered.stdout, recovered.stderr
    state, _, error, *_ = row(database, first)
    assert (state, error) == ("failed", "后台任务中断（处理进程已停止），请重新提交。")

    kill_when_beating(second)
    time.sleep(2.5)
    recovered = manage(env, "recover_jobs")
    assert f"后台任务 {second}：已重新排队" in recovered.stdout, recovered.stdout + recovered.stderr
    assert row(database, second)[0] == "queued"
    process = worker()
    try:
        state, progress, _, attempts, *_, message = wait_for(database, second, lambda r: r[0] in ("done", "failed"))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(20)
    assert (state, progress, attempts, message) == ("done", 100, 2, "慢任务完成。")
    with sqlite3.connect(database) as db:
        statuses = sorted(s for (s,) in db.execute("SELECT status FROM django_tasks_database_dbtaskresult"))
    assert statuses == ["FAILED", "FAILED", "SUCCESSFUL"]  # no queue entry left running by a dead worker
