"""第一书记联盟: master and sub-alliances, industry alliances, members, activities, experts and the four lists."""

from django.db import models
from django.db.models import Q
from django.urls import reverse

from secretaries.models import DispatchUnit, Secretary, WorkTeam, validate_phone
from villages.models import Region, Village

from .catalogue import CatalogueEntry  # noqa: F401 (a model of this app, kept in its own module)
from .querysets import AllianceQuerySet, ItemQuerySet, NeedQuerySet


class Category(models.TextChoices):
    LIVELIHOOD = "livelihood", "民生保障"
    INDUSTRY = "industry", "产业发展"
    INFRASTRUCTURE = "infrastructure", "基础设施"
    TECHNICAL = "technical", "技术服务"
    EMPLOYMENT = "employment", "就业"
    MEDICAL = "medical", "医疗"
    EDUCATION = "education", "教育"
    OTHER = "other", "其他"


class Alliance(models.Model):
    """A 总盟 (county master), one of its 分盟 (a few townships each), or an 产业联盟 (one industry)."""

    class Kind(models.TextChoices):
        MASTER = "master", "总盟"
        SUB = "sub", "分盟"
        INDUSTRY = "industry", "产业联盟"

    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.SUB)
    name = models.CharField("联盟名称", max_length=60)
    parent = models.ForeignKey("self", verbose_name="上级联盟", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="children")
    convener = models.ForeignKey(Secretary, verbose_name="召集人", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="convened_alliances")
    townships = models.ManyToManyField(Region, verbose_name="覆盖镇（街道）", blank=True, related_name="alliances",
                                       limit_choices_to={"level": Region.Level.TOWNSHIP})
    founded = models.DateField("成立日期", null=True, blank=True)
    region = models.ForeignKey(Region, verbose_name="所属县", on_delete=models.PROTECT, related_name="+",
                               limit_choices_to={"level": Region.Level.COUNTY})
    note = models.TextField("简介", blank=True)
    # 联盟项目: a project run by the alliance as well as by its villages ("整合资金3200万元，实施项目7个").
    projects = models.ManyToManyField("projects.Project", verbose_name="联盟项目", blank=True,
                                      related_name="alliances")
    number = models.PositiveSmallIntegerField("序号", null=True, blank=True,
                                              help_text="分盟的序号（第一分盟填 1），列表按序号排列。")

    objects = AllianceQuerySet.as_manager()

    scope_field = "region"

    class Meta:
        verbose_name = "第一书记联盟"
        verbose_name_plural = "第一书记联盟"
        ordering = ["kind", models.F("number").asc(nulls_last=True), "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="alliance_unique_name",
                                    violation_error_message="本县已有同名的联盟。"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("alliances:alliance_detail", args=[self.pk])


class Member(models.Model):
    """One member of an alliance: a secretary (the X), a work team or a dispatching unit (the N)."""

    class Kind(models.TextChoices):
        SECRETARY = "secretary", "成员第一书记"
        TEAM = "team", "工作队"
        UNIT = "unit", "派出单位"

    alliance = models.ForeignKey(Alliance, verbose_name="联盟", on_delete=models.CASCADE, related_name="members")
    kind = models.CharField("成员类型", max_length=10, choices=Kind.choices)
    secretary = models.ForeignKey(Secretary, verbose_name="第一书记", on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="alliance_memberships")
    team = models.ForeignKey(WorkTeam, verbose_name="工作队", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="alliance_memberships")
    unit = models.ForeignKey(DispatchUnit, verbose_name="派出单位", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="alliance_memberships")

    objects = ItemQuerySet.as_manager()

    scope_field = "alliance__region"

    class Meta:
        verbose_name = "联盟成员"
        verbose_name_plural = "联盟成员"
        ordering = ["alliance", "kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="secretary", secretary__isnull=False, team__isnull=True, unit__isnull=True)
                           | Q(kind="team", secretary__isnull=True, team__isnull=False, unit__isnull=True)
                           | Q(kind="unit", secretary__isnull=True, team__isnull=True, unit__isnull=False)),
                name="alliance_member_one_kind", violation_error_message="成员类型与所选成员不一致。"),
            models.UniqueConstraint(fields=["alliance", "secretary"], name="alliance_member_unique_secretary",
                                    violation_error_message="该第一书记已是本联盟成员。"),
            models.UniqueConstraint(fields=["alliance", "team"], name="alliance_member_unique_team",
                                    violation_error_message="该工作队已是本联盟成员。"),
            models.UniqueConstraint(fields=["alliance", "unit"], name="alliance_member_unique_unit",
                                    violation_error_message="该派出单位已是本联盟成员。"),
        ]

    def __str__(self):
        return str(self.secretary or self.team or self.unit)


