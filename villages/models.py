"""The region tree (省 → 市 → 县 → 镇/街道 → 村) and village profiles."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, FilteredRelation, Q
from django.urls import reverse

from accounts.roles import Role
from accounts.scoping import ScopedManager, ScopedQuerySet


class Region(models.Model):
    """A node of the administrative tree; `path` holds the ids from the root, e.g. "/1/4/27/"."""

    class Level(models.TextChoices):
        PROVINCE = "province", "省"
        CITY = "city", "市"
        COUNTY = "county", "县（市、区）"
        TOWNSHIP = "township", "镇（街道）"
        VILLAGE = "village", "村（社区）"

    ORDER = list(Level.values)

    name = models.CharField("名称", max_length=50)
    level = models.CharField("层级", max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    code = models.CharField(
        "行政区划代码",
        max_length=12,
        blank=True,
        validators=[RegexValidator(r"^\d{12}$", "行政区划代码应为12位数字。")],
    )
    # Set once by services.region_create; a node never moves, so the path never changes.
    # db_index on PostgreSQL also creates the varchar_pattern_ops index that prefix (LIKE '/1/4/%') searches use.
    path = models.CharField("路径", max_length=255, db_index=True, editable=False, default="")

    objects = ScopedManager()

    scope_field = ""

    class Meta:
        verbose_name = "行政区域"
        verbose_name_plural = "行政区域"
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="region_unique_name_under_parent",
                violation_error_message="同一上级下已有同名区域。",
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(parent__isnull=True),
                name="region_unique_root_name",
                violation_error_message="已有同名的顶级区域。",
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=~Q(code=""),
                name="region_unique_code",
                violation_error_message="该行政区划代码已被使用。",
            ),
        ]
        indexes = [
            models.Index(fields=["level", "path"], name="region_level_path"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.parent is None:
            if self.level in (self.Level.TOWNSHIP, self.Level.VILLAGE):
                raise ValidationError({"parent": "镇（街道）和村必须指定上级区域。"})
            return
        expected = self.ORDER.index(self.parent.level) + 1
        if expected >= len(self.ORDER) or self.ORDER[expected] != self.level:
            raise ValidationError(
                {"level": f"{self.parent.get_level_display()}的下级不能是{self.get_level_display()}。"}
            )

    def ancestor_ids(self):
        """Ids from the root down to this node, read from the path (no query)."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    @property
    def depth(self):
        return len(self.ancestor_ids())


class VillageQuerySet(ScopedQuerySet):
    def with_current_secretary(self):
        """Annotate the active first secretary (id, name) in the same query, by a filtered LEFT JOIN.

        The assignments app defines the relation; at most one active first secretary per village
        is a database constraint, so the join never multiplies rows.
        """
        current = FilteredRelation(
            "assignments", condition=Q(assignments__status="active", assignments__role="first_secretary")
        )
        return self.annotate(
            current=current,
            current_secretary_id=F("current__secretary_id"),
            current_secretary_name=F("current__secretary__name"),
            current_end_date=F("current__end_date"),
        )


class Village(models.Model):
    """A village's profile: why it gets a first secretary and its basic figures."""

    region = models.OneToOneField(
        Region,
        verbose_name="村",
        on_delete=models.PROTECT,
        related_name="village",
        limit_choices_to={"level": Region.Level.VILLAGE},
    )
    is_key_poverty = models.BooleanField("省扶贫工作重点村", default=False)
    is_weak_branch = models.BooleanField("党组织软弱涣散村", default=False)
    is_weak_economy = models.BooleanField("集体经济相对薄弱村", default=False)
    is_demonstration = models.BooleanField("乡村振兴示范创建村", default=False)
    needs_secretary = models.BooleanField("需选派第一书记", default=False)
    note = models.TextField("备注", blank=True)
    # Where the village office stands; a check-in photo taken farther away than the radius is flagged.
    latitude = models.DecimalField(
        "纬度", max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)], help_text="村委会位置，如 35.071234（北纬）。",
    )
    longitude = models.DecimalField(
        "经度", max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)], help_text="村委会位置，如 116.312345（东经）。",
    )
    presence_radius = models.PositiveIntegerField(
        "在村范围（米）", default=1000, validators=[MinValueValidator(100), MaxValueValidator(20000)],
        help_text="打卡照片的拍摄位置距村委会超过该距离时提示“超出村范围”。",
    )

    objects = VillageQuerySet.as_manager()

    scope_field = "region"
    # Personal roles see the villages their own (or their unit's) people serve or served in.
    scope_personal = {Role.SECRETARY: "assignments__secretary__user",
                      Role.UNIT_CONTACT: "assignments__secretary__unit__contacts"}
    label_related = ("region__parent",)  # __str__ and choice_label read the region's and the township's names

    TAG_FIELDS = ("is_key_poverty", "is_weak_branch", "is_weak_economy", "is_demonstration", "needs_secretary")

    class Meta:
        verbose_name = "村"
        verbose_name_plural = "村"
        ordering = ["region__path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="village_coordinates_both_or_neither",
                violation_error_message="经度和纬度应同时填写，或同时留空。",
            ),
        ]

    def __str__(self):
        return self.region.name

    def get_absolute_url(self):
        return reverse("villages:village_detail", args=[self.pk])

    @property
    def choice_label(self):
        """"胡集镇 · 王庄村": how a village reads in a choice list, where 光明村 may exist three times."""
        return f"{self.region.parent.name} · {self.region.name}" if self.region.parent_id else self.region.name

    @property
    def has_coordinates(self):
        return self.latitude is not None and self.longitude is not None

    @property
    def tags(self):
        return [self._meta.get_field(name).verbose_name for name in self.TAG_FIELDS[:-1] if getattr(self, name)]


class VillageYearStat(models.Model):
    """A village's figures for one year (集体收入、户数、党员数)."""

    village = models.ForeignKey(Village, verbose_name="村", on_delete=models.CASCADE, related_name="year_stats")
    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(2000)])
    collective_income = models.DecimalField(
        "村集体收入（万元）", max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    households = models.PositiveIntegerField("户数")
    population = models.PositiveIntegerField("人口", null=True, blank=True)
    party_members = models.PositiveIntegerField("党员数")

    objects = ScopedManager()

    scope_field = "village__region"

    class Meta:
        verbose_name = "村年度数据"
        verbose_name_plural = "村年度数据"
        ordering = ["village", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "year"],
                name="village_year_stat_unique",
                violation_error_message="该村该年度的数据已存在。",
            ),
        ]

    def __str__(self):
        return f"{self.village} {self.year}年"

    def get_absolute_url(self):
        return reverse("villages:village_detail", args=[self.village_id])
