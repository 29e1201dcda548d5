"""Preview, confirm, re-check and purge imports: the web pages, the commands and a background worker call these.

- The uploaded file lives in the database (ImportUpload) from preview to confirmation, so any app server can
  confirm what another previewed; it is deleted on confirmation and on expiry.
- A confirmation locks its import record (SELECT … FOR UPDATE) and checks its status under the lock: two users
  pressing 确认导入 at once write once, and the second is told so. Record status and data commit together.
- Imports of one kind in one county are serialised (a PostgreSQL advisory lock held to the end of the transaction;
  on SQLite the database lock does it), deadlocks are retried, and any other database conflict becomes a Chinese
  message with nothing written.
- import_confirm(import_id=…, user_id=…) is a plain idempotent function: run it again and it does nothing.
"""

import datetime
import logging
import re
import time
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection, transaction
from django.utils import timezone

from accounts.models import User

from .models import AdminUpload, ImportRecord, ImportUpload
from .pipeline import Plan, Problem, retryable, sha256
from .registry import IMPORTERS

logger = logging.getLogger(__name__)

ALREADY = "该导入已确认，不能再次确认。"
HANDLED = "该导入已经处理过，不能再次确认。"
EXPIRED = "预览已过期，文件已删除，请重新上传。"
GONE = "上传的文件已不在服务器上（可能已过期被清理），请重新上传。"
BUSY = "数据库繁忙（可能有另一项导入正在写入），本次导入未写入任何数据，请稍后再试。"
CHANGED = "数据在预览之后发生了变化，出现了新的错误，未写入任何数据。请查看下方错误。"
ATTEMPTS = 3


@dataclass
class Outcome:
    """What a confirmation did: written or not, and the message for the user."""

    written: bool
    message: str
    plan: Plan | None = None


# --- Preview -------------------------------------------------------------------------------------------------


def import_preview(*, importer_class, user, data, filename, options):
    """Check every row and keep the file (in the database) and the verdict; write nothing. → the ImportRecord."""
    import_purge()  # cheap; so that expired uploads go even where nobody schedules purge_imports
    plan = importer_class(user, **options).run(data, filename, commit=False)
    record = ImportRecord(kind=importer_class.kind, user=user, region=user.region, file_name=filename[:255],
                          file_sha256=sha256(data), file_size=len(data), options=options,
                          expires_at=ImportRecord.expiry_from_now())
    keep(record, plan)
    with transaction.atomic():
        record.save()
        if plan.rows:  # a file refused as a whole is not kept
            ImportUpload.objects.create(record=record, data=data)
    return record


def keep(record, plan):
    record.counts, record.samples, record.notes = plan.counts, plan.samples(), plan.notes
    record.problems = [p.as_list() for p in plan.problems]


def import_replan(*, import_id, user_id, options):
    """Check the stored file again with other options (e.g. create the unknown units). → Outcome (not written)."""
    with transaction.atomic():
        record, upload, refusal = _pending(import_id)
        if refusal:
            return Outcome(False, refusal)
        user = User.objects.select_related("region").get(pk=user_id)
        record.options = {**record.options, **options}
        keep(record, IMPORTERS[record.kind](user, **record.options).run(bytes(upload.data), record.file_name,
                                                                        commit=False))
        record.save()
    return Outcome(False, "已重新检查。")


# --- Confirm -------------------------------------------------------------------------------------------------


def import_confirm(*, import_id, user_id, request=None):
    """Write a previewed import, once. Safe to call twice or from two places at once: the second call finds the
    record confirmed and does nothing. → Outcome."""
    for attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                return _confirm_once(import_id, user_id)
        except OperationalError as error:
            if not retryable(error) or attempt == ATTEMPTS - 1:
                logger.warning("import %s not confirmed: %s", import_id, type(error.__cause__ or error).__name__)
                return Outcome(False, BUSY)
            time.sleep(0.2 * (attempt + 1))
        except DatabaseError as error:
            logger.warning("import %s not confirmed: %s", import_id, type(error.__cause__ or error).__name__)
            return Outcome(False, BUSY)
    return Outcome(False, BUSY)  # pragma: no cover - the loop always returns


def _confirm_once(import_id, user_id):
    record, upload, refusal = _pending(import_id)
    if refusal:
        return Outcome(False, refusal)
    user = User.objects.select_related("region").get(pk=user_id)
    cls = IMPORTERS[record.kind]
    if not cls.may_import(user):
        return Outcome(False, "您的角色不能导入此类数据。")
    serialise(record.kind, record.region_id)
    plan = cls(user, **record.options).run(bytes(upload.data), record.file_name, commit=True)
    keep(record, plan)
    if not plan.written:
        record.save()
        return Outcome(False, CHANGED, plan)
    # In the data's transaction: a crash from here on leaves neither the data nor a 已导入 record.
    record.status, record.finished_at = ImportRecord.Status.DONE, timezone.now()
    record.save()
    upload.delete()  # the file goes at once; the preview's personal data when the record expires (import_purge)
    unit = cls.counted_as
    return Outcome(True, f"导入完成：新增 {len(plan.new)} {unit}，更新 {len(plan.updated)} {unit}，"
                         f"{len(plan.unchanged)} {unit}无变化。", plan)