class LeftOut(models.Model):
    """A secretary serving in a 分盟's townships whom county staff chose not to make a member, and why."""

    alliance = models.ForeignKey(Alliance, verbose_name="联盟", on_delete=models.CASCADE, related_name="left_out")
    secretary = models.ForeignKey(Secretary, verbose_name="第一书记", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField("不纳入的理由", max_length=200)
    decided_on = models.DateField("决定日期", auto_now_add=True)

    objects = ItemQuerySet.as_manager()

    scope_field = "alliance__region"

    class Meta:
        verbose_name = "未纳入联盟的第一书记"
        verbose_name_plural = "未纳入联盟的第一书记"
        ordering = ["alliance", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "secretary"], name="alliance_left_out_unique",
                                    violation_error_message="已记录该第一书记不纳入本联盟。"),
        ]

    def __str__(self):
        return f"{self.secretary}（{self.reason}）"


class ExpertGroup(models.Model):
    """专家顾问团 group within an alliance, e.g. 种植养殖技术服务; it accepts (接单) co-build items sent to it."""

    alliance = models.ForeignKey(Alliance, verbose_name="联盟", on_delete=models.CASCADE,
                                 related_name="expert_groups")
    name = models.CharField("专家组名称", max_length=60)
    category = models.CharField("擅长类别", max_length=16, choices=Category.choices, default=Category.TECHNICAL)

    objects = ItemQuerySet.as_manager()

    scope_field = "alliance__region"

    class Meta:
        verbose_name = "专家组"
        verbose_name_plural = "专家组"
        ordering = ["alliance", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "name"], name="expert_group_unique_name",
                                    violation_error_message="本联盟已有同名的专家组。"),
        ]

    def __str__(self):
        return self.name


class Expert(models.Model):
    group = models.ForeignKey(ExpertGroup, verbose_name="专家组", on_delete=models.CASCADE, related_name="experts")
    name = models.CharField("姓名", max_length=30)
    field = models.CharField("专业领域", max_length=60)
    unit = models.CharField("工作单位", max_length=100)
    phone = models.CharField("联系电话", max_length=20, validators=[validate_phone])

    objects = ItemQuerySet.as_manager()

    scope_field = "group__alliance__region"
    alliance_path = "group__alliance"

    class Meta:
        verbose_name = "专家"
        verbose_name_plural = "专家"
        ordering = ["group", "name", "pk"]

    def __str__(self):
        return f"{self.name}（{self.field}）"


class Urgency(models.TextChoices):
    NORMAL = "normal", "一般"
    URGENT = "urgent", "较急"
    CRITICAL = "critical", "紧急"


class Need(models.Model):
    """需求清单: what a village asked for (群众下单). Solved when a co-build item serving it is completed."""

    class Status(models.TextChoices):
        OPEN = "open", "未解决"
        SOLVED = "solved", "已解决"

    alliance = models.ForeignKey(Alliance, verbose_name="所属联盟", on_delete=models.PROTECT, related_name="needs")
    category = models.CharField("类别", max_length=16, choices=Category.choices)
    topic = models.ForeignKey(CatalogueEntry, verbose_name="细类", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="needs")
    description = models.CharField("需求内容", max_length=300)
    village = models.ForeignKey(Village, verbose_name="村", on_delete=models.PROTECT, related_name="alliance_needs")
    raised_by = models.CharField("提出人", max_length=50)
    raised_on = models.DateField("提出日期")
    urgency = models.CharField("紧急程度", max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN, editable=False)
    solved_on = models.DateField("解决日期", null=True, blank=True, editable=False)

    objects = NeedQuerySet.as_manager()

    scope_field = "alliance__region"

    class Meta:
        verbose_name = "需求清单"
        verbose_name_plural = "需求清单"
        ordering = ["-raised_on", "-pk"]

    def __str__(self):
        return f"{self.village}：{self.description[:30]}"

    def get_absolute_url(self):
        return reverse("alliances:need_match", args=[self.pk])


class Resource(models.Model):
    """资源清单: what a secretary's unit or an expert offers, usable by up to `capacity` co-build items."""

    alliance = models.ForeignKey(Alliance, verbose_name="所属联盟", on_delete=models.PROTECT,
                                 related_name="resources")
    category = models.CharField("类别", max_length=16, choices=Category.choices)
    topic = models.ForeignKey(CatalogueEntry, verbose_name="细类", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="resources")
    description = models.CharField("资源内容", max_length=300)
    amount = models.DecimalField("数量或价值", max_digits=12, decimal_places=2, null=True, blank=True)
    amount_unit = models.CharField("计量单位", max_length=10, blank=True, help_text="如 万元、人次、吨。")
    provider_secretary = models.ForeignKey(Secretary, verbose_name="提供人（第一书记及其派出单位）",
                                           on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="alliance_resources")
    provider_expert = models.ForeignKey(Expert, verbose_name="提供人（专家）", on_delete=models.PROTECT, null=True,
                                        blank=True, related_name="resources")
    valid_until = models.DateField("有效期至", null=True, blank=True)
    capacity = models.PositiveSmallIntegerField("可承接次数", default=1)

    objects = ItemQuerySet.as_manager()

    scope_field = "alliance__region"

    class Meta:
        verbose_name = "资源清单"
        verbose_name_plural = "资源清单"
        ordering = ["alliance", "category", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(provider_secretary__isnull=False, provider_expert__isnull=True)
                | Q(provider_secretary__isnull=True, provider_expert__isnull=False),
                name="resource_one_provider", violation_error_message="请选择一位提供人：第一书记或专家（只选一个）。"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="resource_capacity_positive",
                                   violation_error_message="可承接次数至少为 1。"),
        ]

    def __str__(self):
        return self.description[:40]

    @property
    def provider_label(self):
        if self.provider_secretary_id:
            return f"{self.provider_secretary.unit}（{self.provider_secretary.name}）"
        return f"专家 {self.provider_expert.name}（{self.provider_expert.unit}）"


