"""Start, run and follow background jobs on the task engine (django-tasks, database backend).

    job = jobs.start(kind="yearly_report", user=request.user, region=region,
                     task="reports.yearly_report.build_workbook", year=2025, region_id=region.pk)

`task` names a function that the worker calls with the keyword arguments given to start() (JSON values only),
plus `job=` when the function takes it. It reports progress with `jobs.progress(percent, message)` (a no-op
outside a job, so the same function also runs in a request or a command) and may return a `jobs.Result` file.
A `JobError` (or Django's ValidationError) fails the job at once with its Chinese message; any other exception
is retried with a growing delay, `JOB_RETRIES` times, before the job fails.

A worker can die under a job (SIGKILL, out of memory, a machine restart): the job would say 进行中 forever. While
it runs, a thread stamps the job's `heartbeat_at` every `JOB_HEARTBEAT_SECONDS` (on a connection of its own, so a
long transaction does not hold it back). `recover_lost()` — `manage.py recover_jobs`, run every minute, and the
job's own page when it is read — finds jobs without a heartbeat for `JOB_LOST_AFTER_SECONDS`, or whose queue entry
ended without finishing them, and fails them with "后台任务中断（处理进程已停止），请重新提交。" — or, for a job
started with `rerun_if_lost=True` (safe to do again: an import writes all or nothing under its record's lock, a
report only builds a file), queues it again, up to `JOB_RETRIES` times. A run declared lost that was in fact
alive cannot overwrite what came after: a run only finishes the job if the job is still at its attempt.
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


def start(*, kind, user, region, task, title="", key="", link="", rerun_if_lost=False, **args):
    """Queue `task(**args)` as a job of `user`; with a `key`, an identical job still queued or running is returned
    instead of a second one (a double click starts one job). `link`: the page of this site the job's page leads to
    when it has finished (e.g. the import record). `rerun_if_lost`: the task may simply run again if its worker
    died under it (see recover_lost)."""
    if key:
        running = Job.objects.filter(key=key, state__in=[Job.State.QUEUED, Job.State.RUNNING]).first()
        if running is not None:
            return running
    job = Job(kind=kind, title=title or kind, task=task, args=args, key=key, link=link, created_by=user,
              region=region, message="已排队，等待后台处理。", rerun_if_lost=rerun_if_lost)
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
    result = task.enqueue(job.pk)
    job.task_id = result.id
    Job.objects.filter(pk=job.pk).update(task_id=result.id)


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
    fields = {"progress": percent, "heartbeat_at": timezone.now(), **({"message": message[:300]} if message else {})}
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
        now = timezone.now()
        job.state, job.attempts, job.started_at, job.heartbeat_at = Job.State.RUNNING, job.attempts + 1, now, now
        job.message = "正在处理……"
        job.save(update_fields=["state", "attempts", "started_at", "heartbeat_at", "message"])
    token = _current.set(job)
    heartbeat = Heartbeat(job)
    heartbeat.start()
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
    except BaseException:
        # The worker is being stopped in the middle (a second Ctrl+C or SIGTERM): say so now, not in two minutes.
        heartbeat.stop()
        _lost(job.pk, attempt=job.attempts)
        raise
    else:
        _finish(job, outcome)
    finally:
        heartbeat.stop()
        _current.reset(token)


class Heartbeat(threading.Thread):
    """Stamps `heartbeat_at` of a running job every JOB_HEARTBEAT_SECONDS, on this thread's own connection (in
    autocommit: the job's transaction, however long, does not hold it back). Best effort: a missed beat is logged."""

    def __init__(self, job):
        super().__init__(name=f"job-{job.pk}-heartbeat", daemon=True)
        self.job_id, self.attempt, self.done = job.pk, job.attempts, threading.Event()

    def run(self):
        try:
            while not self.done.wait(settings.JOB_HEARTBEAT_SECONDS):
                try:
                    if connection.vendor == "postgresql":
                        with connection.cursor() as cursor:
                            cursor.execute("SET lock_timeout = '2s'")
                    Job.objects.filter(pk=self.job_id, attempts=self.attempt, state=Job.State.RUNNING).update(
                        heartbeat_at=timezone.now())
                except DatabaseError:
                    logger.warning("后台任务 %s 的心跳未能写入", self.job_id)
        finally:
            connection.close()

    def stop(self):
        self.done.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(10)


def _message(error):
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    return str(error)


def _finish(job, outcome):
    with transaction.atomic():
        # Only the run the job is at may finish it: a run declared lost and requeued must not overwrite the next.
        current = Job.objects.select_for_update().filter(pk=job.pk, attempts=job.attempts,
                                                          state=Job.State.RUNNING).exists()
        if not current:
            logger.warning("后台任务 %s 第 %s 次执行已被视为中断，其结果不再写入", job.pk, job.attempts)
            return
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
    Job.objects.filter(pk=job.pk, attempts=job.attempts, state=Job.State.RUNNING).update(
        state=Job.State.FAILED, error=error, message="处理失败。", finished_at=timezone.now())


