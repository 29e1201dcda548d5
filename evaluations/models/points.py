"""积分制: a county's catalogue of 加分/扣分 items, and the events recorded against it (some created from the
system's own facts: an issued absence notice, a county task confirmed done, a service record).

A period's points channel is the scheme's base (80 by default) plus the points of the events dated within the
period, capped to 0–100 (scoring._wide). An event can be disputed by the secretary; county staff keep or revoke it.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.roles import Role
from accounts.scoping import ScopedManager
from secretaries.models import Secretary
from villages.models import Region, Village

POINT_VALIDATORS = [MinValueValidator(-100, "分值不能小于 -100。"), MaxValueValidator(100, "分值不能大于 100。")]


class PointItem(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", "人工登记"
        ABSENCE_NOTICE = "absence_notice", "在岗通报（自动登记）"
        COUNTY_TASK = "county_task", "县统一任务办结（自动登记）"
        SERVICE = "service", "办实事记录（自动登记）"

    region = models.ForeignKey(Region, verbose_name="制定区域", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("积分项目", max_length=60)
    points = models.DecimalField("分值", max_digits=5, decimal_places=1, validators=POINT_VALIDATORS,
                                 help_text="加分为正数，扣分为负数。")
    source = models.CharField("登记方式", max_length=16, choices=Source.choices, default=Source.MANUAL)
    note = models.CharField("说明", max_length=200, blank=True)
    active = models.BooleanField("启用", default=True)

    objects = ScopedManager()

    scope_field = "region"
    scope_includes_ancestors = True

    class Meta:
        verbose_name = "积分项目"
        verbose_name_plural = "积分项目"
        ordering = ["-points", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="point_item_unique_name",
                                    violation_error_message="该区域已有同名的积分项目。"),
            models.UniqueConstraint(fields=["region", "source"], condition=~Q(source="manual"),
                                    name="point_item_one_automatic",
                                    violation_error_message="每种自动登记的积分项目只能有一个。"),
            models.CheckConstraint(condition=~Q(points=0), name="point_item_not_zero",
                                   violation_error_message="分值不能为 0。"),
        ]

    def __str__(self):
        return f"{self.name}（{self.points:+}）"


class PointEvent(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", "有效"
        DISPUTED = "disputed", "申诉中"
        REVOKED = "revoked", "已撤销"

    item = models.ForeignKey(PointItem, verbose_name="积分项目", on_delete=models.PROTECT, related_name="events")
    secretary = models.ForeignKey(Secretary, verbose_name="第一书记", on_delete=models.PROTECT,
                                  related_name="point_events")
    village = models.ForeignKey(Village, verbose_name="所驻村", on_delete=models.PROTECT, related_name="+")
    date = models.DateField("日期")
    points = models.DecimalField("分值", max_digits=5, decimal_places=1, validators=POINT_VALIDATORS)
    evidence = models.TextField("事实依据")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.VALID)
    dispute_reason = models.CharField("申诉理由", max_length=300, blank=True)
    decision = models.CharField("处理意见", max_length=300, blank=True)
    # Unique by a constraint, not `unique=True`, which on PostgreSQL adds a second index for LIKE searches that
    # nothing runs: a province's first computation writes 20,000 automatic events into every index here.
    source_key = models.CharField("来源记录", max_length=40, null=True, blank=True, editable=False,
                                  help_text="自动登记时的来源（如 notice:12），同一事实只登记一次。")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+", db_index=False)
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ScopedManager()

    scope_field = "village__region"
    scope_personal = {Role.SECRETARY: "secretary__user", Role.UNIT_CONTACT: "secretary__unit__contacts"}

    class Meta:
        verbose_name = "积分记录"
        verbose_name_plural = "积分记录"
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["date", "secretary"], include=["points", "status"],
                                name="point_event_date_secretary")]
        constraints = [models.UniqueConstraint(fields=["source_key"], name="point_event_source_key")]

    def __str__(self):
        return f"{self.secretary} {self.item.name} {self.points:+}"
