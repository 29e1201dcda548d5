"""Dispatching units, first secretaries, batches, assignments and work teams."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from accounts.crypto import EncryptedField, KeyedHashField
from accounts.roles import Role
from accounts.scoping import ScopedManager, ScopedQuerySet
from villages.models import Region, Village

from . import idcard
from .names import normalize_name

validate_phone = RegexValidator(
    r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$",
    "请填写 11 位手机号，或带区号的固定电话（如 0537-8721234）。",
)

ETHNICITIES = (
    "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 哈尼族 哈萨克族 傣族 "
    "黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 土族 达斡尔族 仫佬族 羌族 布朗族 撒拉族 "
    "毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 "
    "独龙族 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族"
).split()


class DispatchUnit(models.Model):
    """派出单位: the body that sends a secretary (a department, an institution, a state enterprise)."""

    class Level(models.TextChoices):
        PROVINCE = "province", "省直"
        CITY = "city", "市直"
        COUNTY = "county", "县直"
        OTHER = "other", "其他"

    class Kind(models.TextChoices):
        PARTY_GOV = "party_gov", "党政机关"
        INSTITUTION = "institution", "事业单位"
        ENTERPRISE = "enterprise", "国有企业"
        UNIVERSITY = "university", "高校"
        OTHER = "other", "其他"

    name = models.CharField("单位名称", max_length=100)
    level = models.CharField("单位层级", max_length=10, choices=Level.choices)
    kind = models.CharField("单位性质", max_length=12, choices=Kind.choices, default=Kind.PARTY_GOV)
    region = models.ForeignKey(
        Region,
        verbose_name="管理区域",
        on_delete=models.PROTECT,
        related_name="dispatch_units",
        help_text="登记该单位的组织部门所在区域（省、市或县）。",
    )
    contacts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="联络人账号",
        blank=True,
        related_name="contact_units",
        limit_choices_to={"role": Role.UNIT_CONTACT},
    )

    objects = ScopedManager()

    scope_field = "region"
    scope_includes_ancestors = True
    scope_personal = {Role.UNIT_CONTACT: "contacts"}

    class Meta:
        verbose_name = "派出单位"
        verbose_name_plural = "派出单位"
        ordering = ["level", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"],
                name="dispatch_unit_unique_name",
                violation_error_message="该区域已登记同名的派出单位。",
            ),
        ]
        # The unit lists' order: a province's first page of 6,000 units is read from the index, not sorted.
        indexes = [models.Index(fields=["level", "name", "id"], name="unit_level_name")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("secretaries:unit_detail", args=[self.pk])


class Secretary(models.Model):
    """A first secretary or work-team member: the person, independent of where they serve."""

    class PoliticalStatus(models.TextChoices):
        CPC = "cpc", "中共党员"
        CPC_PROBATION = "cpc_probation", "中共预备党员"
        LEAGUE = "league", "共青团员"
        DEMOCRATIC = "democratic", "民主党派"
        MASSES = "masses", "群众"

    class Education(models.TextChoices):
        DOCTORATE = "doctorate", "博士研究生"
        MASTER = "master", "硕士研究生"
        BACHELOR = "bachelor", "大学本科"
        COLLEGE = "college", "大学专科"
        SECONDARY = "secondary", "中专及以下"

    name = models.CharField("姓名", max_length=30)
    # Encrypted at rest; the keyed hash keeps numbers unique and finds them (accounts/crypto.py).
    id_number = EncryptedField("身份证号", max_length=18, validators=[idcard.validate_id_number],
                               hash_field="id_number_hash")
    id_number_hash = KeyedHashField("身份证号哈希", source="id_number", unique=True,
                                    error_messages={"unique": "该身份证号已登记。"})
    ethnicity = models.CharField("民族", max_length=10, choices=[(e, e) for e in ETHNICITIES], default="汉族")
    political_status = models.CharField(
        "政治面貌", max_length=16, choices=PoliticalStatus.choices, default=PoliticalStatus.CPC
    )
    education = models.CharField("学历", max_length=12, choices=Education.choices, default=Education.BACHELOR)
    phone = EncryptedField("联系电话", max_length=20, validators=[validate_phone], hash_field="phone_hash")
    phone_hash = KeyedHashField("联系电话哈希", source="phone", db_index=True, null=True)
    unit = models.ForeignKey(
        DispatchUnit, verbose_name="派出单位", on_delete=models.PROTECT, related_name="secretaries"
    )
    post = models.CharField("职务", max_length=60, blank=True)
    rank = models.CharField("职级", max_length=30, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name="管理区域",
        on_delete=models.PROTECT,
        related_name="secretaries",
        help_text="当前（或最近一次）派驻的村；未派驻时为负责管理的县。由派驻和轮换自动更新。",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="secretary_profile",
        limit_choices_to={"role": Role.SECRETARY},
    )

    objects = ScopedManager()

    scope_field = "region"
    scope_personal = {Role.SECRETARY: "user", Role.UNIT_CONTACT: "unit__contacts"}

    class Meta:
        verbose_name = "第一书记"
        verbose_name_plural = "第一书记"
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("secretaries:secretary_detail", args=[self.pk])

    def clean(self):
        # Store the canonical forms: half-width, upper-case X; "王  磊" as "王磊".
        self.id_number = idcard.normalize(self.id_number)
        self.name = normalize_name(self.name)

    @property
    def _id_info(self):
        try:
            return idcard.parse(self.id_number)
        except ValidationError:
            return None

    @property
    def birth_date(self):
        info = self._id_info
        return info.birth_date if info else None

    @property
    def gender(self):
        info = self._id_info
        return info.gender if info else ""

    @property
    def masked_id_number(self):
        return idcard.mask(self.id_number)

    def id_number_for(self, user):
        """What this user may see of the ID number: the whole of it, or the masked form (secretaries.privacy)."""
        from .privacy import shown_person

        return shown_person(user, self).id_number


class Batch(models.Model):
    """派驻批次: one round of dispatch, usually two years."""

    name = models.CharField("批次名称", max_length=60)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    region = models.ForeignKey(Region, verbose_name="组织区域", on_delete=models.PROTECT, related_name="batches")

    objects = ScopedManager()

    scope_field = "region"
    scope_includes_ancestors = True

    class Meta:
        verbose_name = "派驻批次"
        verbose_name_plural = "派驻批次"
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="batch_end_after_start",
                violation_error_message="批次结束日期不能早于开始日期。",
            ),
            models.UniqueConstraint(
                fields=["region", "name"], name="batch_unique_name", violation_error_message="该区域已有同名批次。"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("secretaries:batch_detail", args=[self.pk])


class DispatchLevel(models.TextChoices):
    PROVINCE = "province", "省派"
    CITY = "city", "市派"
    COUNTY = "county", "县派"


class AssignmentQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(status=Assignment.Status.ACTIVE)

    def active_first_secretaries(self):
        return self.active().filter(role=Assignment.Duty.FIRST_SECRETARY)

    def overdue(self, today=None):
        """Still 在岗 although the planned end date has passed: a rotation or an extension is due."""
        return self.active().filter(end_date__lt=today or datetime.date.today())

    def ending_within(self, days, today=None):
        today = today or datetime.date.today()
        return self.active().filter(end_date__gte=today, end_date__lte=today + datetime.timedelta(days=days))


class Assignment(models.Model):
    """派驻: one secretary in one village for one batch. Ended, never rewritten."""

    class Duty(models.TextChoices):
        FIRST_SECRETARY = "first_secretary", "第一书记"
        TEAM_LEADER = "team_leader", "工作队队长"
        MEMBER = "member", "工作队队员"
        LIAISON = "liaison", "联络员"

    class Status(models.TextChoices):
        ACTIVE = "active", "在岗"
        ROTATED = "rotated", "期满轮换"
        RECALLED = "recalled", "召回"
        ADJUSTED = "adjusted", "调整"

    secretary = models.ForeignKey(
        Secretary, verbose_name="第一书记", on_delete=models.PROTECT, related_name="assignments"
    )
    village = models.ForeignKey(Village, verbose_name="所驻村", on_delete=models.PROTECT, related_name="assignments")
    batch = models.ForeignKey(Batch, verbose_name="派驻批次", on_delete=models.PROTECT, related_name="assignments")
    dispatch_level = models.CharField("派驻层级", max_length=10, choices=DispatchLevel.choices)
    role = models.CharField("驻村身份", max_length=20, choices=Duty.choices, default=Duty.FIRST_SECRETARY)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True, help_text="计划期满日期；离任时为实际结束日期。")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    note = models.CharField("备注", max_length=200, blank=True)

    objects = models.Manager.from_queryset(AssignmentQuerySet)()

    scope_field = "village__region"
    scope_personal = {Role.SECRETARY: "secretary__user", Role.UNIT_CONTACT: "secretary__unit__contacts"}

    class Meta:
        verbose_name = "派驻记录"
        verbose_name_plural = "派驻记录"
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["village"],
                condition=Q(status="active", role="first_secretary"),
                name="one_active_first_secretary_per_village",
                violation_error_message="该村已有在岗的第一书记。请先让现任第一书记离任或轮换，再安排新的第一书记。",
            ),
            models.UniqueConstraint(
                fields=["secretary"],
                condition=Q(status="active"),
                name="one_active_assignment_per_secretary",
                violation_error_message="该同志已有在岗的派驻记录，同一时间只能在一个村任职。如需换村，请使用“轮换”。",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="assignment_end_after_start",
                violation_error_message="结束日期不能早于开始日期。",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "end_date"]),
            # The list's default order: a province's newest 50 are read from the index, not sorted from 25,000.
            models.Index(fields=["-start_date", "-id"], name="assignment_newest_first"),
        ]

    def __str__(self):
        return f"{self.secretary} → {self.village}（{self.get_status_display()}）"

    def get_absolute_url(self):
        return self.secretary.get_absolute_url()

    def clean(self):
        batch = self.batch if self.batch_id else None
        if batch and self.start_date and not batch.start_date <= self.start_date <= batch.end_date:
            raise ValidationError({"start_date": (
                f"开始日期不在所选派驻批次“{batch.name}”的期间内"
                f"（{batch.start_date:%Y-%m-%d} 至 {batch.end_date:%Y-%m-%d}）。"
            )})

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE


class WorkTeam(models.Model):
    """工作队 / 乡村振兴服务队: a province- or city-dispatched team working in a county or township."""

    name = models.CharField("工作队名称", max_length=100)
    region = models.ForeignKey(Region, verbose_name="驻地区域", on_delete=models.PROTECT, related_name="work_teams")
    dispatch_level = models.CharField("派驻层级", max_length=10, choices=DispatchLevel.choices)
    batch = models.ForeignKey(
        Batch, verbose_name="派驻批次", on_delete=models.PROTECT, related_name="work_teams", null=True, blank=True
    )
    leader = models.ForeignKey(
        Secretary, verbose_name="队长", on_delete=models.PROTECT, related_name="led_teams", null=True, blank=True
    )
    liaison = models.ForeignKey(
        Secretary, verbose_name="联络员", on_delete=models.PROTECT, related_name="liaison_teams", null=True, blank=True
    )
    members = models.ManyToManyField(Secretary, verbose_name="队员", related_name="work_teams", blank=True)

    objects = ScopedManager()

    scope_field = "region"
    scope_personal = {Role.SECRETARY: "members__user", Role.UNIT_CONTACT: "members__unit__contacts"}

    class Meta:
        verbose_name = "工作队"
        verbose_name_plural = "工作队"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"],
                name="work_team_unique_name",
                violation_error_message="该区域已有同名工作队。",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("secretaries:team_detail", args=[self.pk])
