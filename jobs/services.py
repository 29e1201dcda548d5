"""Start, run and follow background jobs on the task engine (django-tasks, database backend).

    job = jobs.start(kind="yearly_report", user=request.user, region=region,
                     task="reports.yearly_report.build_workbook", year=2025, region_id=region.pk)

`task` names a function that the worker calls with the keyword arguments given to start() (JSON values only),
plus `job=` when the function takes it. It reports progress with `jobs.progress(percent, message)` (a no-op
outside a job, so the same function also runs in a request or a command) and may return a `jobs.Result` file.
A `JobError` (or Django's ValidationError) fails the job at once with its Chinese message; any other exception
is retried with a growing delay, `JOB_RETRIES` times, before the job fails.
"""

import contextvars
import datetime
import inspect
import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Job, JobFile

logger = logging.getLogger(__name__)

_current = contextvars.ContextVar("current_job", default=None)
PROGRESS_EVERY = 1.0  # seconds between two progress writes of one job
RETRY_BASE_SECONDS = 10  # 10 s, 20 s, 40 s …


class JobError(Exception):
    """Work that cannot be done, with the reason in Chinese for the person who started it (never retried)."""


@dataclass
class Result:
    """A file a job produces: offered for download on the job's page."""

    name: str
    data: bytes
    content_type: str = "application/octet-stream"


def start(*, kind, user, region, task, title="", key="", link="", **args):
    """Queue `task(**args)` as a job of `user`; with a `key`, an identical job still queued or running is returned
    instead of a second one (a double click starts one job). `link`: the page of this site the job's page leads to
    when it has finished (e.g. the import record)."""
    if key:
        running = Job.objects.filter(key=key, state__in=[Job.State.QUEUED, Job.State.RUNNING]).first()
        if running is not None:
            return running
    job = Job(kind=kind, title=title or kind, task=task, args=args, key=key, link=link, created_by=user,
              region=region, message="已排队，等待后台处理。")
    job.full_clean()
    try:
        with transaction.atomic():
            job.save()
            _enqueue(job)
    except IntegrityError:
        # The same key was queued a moment ago by a parallel request: that job stands.
        existing = Job.objects.filter(key=key, state__in=[Job.State.QUEUED, Job.State.RUNNING]).first()
        if existing is None:
            raise
        return existing
    return job


def _enqueue(job, run_after=None):
    from .tasks import run_job  # the task module imports this one

    task = run_job.using(run_after=run_after) if run_after else run_job
    # With the database backend the queue row commits with the job row: both or neither.
    task.enqueue(job.pk)


def progress(percent, message=""):
    """Report how far the current job is (0–100). Writes at most once a second; does nothing outside a job.

    Inside a transaction on PostgreSQL the write goes through a connection of its own (a short-lived thread), so
    the job's page shows it at once rather than when the task's transaction commits. On SQLite, which admits one
    writer, it waits for the commit like the task's other writes."""
    job = _current.get()
    if job is None:
        return
    percent = max(0, min(100, int(percent)))
    now = time.monotonic()
    if now - getattr(job, "_last_write", 0) < PROGRESS_EVERY and percent < 100:
        return
    job._last_write = now
    fields = {"progress": percent, **({"message": message[:300]} if message else {})}
    if connection.in_atomic_block and connection.vendor == "postgresql":
        _write_apart(job.pk, fields)
    else:
        Job.objects.filter(pk=job.pk).update(**fields)


def _write_apart(job_id, fields):
    """Write progress in autocommit on another connection; never the task's own (it holds its transaction)."""

    def write():
        try:
            with connection.cursor() as cursor:  # this thread's own connection
                cursor.execute("SET lock_timeout = '2s'")
            Job.objects.filter(pk=job_id).update(**fields)
        except DatabaseError:
            logger.warning("后台任务 %s 的进度未能写入", job_id)
        finally:
            connection.close()

    thread = threading.Thread(target=write, name=f"job-{job_id}-progress", daemon=True)
    thread.start()
    thread.join(5)


def current():
    return _current.get()


def job_run(job_id):
    """Run one job (the worker calls this). Idempotent: a finished or missing job is left alone."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return
        job.state, job.attempts, job.started_at = Job.State.RUNNING, job.attempts + 1, timezone.now()
        job.message = "正在处理……"
        job.save(update_fields=["state", "attempts", "started_at", "message"])
    token = _current.set(job)
    try:
        func = import_string(job.task)
        kwargs = dict(job.args)
        if "job" in inspect.signature(func).parameters:
            kwargs["job"] = job
        outcome = func(**kwargs)
    except (JobError, ValidationError) as error:
        _fail(job, _message(error))
    except Exception as error:  # noqa: BLE001 — anything else may be passing (a lost connection): retry
        logger.exception("后台任务 %s（%s）第 %s 次执行失败", job.pk, job.kind, job.attempts)
        _retry_or_fail(job, error)
    else:
        _finish(job, outcome)
    finally:
        _current.reset(token)


def _message(error):
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    return str(error)


def _finish(job, outcome):
    with transaction.atomic():
        if isinstance(outcome, Result):
            JobFile.objects.update_or_create(job=job, defaults={
                "name": outcome.name, "content_type": outcome.content_type, "size": len(outcome.data),
                "data": outcome.data})
            message = f"已完成：{outcome.name}"
        else:
            message = str(outcome) if isinstance(outcome, str) and outcome else "已完成。"
        Job.objects.filter(pk=job.pk).update(state=Job.State.DONE, progress=100, message=message[:300], error="",
                                             finished_at=timezone.now())


def _fail(job, error):
    Job.objects.filter(pk=job.pk).update(state=Job.State.FAILED, error=error, message="处理失败。",
                                         finished_at=timezone.now())


def _retry_or_fail(job, error):
    if job.attempts > settings.JOB_RETRIES:
        _fail(job, f"后台处理出错，已重试 {job.attempts - 1} 次仍未成功，请稍后重新发起或联系管理员。"
                   f"（{type(error).__name__}）")
        return
    delay = RETRY_BASE_SECONDS * 2 ** (job.attempts - 1)
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).update(state=Job.State.QUEUED,
                                             message=f"第 {job.attempts} 次处理出错，{delay} 秒后自动重试。")
        _enqueue(job, run_after=timezone.now() + datetime.timedelta(seconds=delay))
