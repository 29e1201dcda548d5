"""What dispatching units do for their people and villages (派出单位当好后盾), the county's yearly targets for it,
and the unit rating (派出单位考核): a scheme of weights, frozen per year with its results.

DispatchUnit itself stays in secretaries (the roster needs it); this app only adds what units do and how they fare.
"""

import os
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from accounts.roles import Role
from accounts.scoping import ScopedManager
from secretaries.models import DispatchUnit, Secretary
from villages.models import Region, Village

YEAR = [MinValueValidator(2000), MaxValueValidator(2100)]
WAN = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(0)]}
WEIGHT = {"max_digits": 5, "decimal_places": 2, "validators": [MinValueValidator(0), MaxValueValidator(100)]}


class ActionKind(models.TextChoices):
    MEETING = "meeting", "党委（党组）会议研究驻村工作"
    VISIT = "visit", "领导到村调研走访"
    FUNDS = "funds", "资金和项目支持"
    DONATION = "donation", "物资捐赠"
    CARE = "care", "体检、保险、慰问"
    TALK = "talk", "谈心谈话"
    REPORT = "report", "听取述职"


# Kinds the county sets a yearly count for; 资金和项目支持 is measured in money from the projects instead.
TARGET_KINDS = [ActionKind.MEETING, ActionKind.VISIT, ActionKind.CARE, ActionKind.TALK, ActionKind.REPORT,
                ActionKind.DONATION]
CARE_KINDS = [ActionKind.CARE, ActionKind.TALK]


def evidence_path(instance, filename):
    """The stored name carries nothing of the original (which may hold a person's name): a random one."""
    ext = os.path.splitext(filename)[1].lower()[:8]
    return f"units/evidence/{uuid.uuid4().hex}{ext}"


