"""Yearly assistance plans (驻村帮扶工作规划) and key task lists (重点帮扶任务清单).

A plan is one village's programme for one year, with goals under each of the five 看; it goes 草拟 → 已提交 →
已审核 (or back, 退回). A task item is one secretary's piece of work for the year; the county may issue a common
list (县统一下发) to many secretaries at once. 已逾期 and "reminder due" are never stored: querysets.py computes
them in the database against the day asked about.
"""

import datetime
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from accounts.scoping import ScopedManager
from secretaries.models import Secretary
from villages.models import Region, Village

from .querysets import TaskQuerySet

YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]


class Dimension(models.TextChoices):
    """五看: the five things a secretary's work is looked at (the same five as the evaluation's)."""

    PARTY = "party", "党建"
    DEVELOPMENT = "development", "发展"
    GOVERNANCE = "governance", "治理"
    SERVICE = "service", "服务"
    APPEARANCE = "appearance", "村容"


def attachment_path(instance, filename):
    # The stored name carries nothing of the user's file name (it may hold personal data); the name is kept apart.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"tasks/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class Attachment(models.Model):
    """A file kept under MEDIA_ROOT and served only through the scoped attachment views."""

    file = models.FileField("文件", upload_to=attachment_path, max_length=200)
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.SET_NULL,
                                    null=True, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.name


# --- Plans ------------------------------------------------------------------------------------------------------

