"""A job whose worker died (killed, out of memory, machine restarted) does not say 进行中 forever: once its heartbeat
is older than JOB_LOST_AFTER_SECONDS it is failed with a Chinese reason, or requeued when it is safe to redo."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

import jobs
from jobs import services
from jobs.models import Job

pytestmark = pytest.mark.django_db


def start(world, **kwargs):
    return jobs.start(kind="test", user=world.users.admin, region=world.county,
                      task="tests.jobs.sample_tasks.make_file", title="测试任务", rows=2, **kwargs)


def died_running(job, minutes=5):
    """What a worker killed in the middle leaves: the queue row and the job running, the last heartbeat old."""
    then = timezone.now() - datetime.timedelta(minutes=minutes)
    DBTaskResult.objects.filter(pk=job.task_id).update(status="RUNNING", started_at=then, worker_ids=["dead"])
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, attempts=1, started_at=then, heartbeat_at=then)
    job.refresh_from_db()
    return job


def test_a_job_without_a_heartbeat_is_failed_with_a_chinese_reason(world, capsys):
    job = died_running(start(world))
    call_command("recover_jobs")
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and job.error == "后台任务中断（处理进程已停止），请重新提交。"
    assert job.finished_at is not None
    queue = DBTaskResult.objects.get(pk=job.task_id)
    assert queue.status == "FAILED" and queue.exception_class_path == "jobs.services.WorkerLost"
    assert f"后台任务 {job.pk}：已标记为失败" in capsys.readouterr().out


def test_a_recent_heartbeat_keeps_a_running_job_alive(world, settings):
    settings.JOB_LOST_AFTER_SECONDS = 120
    job = died_running(start(world), minutes=1)
    assert services.recover_lost() == []
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING


def test_a_job_safe_to_redo_is_requeued_and_then_finishes(world, run_tasks):
    job = died_running(start(world, rerun_if_lost=True))
    dead_task = job.task_id
    assert services.recover_lost() == [(job.pk, "requeued")]
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED and "已自动重新排队" in job.message and job.task_id != dead_task
    assert DBTaskResult.objects.get(pk=dead_task).status == "FAILED"
    assert run_tasks() == 1
    job.refresh_from_db()
    assert (job.state, job.attempts, job.progress) == (Job.State.DONE, 2, 100)


def test_a_job_lost_again_and_again_fails_after_the_retries(world, settings):
    settings.JOB_RETRIES = 1
    job = start(world, rerun_if_lost=True)
    died_running(job)
    assert services.recover_lost() == [(job.pk, "requeued")]
    job.refresh_from_db()
    died_running(job)
    Job.objects.filter(pk=job.pk).update(attempts=2)
    assert services.recover_lost() == [(job.pk, "failed")]
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and job.error.startswith("后台任务中断（处理进程已停止），请重新提交。")
    assert "已自动重做 1 次" in job.error


def test_a_queued_job_whose_worker_died_before_starting_it_is_recovered(world):
    job = start(world)
    then = timezone.now() - datetime.timedelta(minutes=5)
    DBTaskResult.objects.filter(pk=job.task_id).update(status="RUNNING", started_at=then)
    assert services.recover_lost() == [(job.pk, "failed")]


def test_a_job_whose_queue_entry_ended_without_it_is_recovered_at_once(world):
    """A worker stopped hard (a second Ctrl+C) records its queue entry as failed; the job is not left waiting."""
    job = start(world)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, attempts=1, started_at=timezone.now(),
                                         heartbeat_at=timezone.now())
    DBTaskResult.objects.filter(pk=job.task_id).update(status="FAILED", finished_at=timezone.now())
    assert services.recover_lost() == [(job.pk, "failed")]


def test_a_lost_run_that_comes_back_cannot_overwrite_the_next(world, run_tasks):
    """Declared lost while in fact alive: its late result is dropped, the requeued run stands."""
    job = died_running(start(world, rerun_if_lost=True))
    stale_run = Job.objects.get(pk=job.pk)
    services.recover_lost()
    services._finish(stale_run, "迟到的结果")
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED
    run_tasks()
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.message != "迟到的结果"


def test_the_jobs_page_recovers_it_when_read_and_shows_the_next_step(world, login):
    job = died_running(start(world, link="/imports/1/"))
    client = login(world.users.admin)
    status = client.get(reverse("jobs:job_status", args=[job.pk])).json()
    assert status["state"] == "failed" and status["finished"] and status["error"].startswith("后台任务中断")
    page = client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()
    assert "失败" in page and "请重新提交" in page and "查看处理结果" in page
    assert "进行中" not in page


@pytest.mark.django_db(transaction=True)  # on PostgreSQL progress inside a transaction writes on its own connection
def test_progress_stamps_the_heartbeat(world):
    job = start(world)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, attempts=1)
    job.refresh_from_db()
    token = services._current.set(job)
    try:
        jobs.progress(50, "一半")
    finally:
        services._current.reset(token)
    job.refresh_from_db()
    assert job.heartbeat_at is not None and job.progress == 50