class UnitAction(models.Model):
    """One thing a unit did: a leadership meeting on the village work, a visit, support, care, a 述职 heard."""

    unit = models.ForeignKey(DispatchUnit, verbose_name="派出单位", on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField("事项类型", max_length=10, choices=ActionKind.choices)
    date = models.DateField("日期")
    region = models.ForeignKey(Region, verbose_name="所属县", on_delete=models.PROTECT, related_name="+",
                               editable=False, help_text="登记事项的县（市、区）；由所涉村或登记人确定。")
    villages = models.ManyToManyField(Village, verbose_name="所涉村", blank=True, related_name="unit_actions")
    secretaries = models.ManyToManyField(Secretary, verbose_name="所涉第一书记", blank=True,
                                         related_name="unit_actions")
    summary = models.CharField("内容摘要", max_length=300)
    leader = models.CharField("带队领导或主持人", max_length=60, blank=True)
    people = models.PositiveIntegerField("涉及人数", default=0, help_text="如谈心谈话、体检、慰问的人数。")
    amount = models.DecimalField("折合金额（万元）", null=True, blank=True, **WAN,
                                 help_text="物资捐赠、慰问的折合金额；资金和项目支持取自项目资金，不在此填写。")
    project = models.ForeignKey("projects.Project", verbose_name="支持的帮扶项目", on_delete=models.PROTECT,
                                null=True, blank=True, related_name="unit_actions",
                                help_text="资金和项目支持：选择本单位出资（资金来源“派出单位”）的项目。")
    evidence = models.FileField("佐证材料", upload_to=evidence_path, max_length=200, blank=True)
    evidence_name = models.CharField("佐证材料文件名", max_length=120, blank=True, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+", editable=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ScopedManager()

    # Kept by the county: its township officials read the county's actions as they read its units.
    scope_field = "region"
    scope_includes_ancestors = True
    scope_personal = {Role.UNIT_CONTACT: "unit__contacts", Role.SECRETARY: "secretaries__user"}

    class Meta:
        verbose_name = "派出单位履责事项"
        verbose_name_plural = "派出单位履责事项"
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["unit", "date", "kind"], name="unit_action_unit_date")]
        constraints = [
            models.CheckConstraint(condition=~Q(kind="funds") | Q(project__isnull=False),
                                   name="unit_action_funds_need_project",
                                   violation_error_message="资金和项目支持须选择对应的帮扶项目。"),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.unit}：{self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("units:action_detail", args=[self.pk])


class UnitTarget(models.Model):
    """年度目标: how many times a unit should do one kind of thing in a year, set by the county."""

    region = models.ForeignKey(Region, verbose_name="设定的县", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(DispatchUnit, verbose_name="派出单位", on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField("年度", validators=YEAR)
    kind = models.CharField("事项类型", max_length=10, choices=ActionKind.choices)
    count = models.PositiveSmallIntegerField("目标次数")

    objects = ScopedManager()

    scope_field = "region"
    scope_includes_ancestors = True
    scope_personal = {Role.UNIT_CONTACT: "unit__contacts"}

    class Meta:
        verbose_name = "派出单位年度目标"
        verbose_name_plural = "派出单位年度目标"
        ordering = ["year", "unit", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["region", "unit", "year", "kind"], name="unit_target_unique",
                                    violation_error_message="该单位本年度已有此项目标。"),
        ]

    def __str__(self):
        return f"{self.year} {self.unit} {self.get_kind_display()} ≥ {self.count}"


class RatingScheme(models.Model):
    """派出单位考核方案: the weights of the four parts (summing to 100) and what counts as full marks."""

    region = models.OneToOneField(Region, verbose_name="所属县", on_delete=models.PROTECT, related_name="+")
    weight_results = models.DecimalField("选派干部考评结果（%）", default=40, **WEIGHT)
    weight_support = models.DecimalField("资金和物资支持（%）", default=25, **WEIGHT)
    weight_actions = models.DecimalField("履责事项完成年度目标（%）", default=25, **WEIGHT)
    weight_care = models.DecimalField("关心关爱选派干部（%）", default=10, **WEIGHT)
    support_full = models.DecimalField("支持金额满分线（万元）", default=50, max_digits=12, decimal_places=2,
                                       validators=[MinValueValidator(1)],
                                       help_text="单位出资和物资折合达到此数得满分，不足按比例计分。")

    objects = ScopedManager()

    scope_field = "region"

    WEIGHTS = ("weight_results", "weight_support", "weight_actions", "weight_care")

    class Meta:
        verbose_name = "派出单位考核方案"
        verbose_name_plural = "派出单位考核方案"

    def __str__(self):
        return f"{self.region.name}派出单位考核方案"

    def get_absolute_url(self):
        return reverse("units:scheme")

    def rules(self):
        """The scheme as plain numbers, copied into a rating when it is created."""
        return {**{name: str(getattr(self, name)) for name in self.WEIGHTS}, "support_full": str(self.support_full)}


class Rating(models.Model):
    """One year's 派出单位考核 of a county: 草稿 → 已计算 → 已锁定, with the scheme's rules copied in."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        COMPUTED = "computed", "已计算"
        LOCKED = "locked", "已锁定"

    region = models.ForeignKey(Region, verbose_name="考核区域", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度", validators=YEAR)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    rules = models.JSONField("考核规则（建立时从方案复制）", default=dict, editable=False)
    computed_at = models.DateTimeField("计算时间", null=True, blank=True, editable=False)
    locked_at = models.DateTimeField("锁定时间", null=True, blank=True, editable=False)

    objects = ScopedManager()

    scope_field = "region"
    scope_includes_ancestors = True  # township officials read their county's (locked) ranking

    class Meta:
        verbose_name = "派出单位年度考核"
        verbose_name_plural = "派出单位年度考核"
        ordering = ["-year", "region__path"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="unit_rating_unique_year",
                                    violation_error_message="该县本年度的派出单位考核已建立。"),
        ]

    def __str__(self):
        return f"{self.region.name}{self.year}年度派出单位考核"

    def get_absolute_url(self):
        return reverse("units:ranking") + f"?year={self.year}"


class RatingResult(models.Model):
    """One unit's computed result in a rating: the four part scores (0–100), the total and its ranks."""

    rating = models.ForeignKey(Rating, verbose_name="考核", on_delete=models.CASCADE, related_name="results")
    unit = models.ForeignKey(DispatchUnit, verbose_name="派出单位", on_delete=models.PROTECT, related_name="+")
    level = models.CharField("单位层级", max_length=10, choices=DispatchUnit.Level.choices)
    people = models.PositiveIntegerField("在岗选派干部（人）", default=0)
    results_score = models.DecimalField("考评结果得分", max_digits=8, decimal_places=2, null=True)
    support_score = models.DecimalField("支持得分", max_digits=8, decimal_places=2, null=True)
    actions_score = models.DecimalField("履责得分", max_digits=8, decimal_places=2, null=True)
    care_score = models.DecimalField("关爱得分", max_digits=8, decimal_places=2, null=True)
    total = models.DecimalField("综合得分", max_digits=8, decimal_places=2, null=True)
    support_amount = models.DecimalField("支持金额（万元）", max_digits=14, decimal_places=2, default=0)
    visits = models.PositiveIntegerField("到村调研走访（次）", default=0)
    meetings = models.PositiveIntegerField("党委（党组）会议研究（次）", default=0)
    rank_level = models.PositiveIntegerField("同层级排名", null=True)
    rank_all = models.PositiveIntegerField("总排名", null=True)

    objects = ScopedManager()

    scope_field = "rating__region"
    scope_includes_ancestors = True
    scope_personal = {Role.UNIT_CONTACT: "unit__contacts"}

    class Meta:
        verbose_name = "派出单位考核结果"
        verbose_name_plural = "派出单位考核结果"
        ordering = ["rating", "level", "rank_level", "unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["rating", "unit"], name="unit_rating_result_unique",
                                    violation_error_message="该单位在本次考核中已有结果。"),
        ]

    def __str__(self):
        return f"{self.rating} {self.unit}"