def import_confirm_job(*, import_id, user_id):
    """A large import's confirmation on the task worker (jobs.start names this function). Progress: "正在读取"
    before the import's transaction opens, then the pipeline's phases (written through a connection of their own
    on PostgreSQL, see jobs.progress), then 100 % when the job ends. A refusal fails the job with the importer's
    Chinese message; the import record keeps the full list of problems. Run again, it does nothing."""
    import jobs
    from jobs.services import JobError

    jobs.progress(1, "正在读取上传的文件……")
    outcome = import_confirm(import_id=import_id, user_id=user_id)
    if not outcome.written:
        if outcome.message == ALREADY:  # a run whose worker died just after its commit was requeued: done already
            return "导入已完成（数据已在上一次执行中写入）。"
        raise JobError(refusal_text(outcome))
    return outcome.message


def refusal_text(outcome, shown=3):
    """The refusal in one paragraph: the reason and the first problems, for a page without the problem list."""
    problems = outcome.plan.problems if outcome.plan else []
    if not problems:
        return outcome.message
    lines = [(f"第 {p.row} 行「{p.column}」：" if p.row else "") + p.reason.rstrip("。") for p in problems[:shown]]
    more = f"等共 {len(problems)} 处" if len(problems) > shown else ""
    head = outcome.message.removesuffix("请查看下方错误。")
    return f"{head.rstrip('。')}：{'；'.join(lines)}{more}。详见导入记录。"


def _pending(import_id):
    """The import record locked for this transaction and its upload, or a refusal."""
    record = ImportRecord.objects.select_for_update().filter(pk=import_id).first()
    if record is None:
        return None, None, "找不到该导入记录。"
    if record.status == ImportRecord.Status.DONE:
        return record, None, ALREADY
    if record.status != ImportRecord.Status.PENDING:
        return record, None, HANDLED
    upload = ImportUpload.objects.filter(record=record).first()
    if record.is_expired or upload is None:
        refusal = EXPIRED if record.is_expired else GONE
        _expire(record, timezone.now())
        return record, None, refusal
    return record, upload, None


def run_serialised(importer, data, filename, *, commit, region_id, bookkeeping=None):
    """importer.run() for the commands: serialised like a confirmation, deadlocks retried, database conflicts as
    problems; bookkeeping(plan) (the import record) commits in the same transaction as the data. → Plan."""
    if not commit:
        return importer.run(data, filename, commit=False)
    for attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                serialise(importer.kind, region_id)
                plan = importer.run(data, filename, commit=True)
                if bookkeeping:
                    bookkeeping(plan)
                return plan
        except OperationalError as error:
            if not retryable(error) or attempt == ATTEMPTS - 1:
                return Plan(problems=[Problem(0, "", BUSY)])
            time.sleep(0.2 * (attempt + 1))
        except DatabaseError:
            return Plan(problems=[Problem(0, "", BUSY)])
    return Plan(problems=[Problem(0, "", BUSY)])  # pragma: no cover


def serialise(kind, region_id):
    """Hold, to the end of the transaction, the lock of imports of this kind in this county (or in the region of a
    city or province user); an import without a region (the shell) excludes all of its kind."""
    if connection.vendor != "postgresql":
        return  # SQLite lets one writer at a time anyway
    key = zlib.crc32(kind.encode()) & 0x7FFFFFFF
    county = county_of(region_id)
    with connection.cursor() as cursor:
        if county is None:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [key])
        else:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, 0), pg_advisory_xact_lock(%s, %s)",
                           [key, key, county])


def county_of(region_id):
    if region_id is None:
        return None
    Region = ImportRecord._meta.get_field("region").related_model  # villages.Region, named, not imported
    path = Region.objects.filter(pk=region_id).values_list("path", flat=True).first() or ""
    ancestors = [int(part) for part in path.strip("/").split("/") if part.isdigit()]
    county = Region.objects.filter(pk__in=ancestors or [region_id], level=Region.Level.COUNTY).values_list(
        "pk", flat=True).first()
    return county or region_id


# --- Expiry and purge ----------------------------------------------------------------------------------------

# 18-digit numbers (and the old 15-digit ones): everything after the six-digit birthplace code is masked.
_ID_NUMBER = re.compile(r"(?<![0-9])([1-9][0-9]{5})([0-9]{11}[0-9Xx]|[0-9]{9})(?![0-9Xx])")


def mask_numbers(text):
    return _ID_NUMBER.sub(lambda m: m[1] + "*" * len(m[2]), text) if isinstance(text, str) else text


def _expire(record, now):
    ImportUpload.objects.filter(record=record).delete()
    if record.status == ImportRecord.Status.PENDING:
        record.status = ImportRecord.Status.EXPIRED
    record.samples = {}
    record.problems = [[row, column, mask_numbers(reason)] for row, column, reason in record.problems]
    record.notes = [mask_numbers(note) for note in record.notes]
    record.file_name = mask_numbers(record.file_name)
    record.purged_at = now
    record.save(update_fields=["status", "samples", "problems", "notes", "file_name", "purged_at"])


def import_purge(*, now=None):
    """Delete the uploads of expired imports and the personal data of their previews (sample rows go, ID numbers
    in messages are masked). → how many records were purged. Run by `manage.py purge_imports` and on upload."""
    now = now or timezone.now()
    AdminUpload.objects.filter(created_at__lte=now - datetime.timedelta(hours=settings.IMPORT_PENDING_HOURS)).delete()
    purged = 0
    for pk in ImportRecord.objects.filter(expires_at__lte=now, purged_at__isnull=True).values_list("pk", flat=True):
        with transaction.atomic():
            record = ImportRecord.objects.select_for_update(skip_locked=True).filter(
                pk=pk, purged_at__isnull=True).first()
            if record is not None:  # else a confirmation holds it, or another purge did it
                _expire(record, now)
                purged += 1
    return purged
