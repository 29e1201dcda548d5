"""Plans and task items change only through these services: checked, inside a transaction, audited.

Views check who may act (access.py) after finding the object through for_user; the services check the state the
object is in, under a row lock, so two officials pressing the same button at once cannot both succeed.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts import audit
from accounts.models import AuditLog
from notifications import events as notify_events
from secretaries.models import Assignment

from .attachments import validate_upload
from .models import CommonTask, CommonTaskItem, Plan, PlanAttachment, TaskAttachment, TaskItem

Status = TaskItem.Status
CHANGED_MEANWHILE = "该记录刚被他人修改，请刷新页面后重试。"


def _record(user, request, obj, before=None, **extra):
    """An UPDATE audit record: the fields that changed since `before`, plus any extra notes (e.g. the reason)."""
    changes = audit.diff(before, audit.snapshot(obj, list(before)), list(before)) if before else {}
    changes.update({key: value for key, value in extra.items() if value})
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=obj, changes=changes)


def _locked(model, obj):
    return model.objects.select_for_update().get(pk=obj.pk)


def _save_new(obj):
    obj.full_clean()
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise ValidationError(CHANGED_MEANWHILE) from None


# --- Plans ------------------------------------------------------------------------------------------------------

@transaction.atomic
def plan_create(*, user, request=None, village, year, **fields):
    plan = Plan(village=village, year=year, created_by=user if user.pk else None, **fields)
    _save_new(plan)
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=plan)
    return plan


PLAN_FIELDS = ("overview", *(name for name, _ in Plan.GOAL_FIELDS))


@transaction.atomic
def plan_update(plan, *, user, request=None, **fields):
    plan = _locked(Plan, plan)
    if not plan.is_editable:
        raise ValidationError("规划已提交，不能再修改；如需修改，请镇街退回。")
    before = audit.snapshot(plan, PLAN_FIELDS)
    for name in PLAN_FIELDS:
        if name in fields:
            setattr(plan, name, fields[name])
    plan.full_clean()
    plan.save()
    _record(user, request, plan, before)
    return plan


def _plan_move(plan, *, user, request, allowed, to, message, reason="", **stamps):
    plan = _locked(Plan, plan)
    if plan.status not in allowed:
        raise ValidationError(message.format(status=plan.get_status_display()))
    before = audit.snapshot(plan, ["status", "return_reason"])
    plan.status = to
    plan.return_reason = reason if to == Plan.Status.RETURNED else plan.return_reason
    for name, value in stamps.items():
        setattr(plan, name, value)
    plan.save()
    _record(user, request, plan, before)
    return plan


@transaction.atomic
def plan_submit(plan, *, user, request=None):
    if not any(text.strip() for _label, text in plan.goals()):
        raise ValidationError("请至少填写一个“看”维度的目标后再提交。")
    return _plan_move(plan, user=user, request=request, allowed=Plan.EDITABLE_STATES, to=Plan.Status.SUBMITTED,
                      message="规划当前为“{status}”，不能提交。", submitted_at=timezone.now())


@transaction.atomic
def plan_approve(plan, *, user, request=None):
    return _plan_move(plan, user=user, request=request, allowed=(Plan.Status.SUBMITTED,), to=Plan.Status.APPROVED,
                      message="规划当前为“{status}”，只有已提交的规划可以审核。", reviewed_at=timezone.now(),
                      reviewed_by=user)


@transaction.atomic
def plan_return(plan, *, user, request=None, reason):
    if not (reason or "").strip():
        raise ValidationError({"reason": "退回须填写理由。"})
    return _plan_move(plan, user=user, request=request, allowed=(Plan.Status.SUBMITTED,), to=Plan.Status.RETURNED,
                      message="规划当前为“{status}”，只有已提交的规划可以退回。", reason=reason.strip(),
                      reviewed_at=timezone.now(), reviewed_by=user)


# --- Task items ---------------------------------------------------------------------------------------------------

def active_village(secretary):
    assignment = Assignment.objects.active().filter(secretary=secretary).select_related("village").first()
    if assignment is None:
        raise ValidationError({"secretary": f"{secretary.name}当前没有在岗的派驻记录，不能建立任务。"})
    return assignment.village


@transaction.atomic
def task_create(*, user, request=None, secretary, dimension, title, deadline, description="",
                source=TaskItem.Source.OWN, today=None):
    today = today or timezone.localdate()
    if deadline < today:
        raise ValidationError({"deadline": "完成时限不能早于今天。"})
    task = TaskItem(secretary=secretary, village=active_village(secretary), year=today.year, dimension=dimension,
                    title=title, description=description, deadline=deadline, created_on=today, source=source)
    _save_new(task)
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=task)
    return task


TASK_FIELDS = ("dimension", "title", "description", "deadline")


@transaction.atomic
def task_update(task, *, user, request=None, **fields):
    """The item's own wording and deadline; a county-issued item keeps the county's (only county staff change it)."""
    task = _locked(TaskItem, task)
    if not task.is_open:
        raise ValidationError("已申请办结或已办结的任务不能修改。")
    if (task.source == TaskItem.Source.COUNTY or task.common_item_id) and not user.is_county_admin:
        raise ValidationError("县统一下发的任务由县委组织部确定名称、内容和时限；您可以更新进度和佐证说明。")
    before = audit.snapshot(task, TASK_FIELDS)
    for name in TASK_FIELDS:
        if name in fields:
            setattr(task, name, fields[name])
    task.full_clean()
    task.save()
    _record(user, request, task, before)
    return task


@transaction.atomic
def task_progress(task, *, user, request=None, progress, evidence):
    task = _locked(TaskItem, task)
    if not task.is_open:
        raise ValidationError(f"任务当前为“{task.get_status_display()}”，不能更新进度。")
    before = audit.snapshot(task, ["status", "progress", "evidence"])
    task.progress, task.evidence = progress, evidence
    task.status = Status.IN_PROGRESS
    task.full_clean()
    task.save()
    _record(user, request, task, before)
    return task


@transaction.atomic
def task_close(task, *, user, request=None, evidence):
    """办结: the secretary closes the item with an evidence note; it waits for the township's confirmation."""
    if not (evidence or "").strip():
        raise ValidationError({"evidence": "申请办结须填写办结情况及佐证说明。"})
    task = _locked(TaskItem, task)
    if not task.is_open:
        raise ValidationError(f"任务当前为“{task.get_status_display()}”，不能申请办结。")
    before = audit.snapshot(task, ["status", "progress", "evidence"])
    task.status, task.progress, task.evidence = Status.PENDING, 100, evidence.strip()
    task.closed_at, task.return_reason = timezone.now(), ""
    task.save()
    _record(user, request, task, before)
    notify_events.closeout_requested(task)
    return task