class Plan(models.Model):
    """驻村帮扶工作规划: one village's plan for one year."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草拟"
        SUBMITTED = "submitted", "已提交"
        APPROVED = "approved", "已审核"
        RETURNED = "returned", "已退回"

    SUBMITTED_STATES = (Status.SUBMITTED, Status.APPROVED)
    EDITABLE_STATES = (Status.DRAFT, Status.RETURNED)

    village = models.ForeignKey(Village, verbose_name="村", on_delete=models.PROTECT, related_name="plans")
    year = models.PositiveSmallIntegerField("年度", validators=YEAR_VALIDATORS)
    overview = models.TextField("总体思路", blank=True)
    goal_party = models.TextField("党建目标", blank=True)
    goal_development = models.TextField("发展目标", blank=True)
    goal_governance = models.TextField("治理目标", blank=True)
    goal_service = models.TextField("服务目标", blank=True)
    goal_appearance = models.TextField("村容目标", blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    return_reason = models.CharField("退回理由", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="起草人", on_delete=models.SET_NULL,
                                   null=True, related_name="+")
    created_at = models.DateTimeField("起草时间", auto_now_add=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")

    objects = ScopedManager()

    scope_field = "village__region"
    # A secretary (and their unit's contact) sees the plans of the villages they serve or served in.
    scope_personal = {Role.SECRETARY: "village__assignments__secretary__user",
                      Role.UNIT_CONTACT: "village__assignments__secretary__unit__contacts"}

    GOAL_FIELDS = tuple((f"goal_{value}", label) for value, label in Dimension.choices)

    class Meta:
        verbose_name = "驻村帮扶工作规划"
        verbose_name_plural = "驻村帮扶工作规划"
        ordering = ["-year", "village__region__path"]
        constraints = [
            models.UniqueConstraint(fields=["village", "year"], name="plan_unique_village_year",
                                    violation_error_message="该村该年度已有帮扶工作规划。"),
        ]

    def __str__(self):
        return f"{self.village}{self.year}年度驻村帮扶工作规划"

    def get_absolute_url(self):
        return reverse("tasks:plan_detail", args=[self.pk])

    @property
    def is_editable(self):
        return self.status in self.EDITABLE_STATES

    def goals(self):
        return [(label, getattr(self, name)) for name, label in self.GOAL_FIELDS]


class PlanAttachment(Attachment):
    plan = models.ForeignKey(Plan, verbose_name="规划", on_delete=models.CASCADE, related_name="attachments")

    objects = ScopedManager()

    scope_field = "plan__village__region"

    class Meta(Attachment.Meta):
        verbose_name = "规划附件"
        verbose_name_plural = "规划附件"


# --- Common lists issued by the county ---------------------------------------------------------------------------

class CommonTask(models.Model):
    """县统一下发的任务清单, e.g. 梳理25项重点工作任务: its items go to every chosen secretary once."""

    region = models.ForeignKey(Region, verbose_name="下发区域", on_delete=models.PROTECT, related_name="common_tasks")
    year = models.PositiveSmallIntegerField("年度", validators=YEAR_VALIDATORS)
    title = models.CharField("清单名称", max_length=100)
    note = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.SET_NULL,
                                   null=True, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    issued_at = models.DateTimeField("最近下发时间", null=True, blank=True)

    objects = ScopedManager()

    scope_field = "region"
    scope_includes_ancestors = True  # a township follows the county's lists

    class Meta:
        verbose_name = "县统一任务清单"
        verbose_name_plural = "县统一任务清单"
        ordering = ["-year", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "title"], name="common_task_unique_title",
                                    violation_error_message="该区域该年度已有同名的任务清单。"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("tasks:common_detail", args=[self.pk])


class CommonTaskItem(models.Model):
    """One item of a common list; each secretary who receives the list gets a TaskItem pointing here."""

    common = models.ForeignKey(CommonTask, verbose_name="任务清单", on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField("序号")
    dimension = models.CharField("五看维度", max_length=12, choices=Dimension.choices)
    title = models.CharField("任务名称", max_length=100)
    description = models.TextField("任务内容", blank=True)
    deadline = models.DateField("完成时限")

    objects = ScopedManager()

    scope_field = "common__region"
    scope_includes_ancestors = True

    class Meta:
        verbose_name = "县统一任务"
        verbose_name_plural = "县统一任务"
        ordering = ["common", "position"]
        constraints = [
            models.UniqueConstraint(fields=["common", "position"], name="common_item_unique_position"),
        ]

    def __str__(self):
        return f"{self.position}. {self.title}"


# --- Task items --------------------------------------------------------------------------------------------------

class TaskItem(models.Model):
    """重点帮扶任务: one item of a secretary's yearly list."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "未开始"
        IN_PROGRESS = "in_progress", "进行中"
        PENDING = "pending", "待确认"  # closed by the secretary, awaiting the township's confirmation
        DONE = "done", "已办结"

    class Source(models.TextChoices):
        OWN = "own", "自定"
        COUNTY = "county", "县统一下发"

    OPEN_STATES = (Status.NOT_STARTED, Status.IN_PROGRESS)

    secretary = models.ForeignKey(Secretary, verbose_name="第一书记", on_delete=models.PROTECT, related_name="tasks")
    village = models.ForeignKey(Village, verbose_name="所驻村", on_delete=models.PROTECT, related_name="tasks",
                                help_text="任务建立时所驻的村；决定镇街由谁确认。")
    year = models.PositiveSmallIntegerField("年度", validators=YEAR_VALIDATORS)
    dimension = models.CharField("五看维度", max_length=12, choices=Dimension.choices)
    title = models.CharField("任务名称", max_length=100)
    description = models.TextField("任务内容", blank=True)
    deadline = models.DateField("完成时限")
    created_on = models.DateField("建立日期", default=timezone.localdate)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.OWN)
    common_item = models.ForeignKey(CommonTaskItem, verbose_name="县统一任务", on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="tasks")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    progress = models.PositiveSmallIntegerField("完成进度（%）", default=0,
                                                validators=[MaxValueValidator(100, "进度不能超过 100%。")])
    evidence = models.TextField("进展及佐证说明", blank=True)
    return_reason = models.CharField("退回理由", max_length=300, blank=True)
    closed_at = models.DateTimeField("申请办结时间", null=True, blank=True)
    confirmed_at = models.DateTimeField("确认办结时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = models.Manager.from_queryset(TaskQuerySet)()

    scope_field = "village__region"
    scope_personal = {Role.SECRETARY: "secretary__user", Role.UNIT_CONTACT: "secretary__unit__contacts"}
    label_related = ("secretary",)

    class Meta:
        verbose_name = "重点帮扶任务"
        verbose_name_plural = "重点帮扶任务"
        ordering = ["deadline", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="task_progress_range",
                                   violation_error_message="进度应在 0–100% 之间。"),
            models.CheckConstraint(condition=Q(deadline__gte=F("created_on")), name="task_deadline_after_created",
                                   violation_error_message="完成时限不能早于任务建立日期。"),
            models.UniqueConstraint(fields=["secretary", "common_item"], condition=Q(common_item__isnull=False),
                                    name="task_common_item_once",
                                    violation_error_message="该第一书记已收到这项县统一任务。"),
        ]
        indexes = [
            models.Index(fields=["year", "status", "deadline"], name="task_year_status_deadline"),
            models.Index(fields=["secretary", "year"], name="task_secretary_year"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("tasks:task_detail", args=[self.pk])

    @property
    def is_open(self):
        return self.status in self.OPEN_STATES

    def remind_on(self):
        """The first day the 20% rule reminds: created + 80% of the time to the deadline, rounded up to a day."""
        span = (self.deadline - self.created_on).days
        return self.created_on + datetime.timedelta(days=-(-4 * span // 5))


class TaskAttachment(Attachment):
    task = models.ForeignKey(TaskItem, verbose_name="任务", on_delete=models.CASCADE, related_name="attachments")

    objects = ScopedManager()

    scope_field = "task__village__region"

    class Meta(Attachment.Meta):
        verbose_name = "任务附件"
        verbose_name_plural = "任务附件"


class ReminderLog(models.Model):
    """One reminder of one item sent to one person on one day: send_reminders never repeats it that day."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提醒对象", on_delete=models.CASCADE,
                                  related_name="+")
    task = models.ForeignKey(TaskItem, verbose_name="任务", on_delete=models.CASCADE, related_name="reminders")
    sent_on = models.DateField("提醒日期")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = ScopedManager()

    scope_field = "task__village__region"

    class Meta:
        verbose_name = "催办记录"
        verbose_name_plural = "催办记录"
        ordering = ["-sent_on", "recipient", "task"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "task", "sent_on"], name="reminder_once_a_day"),
        ]

    def __str__(self):
        return f"{self.sent_on} {self.task}"
