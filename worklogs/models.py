"""三本记录: daily work logs (民情日记), weekly and monthly summaries built from them, service records.

Each record is the secretary's own: it hangs on the village they served in on its date (that scopes it for
township and county), and only the secretary writes or corrects it, within WORKLOG_EDIT_DAYS of its date.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from accounts.scoping import ScopedQuerySet
from secretaries.models import Secretary
from villages.models import Village

from .periods import Period

TEXT_LIMIT = 2000
REFLECTION_LIMIT = 500


class OwnRecordQuerySet(ScopedQuerySet):
    def for_user(self, user, action="view"):
        """Everyone in scope may read; only the secretary whose record it is may change or delete it."""
        queryset = super().for_user(user, action)
        if action != "view":
            queryset = queryset.filter(secretary__user=user)
        return queryset


class OwnRecord(models.Model):
    """What the three records share: a secretary's own, scoped by the village they were done in, editable for
    WORKLOG_EDIT_DAYS after their day."""

    # Plain defaults rather than auto_now: the services set updated_at, and written-in-bulk rows keep their times.
    created_at = models.DateTimeField("填写时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("修改时间", default=timezone.now, editable=False)

    objects = OwnRecordQuerySet.as_manager()

    scope_field = "village__region"
    scope_personal = {Role.SECRETARY: "secretary__user", Role.UNIT_CONTACT: "secretary__unit__contacts"}

    class Meta:
        abstract = True

    @property
    def last_day(self):
        """The day the record is about (its date, or the end of its week or month)."""
        return self.date

    @property
    def editable_until(self):
        return self.last_day + datetime.timedelta(days=settings.WORKLOG_EDIT_DAYS)

    def is_editable(self, today):
        return today <= self.editable_until


class Tag(models.TextChoices):
    VISIT = "visit", "走访"
    MEETING = "meeting", "会议"
    INDUSTRY = "industry", "产业"
    PARTY = "party", "党建"
    GOVERNANCE = "governance", "治理"
    PROJECT = "project", "项目"
    SERVICE = "service", "为民服务"
    OTHER = "other", "其他"


class WorkLog(OwnRecord):
    """民情日记: one secretary's one day in the village — what was done, households visited, problems."""

    secretary = models.ForeignKey(Secretary, verbose_name="第一书记", on_delete=models.PROTECT,
                                  related_name="work_logs")
    village = models.ForeignKey(Village, verbose_name="所驻村", on_delete=models.PROTECT, related_name="work_logs")
    date = models.DateField("日期")
    text = models.TextField(
        "工作内容", max_length=TEXT_LIMIT,
        validators=[MaxLengthValidator(TEXT_LIMIT, f"工作内容不能超过 {TEXT_LIMIT} 字。")],
    )
    households_visited = models.PositiveIntegerField(
        "走访农户（户）", default=0, validators=[MaxValueValidator(300, "一天走访超过 300 户，请核对。")]
    )
    problems_raised = models.PositiveIntegerField(
        "收集问题（个）", default=0, validators=[MaxValueValidator(100, "一天收集问题超过 100 个，请核对。")]
    )
    problems_solved = models.PositiveIntegerField(
        "解决问题（个）", default=0, validators=[MaxValueValidator(100, "一天解决问题超过 100 个，请核对。")],
        help_text="当天办结的问题，含此前收集的。",
    )
    # Tag values separated by commas (no value is part of another, so "contains" finds one).
    tags = models.CharField("标签", max_length=100, blank=True)

    class Meta:
        verbose_name = "民情日记"
        verbose_name_plural = "民情日记"
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["secretary", "date"], name="worklog_one_per_day",
                violation_error_message="这一天已经写过民情日记，请在原日记上修改。",
            ),
        ]
        indexes = [models.Index(fields=["date", "village"], name="worklog_date_village")]

    def __str__(self):
        return f"{self.secretary} {self.date:%Y-%m-%d} 民情日记"

    def get_absolute_url(self):
        return reverse("worklogs:log_detail", args=[self.pk])

    @property
    def tag_list(self):
        return [value for value in self.tags.split(",") if value]

    @property
    def tag_labels(self):
        labels = dict(Tag.choices)
        return [labels.get(value, value) for value in self.tag_list]


