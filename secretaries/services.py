"""Assignments change only through these services: full_clean inside a transaction, audited."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import audit
from accounts.models import AuditLog

from .models import Assignment, Secretary


def _move_secretary(secretary, region):
    """Secretary.region follows the village of their latest assignment (that is what scopes them)."""
    if secretary.region_id != region.pk:
        Secretary.objects.filter(pk=secretary.pk).update(region=region)
        secretary.region = region


@transaction.atomic
def assignment_create(*, user, request=None, **fields):
    assignment = Assignment(**fields)
    assignment.full_clean()
    assignment.save()
    _move_secretary(assignment.secretary, assignment.village.region)
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=assignment)
    return assignment


@transaction.atomic
def assignment_end(*, user, request=None, assignment, end_date, status, note=""):
    """End an active assignment (召回, 调整 or 期满轮换) without starting another."""
    if not assignment.is_active:
        raise ValidationError("该派驻记录已经结束，不能再次结束。")
    if status == Assignment.Status.ACTIVE:
        raise ValidationError({"status": "请选择离任原因。"})
    before = audit.snapshot(assignment, ["status", "end_date", "note"])
    assignment.status, assignment.end_date = status, end_date
    if note:
        assignment.note = note
    assignment.full_clean()
    assignment.save(update_fields=["status", "end_date", "note"])
    changes = audit.diff(before, audit.snapshot(assignment, before), before)
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=assignment, changes=changes)
    return assignment


@transaction.atomic
def assignment_rotate(*, user, request=None, assignment, village, start_date, end_date=None, batch=None,
                      role=None, dispatch_level=None, reason=Assignment.Status.ROTATED, note=""):
    """Rotate a secretary: end the current assignment the day before `start_date`, start the next one.

    Both happen or neither does; the old record is kept with its real end date.
    """
    # Lock the row so two people rotating the same secretary cannot both succeed.
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if not assignment.is_active:
        raise ValidationError("只能轮换在岗的派驻记录。")
    if village.pk == assignment.village_id:
        raise ValidationError({"village": "新的所驻村与当前所驻村相同。"})
    if start_date <= assignment.start_date:
        began = f"{assignment.start_date:%Y-%m-%d}"
        raise ValidationError({"start_date": f"轮换日期必须晚于当前派驻的开始日期（{began}）。"})
    assignment_end(
        user=user, request=request, assignment=assignment,
        end_date=start_date - datetime.timedelta(days=1), status=reason, note=note,
    )
    return assignment_create(
        user=user,
        request=request,
        secretary=assignment.secretary,
        village=village,
        batch=batch or assignment.batch,
        role=role or assignment.role,
        dispatch_level=dispatch_level or assignment.dispatch_level,
        start_date=start_date,
        end_date=end_date,
        note=note,
    )
