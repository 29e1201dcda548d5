"""考评周期 and 参评人员: a period keeps its own copy of the scheme's rules; results live on the participant."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from accounts.roles import Role
from accounts.scoping import ScopedManager
from secretaries.models import Batch, DispatchLevel, Secretary
from villages.models import Region, Village

from .schemes import (
    DEFAULT_TRIM_MIN_RATERS,
    MAX_DIMENSIONS,
    Channel,
    Scheme,
)


class Period(models.Model):
    """考评周期: a quarter, half-year or year of one county, with the rules it was opened under."""

    class Kind(models.TextChoices):
        MONTH = "month", "月度"
        QUARTER = "quarter", "季度"
        HALF = "half", "半年"
        YEAR = "year", "年度"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SCORING = "scoring", "评分中"
        LOCKED = "locked", "已锁定"
        PUBLISHED = "published", "已发布"

    region = models.ForeignKey(Region, verbose_name="考评区域", on_delete=models.PROTECT, related_name="periods")
    scheme = models.ForeignKey(Scheme, verbose_name="考评方案", on_delete=models.PROTECT, related_name="periods")
    kind = models.CharField("周期类型", max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    number = models.PositiveSmallIntegerField("期次", default=1)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    rules = models.JSONField("考评规则（开启时从方案复制）", default=dict, editable=False)
    opened_at = models.DateTimeField("开启时间", null=True, blank=True, editable=False)
    computed_at = models.DateTimeField("计算时间", null=True, blank=True, editable=False)
    locked_at = models.DateTimeField("锁定时间", null=True, blank=True, editable=False)
    published_at = models.DateTimeField("发布时间", null=True, blank=True, editable=False)
    publication = models.ForeignKey(
        "evaluations.Publication", verbose_name="当前发布", on_delete=models.SET_NULL, null=True, blank=True,
        editable=False, related_name="+", help_text="已发布时是哪一次发布；撤回后为空。")
    previous = models.ForeignKey(
        "self", verbose_name="上一同类周期", on_delete=models.SET_NULL, null=True, blank=True, editable=False,
        related_name="+", help_text="位次进退与之比较；锁定时确定。",
    )

    objects = ScopedManager()

    scope_field = "region"
    scope_includes_ancestors = True

    MAX_NUMBER = {Kind.MONTH: 12, Kind.QUARTER: 4, Kind.HALF: 2, Kind.YEAR: 1}

    class Meta:
        verbose_name = "考评周期"
        verbose_name_plural = "考评周期"
        ordering = ["-year", "-end_date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["region", "kind", "year", "number"], name="period_unique",
                                    violation_error_message="该区域已有同一年度、同一类型和序号的考评周期。"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="period_end_after_start",
                                   violation_error_message="结束日期不能早于开始日期。"),
        ]

    def __str__(self):
        return f"{self.region.name} {self.label}"

    def get_absolute_url(self):
        return reverse("evaluations:period_detail", args=[self.pk])

    @staticmethod
    def number_label(kind, number):
        """第一季度, 上半年, 3月, 年度: how people say a period's number."""
        if kind == Period.Kind.MONTH:
            return f"{number}月"
        if kind == Period.Kind.QUARTER:
            return f"第{'一二三四'[number - 1]}季度"
        if kind == Period.Kind.HALF:
            return f"{'上下'[number - 1]}半年"
        return "年度"

    @staticmethod
    def number_error(kind):
        names = "、".join(Period.number_label(kind, n) for n in range(1, Period.MAX_NUMBER[kind] + 1))
        return f"{Period.Kind(kind).label}考评的期次只有{names}，请重新选择。"

    @property
    def label(self):
        if self.kind == self.Kind.MONTH:
            return f"{self.year}年{self.number}月"
        if self.kind == self.Kind.QUARTER:
            return f"{self.year}年第{'一二三四'[self.number - 1]}季度"
        if self.kind == self.Kind.HALF:
            return f"{self.year}年{'上下'[self.number - 1]}半年"
        return f"{self.year}年度"

    def clean(self):
        if self.kind and self.number and not 1 <= self.number <= self.MAX_NUMBER[self.kind]:
            raise ValidationError({"number": self.number_error(self.kind)})
        if self.region_id and self.region.level in (Region.Level.TOWNSHIP, Region.Level.VILLAGE):
            raise ValidationError({"region": "考评周期由县（市、区）及以上组织部门组织。"})

    @staticmethod
    def default_dates(kind, year, number):
        """The calendar span of a quarter, half-year or year."""
        months = {"month": 1, "quarter": 3, "half": 6, "year": 12}[kind]
        first_month = (number - 1) * months + 1
        start = datetime.date(year, first_month, 1)
        last_month = first_month + months - 1
        next_start = datetime.date(year + 1, 1, 1) if last_month == 12 else datetime.date(year, last_month + 1, 1)
        return start, next_start - datetime.timedelta(days=1)

    @property
    def is_scoring(self):
        return self.status == self.Status.SCORING

    @property
    def is_frozen(self):
        return self.status in (self.Status.LOCKED, self.Status.PUBLISHED)

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    # The period's own copy of the rules -------------------------------------------------------------------
    @property
    def dimensions(self):
        return [d["name"] for d in self.rules.get("dimensions", [])]

    def dimension_weights(self):
        return [Decimal(d["weight"]) for d in self.rules.get("dimensions", [])]

    def channel_weights(self):
        """{channel: weight} in the scheme's order (PostgreSQL's jsonb does not keep the keys' order)."""
        weights = self.rules.get("channels", {})
        order = self.rules.get("channel_order") or [c for c in Channel.values if c in weights]
        return {channel: Decimal(weights[channel]) for channel in order if channel in weights}

    def channel_list(self):
        """[(channel, name)] of the period's channels, in the scheme's order (names as the scheme calls them)."""
        rules = self.rules if self.rules else self.scheme.rules()
        names = rules.get("channel_names", {})
        order = rules.get("channel_order") or [c for c in Channel.values if c in rules.get("channels", {})]
        return [(c, names.get(c) or Channel(c).label) for c in order if c in rules.get("channels", {})]

    @property
    def trim_min_raters(self):
        return self.rules.get("trim_min_raters", DEFAULT_TRIM_MIN_RATERS)

    @property
    def points_base(self):
        return Decimal(self.rules.get("points_base", "80"))

    @property
    def village_input(self):
        return self.rules.get("village_input") or "grid"

    def outcome(self, name):
        """One outcome rule of the period's copy (periods opened before outcomes existed get the defaults)."""
        value = self.rules.get("outcomes", {}).get(name)
        if value is None:
            value = Scheme._meta.get_field(name).default
        return Decimal(str(value))


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    COMPETENT = "competent", "称职"
    BASIC = "basic", "基本称职"
    INCOMPETENT = "incompetent", "不称职"