class ServiceKind(models.TextChoices):
    CLINIC = "clinic", "义诊"
    OPERA = "opera", "送戏下乡"
    VISIT = "visit", "走访慰问"
    RECEPTION = "reception", "接待日"
    APPEAL = "appeal", "解决诉求"
    OTHER = "other", "其他"


class ServiceRecord(OwnRecord):
    """我为群众办实事: one service activity — a free clinic, a play, visits with gifts, a reception day."""

    secretary = models.ForeignKey(Secretary, verbose_name="第一书记", on_delete=models.PROTECT,
                                  related_name="service_records")
    village = models.ForeignKey(Village, verbose_name="服务村", on_delete=models.PROTECT,
                                related_name="service_records")
    kind = models.CharField("类别", max_length=12, choices=ServiceKind.choices)
    date = models.DateField("日期")
    title = models.CharField("活动名称", max_length=100)
    people_served = models.PositiveIntegerField(
        "服务对象（户/人次）", default=0, validators=[MaxValueValidator(100_000, "服务对象数过大，请核对。")],
        help_text="走访慰问填户数，其余填人次。",
    )
    note = models.CharField("备注", max_length=500, blank=True)
    work_log = models.ForeignKey(
        WorkLog, verbose_name="当天的民情日记", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="service_records",
    )

    class Meta:
        verbose_name = "办实事记录"
        verbose_name_plural = "办实事记录"
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["date", "kind"], name="service_date_kind")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}：{self.title}"

    def get_absolute_url(self):
        return reverse("worklogs:service_detail", args=[self.pk])

    def clean(self):
        log = self.work_log
        if log is not None and (log.secretary_id != self.secretary_id or log.date != self.date):
            raise ValidationError({"work_log": "只能关联本人同一天的民情日记。"})


class Summary(OwnRecord):
    """周总结 / 月交流: the secretary's few lines on a week or month. The figures come from the logs."""

    class Kind(models.TextChoices):
        WEEK = "week", "周总结"
        MONTH = "month", "月交流"

    secretary = models.ForeignKey(Secretary, verbose_name="第一书记", on_delete=models.PROTECT,
                                  related_name="summaries")
    village = models.ForeignKey(Village, verbose_name="所驻村", on_delete=models.PROTECT, related_name="summaries")
    kind = models.CharField("类别", max_length=5, choices=Kind.choices)
    period_start = models.DateField("起始日期", help_text="周一，或每月 1 日。")
    text = models.TextField(
        "体会与打算", max_length=REFLECTION_LIMIT,
        validators=[MaxLengthValidator(REFLECTION_LIMIT, f"体会与打算不能超过 {REFLECTION_LIMIT} 字。")],
    )

    class Meta:
        verbose_name = "周总结/月交流"
        verbose_name_plural = "周总结/月交流"
        ordering = ["-period_start", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["secretary", "kind", "period_start"], name="summary_one_per_period",
                violation_error_message="该周（月）已有总结，请在原总结上修改。",
            ),
        ]

    def __str__(self):
        return f"{self.secretary} {self.period_start:%Y-%m-%d} {self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("worklogs:summary", args=[self.secretary_id, self.kind, f"{self.period_start:%Y-%m-%d}"])

    @property
    def last_day(self):
        return Period.containing(self.kind, self.period_start).end

    def clean(self):
        if self.period_start and self.kind in self.Kind.values:
            if Period.containing(self.kind, self.period_start).start != self.period_start:
                raise ValidationError({"period_start": "周总结从周一开始，月交流从每月 1 日开始。"})