class CoBuild(models.Model):
    """共建清单: one item pairing needs with resources (联盟派单), optionally sent to an expert group (专家接单)."""

    class Status(models.TextChoices):
        ONGOING = "ongoing", "推进中"
        COMPLETED = "completed", "已完成"

    alliance = models.ForeignKey(Alliance, verbose_name="所属联盟", on_delete=models.PROTECT,
                                 related_name="cobuilds")
    needs = models.ManyToManyField(Need, verbose_name="对应需求", related_name="cobuilds", blank=True)
    resources = models.ManyToManyField(Resource, verbose_name="使用资源", related_name="cobuilds", blank=True)
    content = models.CharField("共建内容", max_length=200)
    measures = models.TextField("推进措施", blank=True)
    deadline = models.DateField("完成时限")
    responsible = models.CharField("责任人", max_length=100)
    expert_group = models.ForeignKey(ExpertGroup, verbose_name="派往专家组", on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="cobuilds")
    accepted_on = models.DateField("接单日期", null=True, blank=True, editable=False)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ONGOING, editable=False)
    completed_on = models.DateField("完成日期", null=True, blank=True, editable=False)
    outcome = models.TextField("完成成效", blank=True)
    created_on = models.DateField("派单日期")

    objects = ItemQuerySet.as_manager()

    scope_field = "alliance__region"

    class Meta:
        verbose_name = "共建清单"
        verbose_name_plural = "共建清单"
        ordering = ["-created_on", "-pk"]

    def __str__(self):
        return self.content


class Supervision(models.Model):
    """督导清单: a check of a need, a resource or a co-build item; overdue when open past its correction date."""

    alliance = models.ForeignKey(Alliance, verbose_name="所属联盟", on_delete=models.PROTECT,
                                 related_name="supervisions", editable=False)
    need = models.ForeignKey(Need, verbose_name="需求", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="supervisions")
    resource = models.ForeignKey(Resource, verbose_name="资源", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="supervisions")
    cobuild = models.ForeignKey(CoBuild, verbose_name="共建项目", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="supervisions")
    date = models.DateField("督导日期")
    inspector = models.CharField("督导人", max_length=50)
    finding = models.CharField("督导发现", max_length=300)
    deadline = models.DateField("整改时限", null=True, blank=True)
    closed = models.BooleanField("已销号", default=False)

    objects = ItemQuerySet.as_manager()

    scope_field = "alliance__region"

    class Meta:
        verbose_name = "督导清单"
        verbose_name_plural = "督导清单"
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(need__isnull=False, resource__isnull=True, cobuild__isnull=True)
                | Q(need__isnull=True, resource__isnull=False, cobuild__isnull=True)
                | Q(need__isnull=True, resource__isnull=True, cobuild__isnull=False),
                name="supervision_one_target", violation_error_message="请选择一项被督导的清单事项（只选一项）。"),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.finding[:30]}"

    @property
    def target(self):
        return self.need or self.resource or self.cobuild


class Activity(models.Model):
    """例会 (monthly), 主题活动 / 观摩评比 (quarterly), 述职评议 / 擂台比武 (half-yearly)."""

    class Kind(models.TextChoices):
        MEETING = "meeting", "例会"
        THEME = "theme", "主题活动"
        OBSERVATION = "observation", "观摩评比"
        REVIEW = "review", "述职评议"
        CONTEST = "contest", "擂台比武"

    alliance = models.ForeignKey(Alliance, verbose_name="联盟", on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField("活动类型", max_length=12, choices=Kind.choices, default=Kind.MEETING)
    date = models.DateField("日期")
    topic = models.CharField("主题", max_length=100)
    attendees = models.ManyToManyField(Secretary, verbose_name="参加人员", blank=True,
                                       related_name="alliance_activities")
    minutes = models.TextField("会议纪要", blank=True)
    outcomes = models.TextField("活动成效", blank=True)

    objects = ItemQuerySet.as_manager()

    scope_field = "alliance__region"

    class Meta:
        verbose_name = "联盟活动"
        verbose_name_plural = "联盟活动"
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["alliance", "kind", "date"], name="alliance_activity_kind_date")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}：{self.topic}"