@transaction.atomic
def task_confirm(task, *, user, request=None):
    """销号: the township official confirms the close-out."""
    task = _locked(TaskItem, task)
    if task.status != Status.PENDING:
        raise ValidationError(f"任务当前为“{task.get_status_display()}”，只有待确认的任务可以确认办结。")
    before = audit.snapshot(task, ["status"])
    task.status, task.confirmed_at, task.confirmed_by = Status.DONE, timezone.now(), user
    task.save()
    _record(user, request, task, before)
    return task


@transaction.atomic
def task_reject(task, *, user, request=None, reason):
    """The township sends a close-out back: the item is 进行中 again, with the reason for the secretary."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "退回须填写理由。"})
    task = _locked(TaskItem, task)
    if task.status != Status.PENDING:
        raise ValidationError(f"任务当前为“{task.get_status_display()}”，只有待确认的任务可以退回。")
    before = audit.snapshot(task, ["status", "return_reason"])
    task.status, task.return_reason, task.closed_at = Status.IN_PROGRESS, reason.strip(), None
    task.save()
    _record(user, request, task, before)
    notify_events.task_returned(task)
    return task


@transaction.atomic
def task_reopen(task, *, user, request=None, reason):
    """Reopen a confirmed item; the reason goes into the audit log with the change."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "重新打开已办结的任务须填写理由。"})
    task = _locked(TaskItem, task)
    if task.status != Status.DONE:
        raise ValidationError(f"任务当前为“{task.get_status_display()}”，只有已办结的任务可以重新打开。")
    before = audit.snapshot(task, ["status", "confirmed_at"])
    task.status, task.confirmed_at, task.confirmed_by, task.closed_at = Status.IN_PROGRESS, None, None, None
    task.return_reason = reason.strip()
    task.save()
    _record(user, request, task, before, 重新打开理由=reason.strip())
    return task