def _retry_or_fail(job, error):
    if job.attempts > settings.JOB_RETRIES:
        _fail(job, f"后台处理出错，已重试 {job.attempts - 1} 次仍未成功，请稍后重新发起或联系管理员。"
                   f"（{type(error).__name__}）")
        return
    delay = RETRY_BASE_SECONDS * 2 ** (job.attempts - 1)
    with transaction.atomic():
        if Job.objects.filter(pk=job.pk, attempts=job.attempts, state=Job.State.RUNNING).update(
                state=Job.State.QUEUED, message=f"第 {job.attempts} 次处理出错，{delay} 秒后自动重试。"):
            _enqueue(job, run_after=timezone.now() + datetime.timedelta(seconds=delay))


# --- Jobs whose worker died ----------------------------------------------------------------------------------

LOST = "后台任务中断（处理进程已停止），请重新提交。"


class WorkerLost(Exception):
    """What the queue row of a job whose worker died records (django-tasks-db shows it as the failure)."""


def lost_before(now=None):
    return (now or timezone.now()) - datetime.timedelta(seconds=settings.JOB_LOST_AFTER_SECONDS)


def looks_lost(job, now=None):
    """A running job without a heartbeat for JOB_LOST_AFTER_SECONDS (no query: read from the row in hand)."""
    if job.state != Job.State.RUNNING:
        return False
    last = job.heartbeat_at or job.started_at
    return last is None or last < lost_before(now)


def lost_jobs(now=None, among=None):
    """Ids of the jobs whose worker is gone: running without a heartbeat for JOB_LOST_AFTER_SECONDS; or queued or
    running while their queue entry has ended (the run stopped without finishing the job) or, queued, has been
    claimed by a worker longer ago than that without the job ever starting (the worker died in between)."""
    from django.db.models import Q
    from django_tasks_db.models import DBTaskResult

    before = lost_before(now)
    jobs = Job.objects.all() if among is None else Job.objects.filter(pk__in=among)
    stale = jobs.filter(state=Job.State.RUNNING).filter(
        Q(heartbeat_at__lt=before) | Q(heartbeat_at__isnull=True, started_at__lt=before))
    ids = set(stale.values_list("pk", flat=True))
    open_jobs = dict(jobs.filter(state__in=[Job.State.QUEUED, Job.State.RUNNING], task_id__isnull=False)
                     .exclude(pk__in=ids).values_list("task_id", "pk"))
    if open_jobs:
        ended = DBTaskResult.objects.filter(pk__in=list(open_jobs)).filter(
            Q(status__in=["SUCCESSFUL", "FAILED"]) | Q(status="RUNNING", started_at__lt=before))
        for task_id, status in ended.values_list("pk", "status"):
            job_id = open_jobs[task_id]
            if status != "RUNNING" or Job.objects.filter(pk=job_id, state=Job.State.QUEUED).exists():
                ids.add(job_id)
    return sorted(ids)


def recover_lost(now=None):
    """Fail or requeue every job whose worker is gone (see lost_jobs). → [(job id, "failed" | "requeued")]."""
    return [(job_id, outcome) for job_id in lost_jobs(now) if (outcome := _lost(job_id, now=now))]


def recover_if_lost(job):
    """The job's page: a job that looks lost is recovered before it is shown. → True when something changed."""
    if not looks_lost(job):
        return False
    return bool(_lost(job.pk))


def _lost(job_id, *, attempt=None, now=None):
    """Fail or requeue one job whose run ended without finishing it; re-checked under the row's lock, so two
    recoveries (the command and a page) act once. `attempt`: the run that knows it is being stopped."""
    from django_tasks_db.models import DBTaskResult

    try:
        with transaction.atomic():
            job = Job.objects.select_for_update(skip_locked=True).filter(pk=job_id).first()
            if job is None or job.is_finished or (attempt is not None and job.attempts != attempt):
                return None
            if attempt is None and not lost_jobs(now, among=[job.pk]):
                return None
            if job.task_id:
                DBTaskResult.objects.filter(pk=job.task_id, status="RUNNING").update(
                    status="FAILED", finished_at=timezone.now(),
                    exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                    traceback="WorkerLost: 处理进程已停止（没有心跳），由 recover_jobs 结束。")
            if job.rerun_if_lost and job.attempts <= settings.JOB_RETRIES:
                Job.objects.filter(pk=job.pk).update(
                    state=Job.State.QUEUED, heartbeat_at=None,
                    message=f"处理进程意外停止，已自动重新排队（已执行 {job.attempts} 次）。")
                _enqueue(job)
                outcome = "requeued"
            else:
                tried = f"（已自动重做 {job.attempts - 1} 次）" if job.rerun_if_lost and job.attempts > 1 else ""
                Job.objects.filter(pk=job.pk).update(state=Job.State.FAILED, error=LOST + tried,
                                                     message="处理失败。", finished_at=timezone.now())
                outcome = "failed"
    except DatabaseError:
        logger.exception("中断的后台任务 %s 未能处理", job_id)
        return None
    logger.warning("后台任务 %s（%s）的处理进程已停止：%s", job.pk, job.kind,
                   "已重新排队" if outcome == "requeued" else "已标记为失败")
    return outcome
