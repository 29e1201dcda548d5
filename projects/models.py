"""Assistance projects (帮扶项目): funds by source, stages, colour status, the asset ledger."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from accounts.roles import Role
from accounts.scoping import ScopedManager
from secretaries.models import DispatchUnit, Secretary
from villages.models import Region, Village

from .choices import Colour, FundSource, Kind, Stage
from .querysets import ProjectPartQuerySet, ProjectQuerySet

__all__ = ["Colour", "FundSource", "Kind", "Stage"]

WAN = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(0)]}


class Project(models.Model):
    """帮扶项目: one project in one or several villages (飞地抱团), run by a first secretary."""

    name = models.CharField("项目名称", max_length=100)
    kind = models.CharField("项目类型", max_length=16, choices=Kind.choices, default=Kind.INDUSTRY)
    year = models.PositiveSmallIntegerField(
        "立项年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    villages = models.ManyToManyField(Village, verbose_name="实施村", through="ProjectVillage", related_name="projects")
    secretary = models.ForeignKey(
        Secretary, verbose_name="负责的第一书记", on_delete=models.PROTECT, related_name="projects"
    )
    # The county the villages belong to, set by the service: the audit trail and the admin's region.
    region = models.ForeignKey(Region, verbose_name="所属县", on_delete=models.PROTECT, related_name="+",
                               editable=False)
    total_investment = models.DecimalField("总投资（万元）", **WAN)
    expected_income = models.DecimalField("预计村集体年增收（万元）", default=0, **WAN)
    jobs = models.PositiveIntegerField("带动就业（人）", default=0)
    beneficiaries = models.PositiveIntegerField("受益群众（人）", default=0)
    description = models.TextField("项目简介", blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ProjectQuerySet.as_manager()

    # Visibility goes by the villages (ProjectQuerySet.for_user); `region` only names the county for the audit log.
    scope_field = "region"

    class Meta:
        verbose_name = "帮扶项目"
        verbose_name_plural = "帮扶项目"
        ordering = ["-year", "name", "pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("projects:project_detail", args=[self.pk])


class ProjectVillage(models.Model):
    """One village of a project with its share (%) of the project's money; a project's shares sum to 100."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="shares")
    village = models.ForeignKey(Village, verbose_name="村", on_delete=models.PROTECT, related_name="project_shares")
    share = models.DecimalField(
        "份额（%）", max_digits=5, decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    objects = ScopedManager()

    scope_field = "village__region"
    scope_personal = {Role.SECRETARY: "project__secretary__user",
                      Role.UNIT_CONTACT: "project__secretary__unit__contacts"}

    class Meta:
        verbose_name = "项目实施村"
        verbose_name_plural = "项目实施村"
        ordering = ["project", "-share", "village__region__path"]
        constraints = [
            models.UniqueConstraint(fields=["project", "village"], name="project_village_unique",
                                    violation_error_message="同一个村在项目中只能出现一次。"),
            models.CheckConstraint(condition=Q(share__gt=0) & Q(share__lte=100), name="project_village_share_range",
                                   violation_error_message="份额应大于 0 且不超过 100%。"),
        ]

    def __str__(self):
        return f"{self.village} {self.share}%"


class ProjectFund(models.Model):
    """The money of one source for a project: planned (计划) and disbursed so far (已拨付), in 万元."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="funds")
    source = models.CharField("资金来源", max_length=10, choices=FundSource.choices)
    planned = models.DecimalField("计划（万元）", **WAN)
    disbursed = models.DecimalField("已拨付（万元）", default=0, **WAN)
    # The unit whose money a 派出单位 row is: the unit's page and rating read it from here, never retyped.
    unit = models.ForeignKey(DispatchUnit, verbose_name="出资单位", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="project_funds")

    objects = ProjectPartQuerySet.as_manager()

    scope_field = "project__region"
    project_path = "project"

    class Meta:
        verbose_name = "项目资金"
        verbose_name_plural = "项目资金"
        ordering = ["project", "source"]
        constraints = [
            models.UniqueConstraint(fields=["project", "source"], name="project_fund_unique_source",
                                    violation_error_message="同一资金来源只能登记一行。"),
            # An error, not a warning: a plan is the county's budget decision; money beyond it is either a typo
            # or a supplementary grant that has to be entered as a new plan first, or 拨付率 stops meaning much.
            models.CheckConstraint(condition=Q(disbursed__lte=F("planned")), name="project_fund_within_plan",
                                   violation_error_message="已拨付金额不能超过计划金额。"),
            models.CheckConstraint(condition=Q(source="unit", unit__isnull=False) | (~Q(source="unit")
                                                                                     & Q(unit__isnull=True)),
                                   name="project_fund_unit_only_for_unit_source",
                                   violation_error_message="资金来源为“派出单位”时须指明出资单位，其他来源不填。"),
        ]

    def __str__(self):
        return f"{self.project} {self.get_source_display()}"


class ProjectStage(models.Model):
    """One of the six stages of a project, with planned and actual dates. A stage is done once it has an actual end."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="stages")
    stage = models.PositiveSmallIntegerField("阶段", choices=Stage.choices)
    planned_start = models.DateField("计划开始", null=True, blank=True)
    planned_end = models.DateField("计划完成", null=True, blank=True)
    actual_start = models.DateField("实际开始", null=True, blank=True)
    actual_end = models.DateField("实际完成", null=True, blank=True)

    objects = ProjectPartQuerySet.as_manager()

    scope_field = "project__region"
    project_path = "project"

    class Meta:
        verbose_name = "项目阶段"
        verbose_name_plural = "项目阶段"
        ordering = ["project", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["project", "stage"], name="project_stage_unique",
                                    violation_error_message="项目的每个阶段只能有一行。"),
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True) | Q(planned_start__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                name="project_stage_planned_order", violation_error_message="计划完成日期不能早于计划开始日期。",
            ),
            models.CheckConstraint(
                condition=Q(actual_end__isnull=True) | (Q(actual_start__isnull=False)
                                                        & Q(actual_end__gte=F("actual_start"))),
                name="project_stage_actual_order",
                violation_error_message="实际完成需先有实际开始日期，且不能早于实际开始日期。",
            ),
        ]
        indexes = [models.Index(fields=["project", "actual_end", "stage"], name="project_stage_open")]

    def __str__(self):
        return f"{self.project} · {self.get_stage_display()}"

    @property
    def is_done(self):
        return self.actual_end is not None