# --- Common lists -------------------------------------------------------------------------------------------------

@transaction.atomic
def common_create(*, user, request=None, region, year, title, note=""):
    common = CommonTask(region=region, year=year, title=title, note=note, created_by=user if user.pk else None)
    _save_new(common)
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=common)
    return common


@transaction.atomic
def common_item_add(common, *, user, request=None, dimension, title, deadline, description=""):
    common = _locked(CommonTask, common)
    position = (common.items.aggregate(n=Max("position"))["n"] or 0) + 1
    item = CommonTaskItem(common=common, position=position, dimension=dimension, title=title,
                          description=description, deadline=deadline)
    _save_new(item)
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=item)
    return item


def recipients(user, common, townships=None):
    """Active first secretaries under the list's region that the user's scope reaches, optionally by township."""
    active = Assignment.objects.for_user(user).active_first_secretaries().filter(
        village__region__path__startswith=common.region.path)
    if townships:
        active = active.filter(village__region__parent__in=townships)
    return active


@transaction.atomic
def common_issue(common, *, user, request=None, townships=None, today=None):
    """Give every chosen secretary each item of the list exactly once; → (secretaries, new items).

    Issuing again (to more townships, or after adding items) adds only what is missing; the constraint
    (secretary, common item) holds even against a second issue running at the same moment.
    """
    today = today or timezone.localdate()
    common = _locked(CommonTask, common)
    items = list(common.items.order_by("position"))
    if not items:
        raise ValidationError("清单中还没有任务，请先添加任务再下发。")
    expired = [f"第{item.position}项“{item.title}”" for item in items if item.deadline < today]
    if expired:
        raise ValidationError(f"{'、'.join(expired)}的完成时限已过，请先调整时限再下发。")
    chosen = list(recipients(user, common, townships).values_list("secretary_id", "village_id"))
    have = set(TaskItem.objects.filter(common_item__common=common, secretary_id__in=[s for s, _ in chosen])
               .values_list("secretary_id", "common_item_id"))
    new = [
        TaskItem(secretary_id=secretary_id, village_id=village_id, year=common.year, dimension=item.dimension,
                 title=item.title, description=item.description, deadline=item.deadline, created_on=today,
                 source=TaskItem.Source.COUNTY, common_item=item)
        for secretary_id, village_id in chosen for item in items if (secretary_id, item.pk) not in have
    ]
    try:
        with transaction.atomic():
            TaskItem.objects.bulk_create(new, batch_size=1000)
    except IntegrityError:
        raise ValidationError("下发时发现有人同时在下发这份清单，请刷新页面后重试。") from None
    common.issued_at = timezone.now()
    common.save(update_fields=["issued_at"])
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=common,
                 changes={"下发": {"人数": len(chosen), "新增任务": len(new)}})
    return len(chosen), len(new)


# --- Attachments --------------------------------------------------------------------------------------------------

@transaction.atomic
def attach(parent, upload, *, user, request=None):
    """Keep an uploaded file on a plan or a task item, after checking its size and type."""
    validate_upload(upload)
    if isinstance(parent, Plan):
        attachment = PlanAttachment(plan=parent)
    else:
        attachment = TaskAttachment(task=parent)
    attachment.name, attachment.size, attachment.uploaded_by = upload.name[:200], upload.size, user
    attachment.file.save(upload.name, upload, save=False)
    attachment.save()
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=attachment,
                 changes={"附件": attachment.name})
    return attachment

