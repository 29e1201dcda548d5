"""Writing the three records: the secretary's own, checked, saved in a transaction and audited.

A record hangs on the village the secretary served in on its date, found from their assignments, never typed.
New records and corrections are accepted for WORKLOG_EDIT_DAYS after the record's day; later it stands as written.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts import audit
from accounts.models import AuditLog
from secretaries.models import Assignment
from villages.models import Village

from .models import ServiceRecord, Summary, WorkLog

RACE = "保存时发现同一天（同一周期）的记录刚被保存过，请刷新页面后在原记录上修改。"


def serving_assignment(secretary, day):
    """The assignment the secretary served under on `day` (the latest started, if two overlap), or None."""
    return (
        Assignment.objects.filter(secretary=secretary, start_date__lte=day)
        .filter(Q(status=Assignment.Status.ACTIVE) | Q(end_date__gte=day))
        .select_related("village__region").order_by("-start_date", "-pk").first()
    )


def serving_village(secretary, day):
    assignment = serving_assignment(secretary, day)
    if assignment is None:
        raise ValidationError({"date": f"{day:%Y-%m-%d} 您不在派驻期内，不能记录这一天。"})
    return assignment.village


def service_villages(secretary, day):
    """Where a service record of `day` may be: the village served then, or another of its township."""
    assignment = serving_assignment(secretary, day)
    if assignment is None:
        return Village.objects.none()
    return Village.objects.filter(region__parent_id=assignment.village.region.parent_id)


def check_new_day(day, today):
    if day > today:
        raise ValidationError({"date": "不能记录今天以后的日期。"})
    days = settings.WORKLOG_EDIT_DAYS
    if day < today - datetime.timedelta(days=days):
        raise ValidationError({"date": f"只能补记最近 {days} 天内的记录；更早的日期已不能补记。"})


def check_editable(record, today):
    if not record.is_editable(today):
        raise ValidationError(
            f"该记录的修改期限已过（记录日期后 {settings.WORKLOG_EDIT_DAYS} 天内可以修改，"
            f"截至 {record.editable_until:%Y-%m-%d}），不能再修改或删除。"
        )


def _save(record):
    """Save; a unique constraint won by a concurrent request between our check and our write is a ValidationError."""
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise ValidationError(RACE) from None


def _create(record, *, user, request):
    record.full_clean()
    _save(record)
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=record)
    return record


def _update(record, fields, *, user, request):
    before = audit.snapshot(record, list(fields))
    for name, value in fields.items():
        setattr(record, name, value)
    record.updated_at = timezone.now()
    record.full_clean()
    _save(record)
    changes = audit.diff(before, audit.snapshot(record, list(fields)), list(fields))
    if changes:
        audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=record, changes=changes)
    return record


def _delete(record, *, user, request, today):
    check_editable(record, today)
    audit.record(user=user, request=request, action=AuditLog.Action.DELETE, obj=record)
    record.delete()


# --- Work logs ---------------------------------------------------------------------------------

@transaction.atomic
def worklog_create(*, user, secretary, date, request=None, today=None, **fields):
    check_new_day(date, today or timezone.localdate())
    log = WorkLog(secretary=secretary, village=serving_village(secretary, date), date=date, **fields)
    return _create(log, user=user, request=request)


@transaction.atomic
def worklog_update(*, user, log, request=None, today=None, **fields):
    """Correct the text and figures; the date stays (a log of the wrong day is deleted and written again)."""
    log = WorkLog.objects.select_for_update().get(pk=log.pk)  # the stored values, not a bound form's
    check_editable(log, today or timezone.localdate())
    fields.pop("date", None)
    return _update(log, fields, user=user, request=request)


@transaction.atomic
def worklog_delete(*, user, log, request=None, today=None):
    _delete(log, user=user, request=request, today=today or timezone.localdate())


# --- Service records ---------------------------------------------------------------------------

def _check_service_village(secretary, date, village):
    if village is not None and not service_villages(secretary, date).filter(pk=village.pk).exists():
        raise ValidationError({"village": "服务村只能是您所驻村或同一镇（街道）的其他村。"})


@transaction.atomic
def service_create(*, user, secretary, date, village, request=None, today=None, **fields):
    check_new_day(date, today or timezone.localdate())
    _check_service_village(secretary, date, village)
    record = ServiceRecord(secretary=secretary, date=date, village=village, **fields)
    return _create(record, user=user, request=request)


@transaction.atomic
def service_update(*, user, record, request=None, today=None, **fields):
    today = today or timezone.localdate()
    record = ServiceRecord.objects.select_for_update().get(pk=record.pk)
    check_editable(record, today)
    date = fields.get("date", record.date)
    if date != record.date:
        check_new_day(date, today)
    _check_service_village(record.secretary, date, fields.get("village", record.village))
    return _update(record, fields, user=user, request=request)


@transaction.atomic
def service_delete(*, user, record, request=None, today=None):
    _delete(record, user=user, request=request, today=today or timezone.localdate())


# --- Weekly and monthly reflections ------------------------------------------------------------

@transaction.atomic
def summary_save(*, user, secretary, period, text, request=None, today=None):
    """Write or correct the reflection on a week or month: from its first day until WORKLOG_EDIT_DAYS after it."""
    today = today or timezone.localdate()
    if today < period.start:
        raise ValidationError({"text": f"{period.label}还没有开始，不能填写。"})
    existing = Summary.objects.select_for_update().filter(
        secretary=secretary, kind=period.kind, period_start=period.start).first()
    record = existing or Summary(secretary=secretary, kind=period.kind, period_start=period.start)
    check_editable(record, today)
    if existing is None:
        record.text = text
        record.village = serving_village(secretary, min(today, period.end))
        return _create(record, user=user, request=request)
    return _update(record, {"text": text}, user=user, request=request)
