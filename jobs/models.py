"""Background jobs as their users see them: what runs, how far it is, and its result when done.

The work itself is queued on django-tasks (database backend); a Job is the row a person follows on its page.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from accounts.roles import Role
from accounts.scoping import ScopedQuerySet


class JobQuerySet(ScopedQuerySet):
    def mine(self, user):
        """The jobs a person started: a result is built with its starter's scope, so nobody else may read it."""
        jobs = self.for_user(user)
        return jobs if user.is_superuser else jobs.filter(created_by=user)


class Job(models.Model):
    """One piece of background work started by a person (a province report, a large import, …)."""

    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    FINISHED = (State.DONE, State.FAILED)

    kind = models.CharField("类型", max_length=40)
    title = models.CharField("名称", max_length=200)
    task = models.CharField("执行函数", max_length=200, help_text="带模块路径的函数名，在后台进程中调用。")
    args = models.JSONField("参数", default=dict, blank=True)
    key = models.CharField("幂等键", max_length=200, blank=True,
                           help_text="同一键的任务未结束时，不再重复排队。")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    message = models.CharField("进展说明", max_length=300, blank=True)
    error = models.TextField("错误", blank=True)
    link = models.CharField("结果所在页面", max_length=300, blank=True,
                            help_text="任务结束后前往的本站页面（如导入记录），由发起的代码给出。")
    attempts = models.PositiveSmallIntegerField("已执行次数", default=0)
    rerun_if_lost = models.BooleanField("中断后自动重新执行", default=False,
                                        help_text="处理进程中途停止时重新排队（仅用于可安全重做的任务，如导入、报表）。")
    task_id = models.UUIDField("队列任务编号", null=True, blank=True, help_text="当前一次执行在任务队列中的编号。")
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True,
                                        help_text="执行中的任务定时写入；长时间没有心跳说明处理进程已停止。")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.CASCADE,
                                   related_name="jobs")
    region = models.ForeignKey("villages.Region", verbose_name="所属区域", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("发起时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    objects = JobQuerySet.as_manager()

    scope_field = "region"
    scope_personal = {Role.SECRETARY: "created_by", Role.UNIT_CONTACT: "created_by"}

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="job_progress_range",
                                   violation_error_message="进度应在 0–100% 之间。"),
            models.UniqueConstraint(fields=["key"], condition=~Q(key="") & Q(state__in=["queued", "running"]),
                                    name="job_key_once_while_open",
                                    violation_error_message="同样的任务已在排队或进行中。"),
        ]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="job_created_by_recent")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("jobs:job_detail", args=[self.pk])

    @property
    def is_finished(self):
        return self.state in self.FINISHED


class JobFile(models.Model):
    """A job's result file, kept in the database so every app server and worker reaches it."""

    job = models.OneToOneField(Job, verbose_name="任务", on_delete=models.CASCADE, related_name="file")
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveBigIntegerField("大小（字节）")
    data = models.BinaryField("内容")

    class Meta:
        verbose_name = "任务结果文件"
        verbose_name_plural = "任务结果文件"

    def __str__(self):
        return self.name