class Participant(models.Model):
    """参评人员: one first secretary in one period, with the village and township they served in then.

    The roster is taken when the period opens; the computed result lives on the same row (empty until computed).
    """

    # participant_unique (period, secretary) serves look-ups by period: no index of its own to write.
    period = models.ForeignKey(Period, verbose_name="考评周期", on_delete=models.CASCADE, related_name="participants",
                               db_index=False)
    secretary = models.ForeignKey(Secretary, verbose_name="第一书记", on_delete=models.PROTECT,
                                  related_name="evaluations")
    village = models.ForeignKey(Village, verbose_name="所驻村", on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey(Region, verbose_name="镇街", on_delete=models.PROTECT, related_name="+")
    unit_name = models.CharField("派出单位", max_length=100, blank=True)
    dispatch_level = models.CharField("派驻层级", max_length=10, blank=True, choices=DispatchLevel.choices)

    # Computed (scoring.compute); never typed in.
    composite = models.DecimalField("综合得分", max_digits=14, decimal_places=10, null=True, blank=True)
    score_org = models.DecimalField("组织考评", max_digits=14, decimal_places=10, null=True, blank=True)
    score_township = models.DecimalField("镇街点评", max_digits=14, decimal_places=10, null=True, blank=True)
    score_peer = models.DecimalField("观摩互评", max_digits=14, decimal_places=10, null=True, blank=True)
    score_survey = models.DecimalField("党员群众测评", max_digits=14, decimal_places=10, null=True, blank=True)
    score_village = models.DecimalField("村级评价", max_digits=14, decimal_places=10, null=True, blank=True)
    score_points = models.DecimalField("积分", max_digits=14, decimal_places=10, null=True, blank=True)
    score_contest = models.DecimalField("比武评议", max_digits=14, decimal_places=10, null=True, blank=True)
    # Each dimension's score over all channels (channel weights applied), by the dimension's position in the
    # period's rules (at most MAX_DIMENSIONS): the radar, the archive, the yearly report, 工作实绩.
    dimension_1 = models.DecimalField("维度1得分", max_digits=14, decimal_places=10, null=True, blank=True)
    dimension_2 = models.DecimalField("维度2得分", max_digits=14, decimal_places=10, null=True, blank=True)
    dimension_3 = models.DecimalField("维度3得分", max_digits=14, decimal_places=10, null=True, blank=True)
    dimension_4 = models.DecimalField("维度4得分", max_digits=14, decimal_places=10, null=True, blank=True)
    dimension_5 = models.DecimalField("维度5得分", max_digits=14, decimal_places=10, null=True, blank=True)
    dimension_6 = models.DecimalField("维度6得分", max_digits=14, decimal_places=10, null=True, blank=True)
    dimension_7 = models.DecimalField("维度7得分", max_digits=14, decimal_places=10, null=True, blank=True)
    dimension_8 = models.DecimalField("维度8得分", max_digits=14, decimal_places=10, null=True, blank=True)
    dimension_9 = models.DecimalField("维度9得分", max_digits=14, decimal_places=10, null=True, blank=True)
    dimension_10 = models.DecimalField("维度10得分", max_digits=14, decimal_places=10, null=True, blank=True)
    channels_missing = models.BooleanField("渠道缺失", default=False)
    excused = models.BooleanField("免评", default=False,
                                  help_text="锁定时决定本期不参加排名（如长期病假）；理由见缺项处理记录。")
    rank_county = models.PositiveIntegerField("县排名", null=True, blank=True)
    rank_township = models.PositiveIntegerField("镇排名", null=True, blank=True)
    previous_rank = models.PositiveIntegerField("上期县排名", null=True, blank=True)
    alliance = models.ForeignKey("alliances.Alliance", verbose_name="分盟", on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+", help_text="计算结果时所在的分盟（联盟内排名）。")
    rank_alliance = models.PositiveIntegerField("分盟排名", null=True, blank=True)
    flag = models.BooleanField("红旗", default=False)
    stars = models.PositiveSmallIntegerField("星级", default=0)
    grade = models.CharField("年度等次", max_length=12, choices=Grade.choices, blank=True)
    grade_pending = models.BooleanField("优秀待定", default=False,
                                        help_text="并列者同时计入会超过优秀比例：由县委组织部决定。")
    batch = models.ForeignKey(Batch, verbose_name="派驻批次", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", help_text="累计红旗晋星按批次计算。")

    objects = ScopedManager()

    scope_field = "village__region"
    scope_personal = {Role.SECRETARY: "secretary__user", Role.UNIT_CONTACT: "secretary__unit__contacts"}
    label_related = ("secretary",)

    class Meta:
        verbose_name = "参评第一书记"
        verbose_name_plural = "参评第一书记"
        ordering = ["period", "rank_county", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["period", "secretary"], name="participant_unique",
                                    violation_error_message="该第一书记已在本周期的参评名单中。"),
        ]
        # Not on any computed column: computing a period then rewrites its rows in place (PostgreSQL's HOT
        # updates, with the room fillfactor leaves on each page: migration 0009) without touching any index.
        indexes = [models.Index(fields=["period", "township"], name="participant_period_township")]

    def __str__(self):
        return str(self.secretary)

    def get_absolute_url(self):
        return reverse("evaluations:result_detail", args=[self.pk])

    def channel_scores(self):
        return {channel: getattr(self, f"score_{channel}") for channel in Channel.values}

    def dimension_scores(self):
        """{position: score} of the dimensions with a result (positions from 1, as in the period's rules)."""
        return {position: score for position in range(1, MAX_DIMENSIONS + 1)
                if (score := getattr(self, f"dimension_{position}")) is not None}

    @property
    def change(self):
        """位次进退 against the previous period of the same kind: +3 is up three places; None is new."""
        if self.rank_county is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank_county

    @property
    def stars_text(self):
        return "★" * self.stars

    @property
    def change_label(self):
        if self.rank_county is None:
            return ""
        change = self.change
        if change is None:
            return "新"
        if change == 0:
            return "持平"
        return f"↑{change}" if change > 0 else f"↓{-change}"