class Asset(models.Model):
    """资产登记台账: an asset a handed-over project left to a village."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.PROTECT, related_name="assets")
    name = models.CharField("资产名称", max_length=100)
    value = models.DecimalField("资产价值（万元）", **WAN)
    village = models.ForeignKey(Village, verbose_name="产权村", on_delete=models.PROTECT, related_name="assets")
    custodian = models.CharField("管护责任人", max_length=50)
    handed_over = models.DateField("移交日期")
    note = models.CharField("备注", max_length=200, blank=True)

    objects = ProjectPartQuerySet.as_manager()

    scope_field = "project__region"
    project_path = "project"

    class Meta:
        verbose_name = "项目资产"
        verbose_name_plural = "项目资产"
        ordering = ["project", "handed_over", "pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return self.project.get_absolute_url()


class UpkeepCheck(models.Model):
    """管护检查: one inspection of an asset and what was found."""

    asset = models.ForeignKey(Asset, verbose_name="资产", on_delete=models.CASCADE, related_name="checks")
    date = models.DateField("检查日期")
    inspector = models.CharField("检查人", max_length=50)
    finding = models.CharField("检查情况", max_length=200)
    fixed = models.BooleanField("问题已整改", default=False)

    objects = ProjectPartQuerySet.as_manager()

    scope_field = "asset__project__region"
    project_path = "asset__project"

    class Meta:
        verbose_name = "管护检查"
        verbose_name_plural = "管护检查"
        ordering = ["asset", "-date", "-pk"]

    def __str__(self):
        return f"{self.asset} {self.date:%Y-%m-%d}"
