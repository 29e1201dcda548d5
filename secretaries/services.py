"""Assignments change only through these services: full_clean inside a transaction, audited."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts import audit
from accounts.models import AuditLog

from .models import Assignment, Secretary

# How far ahead a rotation may be scheduled; a typo like 2205 should not end today's post.
MAX_DAYS_AHEAD = 366
RACE = "保存时发现该村或该同志的在岗状态刚被他人修改，请刷新页面后重试。"


def _move_secretary(secretary, region):
    """Secretary.region follows the village of their latest assignment (that is what scopes them)."""
    if secretary.region_id != region.pk:
        Secretary.objects.filter(pk=secretary.pk).update(region=region)
        secretary.region = region


def _save(assignment, **kwargs):
    """Save; a constraint that another request won between our check and our write is a ValidationError."""
    try:
        with transaction.atomic():
            assignment.save(**kwargs)
    except IntegrityError:
        raise ValidationError(RACE) from None


@transaction.atomic
def assignment_create(*, user, request=None, **fields):
    assignment = Assignment(**fields)
    assignment.full_clean()
    _save(assignment)
    _move_secretary(assignment.secretary, assignment.village.region)
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=assignment)
    return assignment


@transaction.atomic
def assignment_end(*, user, request=None, assignment, end_date, status, note=""):
    """End an active assignment (召回, 调整 or 期满轮换) without starting another."""
    # Re-read under a row lock: a rotation or recall running at the same moment waits, then sees it ended.
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if not assignment.is_active:
        raise ValidationError("该派驻记录已经结束，不能再次结束。")
    if status == Assignment.Status.ACTIVE:
        raise ValidationError({"status": "请选择离任原因。"})
    before = audit.snapshot(assignment, ["status", "end_date", "note"])
    assignment.status, assignment.end_date = status, end_date
    if note:
        assignment.note = note
    assignment.full_clean()
    _save(assignment, update_fields=["status", "end_date", "note"])
    changes = audit.diff(before, audit.snapshot(assignment, before), before)
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=assignment, changes=changes)
    return assignment


@transaction.atomic
def assignment_rotate(*, user, request=None, assignment, village, start_date, end_date=None, batch=None,
                      role=None, dispatch_level=None, reason=Assignment.Status.ROTATED, note=""):
    """Rotate a secretary: end the current assignment the day before `start_date`, start the next one.

    Both happen or neither does; the old record is kept with its real end date. `note` goes on the new one.
    """
    if village.pk == assignment.village_id:
        raise ValidationError({"village": "新的所驻村与当前所驻村相同。"})
    if start_date <= assignment.start_date:
        began = f"{assignment.start_date:%Y-%m-%d}"
        raise ValidationError({"start_date": f"轮换日期必须晚于当前派驻的开始日期（{began}）。"})
    if start_date > datetime.date.today() + datetime.timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationError({"start_date": "轮换日期不能晚于一年以后，请核对年份。"})
    ended = assignment_end(
        user=user, request=request, assignment=assignment,
        end_date=start_date - datetime.timedelta(days=1), status=reason,
    )
    return assignment_create(
        user=user,
        request=request,
        secretary=ended.secretary,
        village=village,
        batch=batch or ended.batch,
        role=role or ended.role,
        dispatch_level=dispatch_level or ended.dispatch_level,
        start_date=start_date,
        end_date=end_date,
        note=note,
    )
