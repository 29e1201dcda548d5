"""五看四评三争: schemes, periods, the people evaluated, scores from the four channels, and computed results.

A scheme is the county's rules (dimension weights, channel weights, peer-review trimming). A period copies
its scheme into `rules` when it opens, so changing a scheme never changes an open or closed period. Scores
are stored one per (person, channel, rater, dimension); results are computed from them in the database
(see scoring.py) and frozen when the period is locked.
"""

import datetime
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from accounts.roles import Role
from accounts.scoping import ScopedManager
from secretaries.models import Batch, DispatchLevel, Secretary
from villages.models import Region, Village

SCORE_VALIDATORS = [
    MinValueValidator(Decimal(0), "分数不能小于 0。"), MaxValueValidator(Decimal(100), "分数不能大于 100。"),
]
WEIGHT_VALIDATORS = [
    MinValueValidator(Decimal(0), "权重不能为负数。"), MaxValueValidator(Decimal(100), "权重不能超过 100%。"),
]


class Channel(models.TextChoices):
    """四评: who evaluates. The four are fixed (each has its own way of entering scores); weights are data."""

    ORG = "org", "组织考评"
    TOWNSHIP = "township", "镇街点评"
    PEER = "peer", "观摩互评"
    SURVEY = "survey", "党员群众测评"


# The 五看 and their criteria, from the 金乡县 articles (see DOMAIN.md); a new scheme starts from these.
DEFAULT_DIMENSIONS = (
    ("党建", "看党建引领：村党组织星级评定、发展党员、培养后备力量、“三会一课”等组织生活落实情况。"),
    ("发展", "看产业发展：特色产业培育、村集体经济和群众增收、带动返乡创业情况。"),
    ("治理", "看基层治理：“四议两公开”等民主决策机制运行、移风易俗与文明实践活动开展情况。"),
    ("服务", "看为民服务：为群众办实事、党群服务中心运行、走访慰问和解决群众诉求情况。"),
    ("村容", "看村容村貌：人居环境整治、黑臭水体治理、秸秆禁烧和美丽庭院创建情况。"),
)
DEFAULT_CHANNEL_WEIGHTS = {Channel.ORG: 40, Channel.TOWNSHIP: 30, Channel.PEER: 15, Channel.SURVEY: 15}
DEFAULT_TRIM_MIN_RATERS = 5


class Scheme(models.Model):
    """考评方案: the county's evaluation rules, edited freely; periods keep their own copy."""

    name = models.CharField("方案名称", max_length=60)
    region = models.ForeignKey(Region, verbose_name="制定区域", on_delete=models.PROTECT, related_name="schemes")
    note = models.TextField("说明", blank=True)
    trim_min_raters = models.PositiveSmallIntegerField(
        "互评去极值人数", default=DEFAULT_TRIM_MIN_RATERS, validators=[MinValueValidator(3, "至少为 3 人。")],
        help_text="观摩互评评分人达到该人数时，去掉一个最高分和一个最低分后取平均；不足时取平均。",
    )
    weight_org = models.DecimalField("组织考评权重（%）", max_digits=5, decimal_places=2,
                                     default=DEFAULT_CHANNEL_WEIGHTS[Channel.ORG], validators=WEIGHT_VALIDATORS)
    weight_township = models.DecimalField("镇街点评权重（%）", max_digits=5, decimal_places=2,
                                          default=DEFAULT_CHANNEL_WEIGHTS[Channel.TOWNSHIP],
                                          validators=WEIGHT_VALIDATORS)
    weight_peer = models.DecimalField("观摩互评权重（%）", max_digits=5, decimal_places=2,
                                      default=DEFAULT_CHANNEL_WEIGHTS[Channel.PEER], validators=WEIGHT_VALIDATORS)
    weight_survey = models.DecimalField("党员群众测评权重（%）", max_digits=5, decimal_places=2,
                                        default=DEFAULT_CHANNEL_WEIGHTS[Channel.SURVEY], validators=WEIGHT_VALIDATORS)
    # Outcomes (三争, 夺旗晋星, 季度之星, yearly grades): the defaults are 金乡县's.
    honour_count = models.PositiveSmallIntegerField(
        "三争每项人数", default=3,
        validators=[MinValueValidator(1, "至少为 1 人。"), MaxValueValidator(50, "最多 50 人。")])
    flag_percent = models.DecimalField(
        "夺旗比例（%）", max_digits=5, decimal_places=2, default=10, validators=WEIGHT_VALIDATORS,
        help_text="每期综合得分前百分之几获得红旗（向下取整，至少 1 人；并列者一同获得）。")
    flags_per_star = models.PositiveSmallIntegerField(
        "晋一星所需红旗数", default=2, validators=[MinValueValidator(1, "至少为 1 面。")],
        help_text="本派驻批次内同类考评周期累计的红旗数。")
    max_stars = models.PositiveSmallIntegerField("最多星数", default=5)
    quarter_star_count = models.PositiveSmallIntegerField("季度之星人数", default=3)
    grade_basic = models.DecimalField("基本称职分数线", max_digits=5, decimal_places=2, default=60,
                                      validators=SCORE_VALIDATORS)
    grade_competent = models.DecimalField("称职分数线", max_digits=5, decimal_places=2, default=70,
                                          validators=SCORE_VALIDATORS)
    grade_excellent = models.DecimalField("优秀最低分", max_digits=5, decimal_places=2, default=85,
                                          validators=SCORE_VALIDATORS)
    excellent_quota = models.DecimalField(
        "优秀比例上限（%）", max_digits=5, decimal_places=2, default=20, validators=WEIGHT_VALIDATORS,
        help_text="按参评人数计算，向下取整；有人达到优秀分数线时至少 1 人。")
    appeal_days = models.PositiveSmallIntegerField(
        "申诉期限（天）", default=7,
        validators=[MinValueValidator(1, "至少为 1 天。"), MaxValueValidator(90, "最多 90 天。")],
        help_text="结果发布后多少天内，第一书记可以对本人的考评结果提出申诉。")
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = ScopedManager()

    scope_field = "region"
    scope_includes_ancestors = True

    OUTCOME_FIELDS = ("honour_count", "flag_percent", "flags_per_star", "max_stars", "quarter_star_count",
                      "grade_basic", "grade_competent", "grade_excellent", "excellent_quota", "appeal_days")

    class Meta:
        verbose_name = "考评方案"
        verbose_name_plural = "考评方案"
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="scheme_unique_name",
                                    violation_error_message="该区域已有同名的考评方案。"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("evaluations:scheme_detail", args=[self.pk])

    def channel_weights(self):
        return {channel: getattr(self, f"weight_{channel}") for channel in Channel.values}

    def clean(self):
        total = sum(w or 0 for w in self.channel_weights().values())
        if total != 100:
            raise ValidationError(f"四个评价渠道的权重之和应为 100%，现在是 {total.normalize():f}%。")
        basic, competent, excellent = self.grade_basic, self.grade_competent, self.grade_excellent
        if None not in (basic, competent, excellent) and not basic < competent <= excellent:
            raise ValidationError("等次分数线应满足：基本称职 < 称职 ≤ 优秀。")

    def rules(self):
        """The copy a period keeps: plain JSON, weights as strings so no precision is lost."""
        return {
            "scheme": self.name,
            "dimensions": [
                {"name": d.name, "criteria": d.criteria, "weight": str(d.weight)} for d in self.dimensions.all()
            ],
            "channels": {channel: str(weight) for channel, weight in self.channel_weights().items()},
            "trim_min_raters": self.trim_min_raters,
            "outcomes": {name: str(getattr(self, name)) for name in self.OUTCOME_FIELDS},
        }


class Dimension(models.Model):
    """五看: one dimension of a scheme, with its criteria and weight."""

    scheme = models.ForeignKey(Scheme, verbose_name="考评方案", on_delete=models.CASCADE, related_name="dimensions")
    position = models.PositiveSmallIntegerField("序号")
    name = models.CharField("维度", max_length=20)
    criteria = models.TextField("考评内容", blank=True)
    weight = models.DecimalField("权重（%）", max_digits=5, decimal_places=2, validators=WEIGHT_VALIDATORS)

    class Meta:
        verbose_name = "考评维度"
        verbose_name_plural = "考评维度"
        ordering = ["scheme", "position"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "position"], name="dimension_unique_position"),
            models.UniqueConstraint(fields=["scheme", "name"], name="dimension_unique_name",
                                    violation_error_message="同一方案中维度名称不能重复。"),
        ]

    def __str__(self):
        return self.name


class Period(models.Model):
    """考评周期: a quarter, half-year or year of one county, with the rules it was opened under."""

    class Kind(models.TextChoices):
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
    number = models.PositiveSmallIntegerField("序号", default=1, help_text="季度填 1–4，半年填 1–2，年度填 1。")
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    rules = models.JSONField("考评规则（开启时从方案复制）", default=dict, editable=False)
    opened_at = models.DateTimeField("开启时间", null=True, blank=True, editable=False)
    computed_at = models.DateTimeField("计算时间", null=True, blank=True, editable=False)
    locked_at = models.DateTimeField("锁定时间", null=True, blank=True, editable=False)
    published_at = models.DateTimeField("发布时间", null=True, blank=True, editable=False)
    previous = models.ForeignKey(
        "self", verbose_name="上一同类周期", on_delete=models.SET_NULL, null=True, blank=True, editable=False,
        related_name="+", help_text="位次进退与之比较；锁定时确定。",
    )

    objects = ScopedManager()

    scope_field = "region"
    scope_includes_ancestors = True

    MAX_NUMBER = {Kind.QUARTER: 4, Kind.HALF: 2, Kind.YEAR: 1}

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

    @property
    def label(self):
        if self.kind == self.Kind.QUARTER:
            return f"{self.year}年第{'一二三四'[self.number - 1]}季度"
        if self.kind == self.Kind.HALF:
            return f"{self.year}年{'上下'[self.number - 1]}半年"
        return f"{self.year}年度"

    def clean(self):
        if self.kind and self.number and not 1 <= self.number <= self.MAX_NUMBER[self.kind]:
            raise ValidationError({"number": f"{self.get_kind_display()}的序号应为 1–{self.MAX_NUMBER[self.kind]}。"})
        if self.region_id and self.region.level in (Region.Level.TOWNSHIP, Region.Level.VILLAGE):
            raise ValidationError({"region": "考评周期由县（市、区）及以上组织部门组织。"})

    @staticmethod
    def default_dates(kind, year, number):
        """The calendar span of a quarter, half-year or year."""
        months = {"quarter": 3, "half": 6, "year": 12}[kind]
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
        return {channel: Decimal(w) for channel, w in self.rules.get("channels", {}).items()}

    @property
    def trim_min_raters(self):
        return self.rules.get("trim_min_raters", DEFAULT_TRIM_MIN_RATERS)

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

    period = models.ForeignKey(Period, verbose_name="考评周期", on_delete=models.CASCADE, related_name="participants")
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
    channels_missing = models.BooleanField("渠道缺失", default=False)
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
        indexes = [models.Index(fields=["period", "township", "rank_township"], name="participant_township_rank")]

    def __str__(self):
        return str(self.secretary)

    def get_absolute_url(self):
        return reverse("evaluations:result_detail", args=[self.pk])

    def channel_scores(self):
        return {channel: getattr(self, f"score_{channel}") for channel in Channel.values}

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


class DimensionResult(models.Model):
    """One dimension's score over all channels (channel weights applied): the radar and the yearly report."""

    # The unique (participant, position) index serves look-ups by participant; `period` repeats what the
    # participant says, for deleting and averaging a period's rows, and needs no constraint checked on every one
    # of a province's 100,000 rows at each computation (a period's rows go with it through the participants).
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="dimension_results",
                                    db_index=False)
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    position = models.PositiveSmallIntegerField("维度序号")
    score = models.DecimalField("得分", max_digits=14, decimal_places=10)

    class Meta:
        verbose_name = "维度得分"
        verbose_name_plural = "维度得分"
        ordering = ["participant", "position"]
        constraints = [models.UniqueConstraint(fields=["participant", "position"], name="dimension_result_unique")]

    def __str__(self):
        return f"{self.participant_id}·{self.position}: {self.score}"


class Honour(models.Model):
    """三争 and 季度之星: nominated by rule when results are computed, confirmed (or changed, with a written reason)
    by county staff before publication. `basis` is the score the rule ranked on, so every honour can be traced."""

    class Kind(models.TextChoices):
        CONDUCT = "conduct", "工作作风争先进"
        RESULTS = "results", "工作实绩争贡献"
        REPUTATION = "reputation", "工作评价争口碑"
        QUARTER_STAR = "quarter_star", "季度之星"

    BASIS = {
        Kind.CONDUCT: "组织考评得分（无在岗通报者）",
        Kind.RESULTS: "发展、服务两项维度得分的平均",
        Kind.REPUTATION: "党员群众测评得分",
        Kind.QUARTER_STAR: "综合得分",
    }

    period = models.ForeignKey(Period, verbose_name="考评周期", on_delete=models.CASCADE, related_name="honours")
    participant = models.ForeignKey(Participant, verbose_name="获得者", on_delete=models.CASCADE,
                                    related_name="honours")
    kind = models.CharField("荣誉", max_length=14, choices=Kind.choices)
    basis = models.DecimalField("依据得分", max_digits=14, decimal_places=10, null=True, blank=True)
    by_rule = models.BooleanField("按规则提名", default=True)
    reason = models.CharField("调整理由", max_length=200, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")

    objects = ScopedManager()

    scope_field = "participant__village__region"
    scope_personal = {Role.SECRETARY: "participant__secretary__user",
                      Role.UNIT_CONTACT: "participant__secretary__unit__contacts"}

    class Meta:
        verbose_name = "三争荣誉"
        verbose_name_plural = "三争荣誉"
        ordering = ["period", "kind", "-basis", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["period", "kind", "participant"], name="honour_unique",
                                    violation_error_message="该同志已获得本周期的这项荣誉。"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.participant}"


class PeerMeeting(models.Model):
    """观摩互评会: secretaries who observed each other's villages score one another, never themselves."""

    period = models.ForeignKey(Period, verbose_name="考评周期", on_delete=models.CASCADE, related_name="meetings")
    name = models.CharField("名称", max_length=60)
    date = models.DateField("日期")
    township = models.ForeignKey(Region, verbose_name="镇街", on_delete=models.PROTECT, related_name="+",
                                 null=True, blank=True,
                                 help_text="按镇街组织时填写；参会人员默认为该镇街的参评第一书记。")
    participants = models.ManyToManyField(Participant, verbose_name="参会人员", related_name="meetings")

    objects = ScopedManager()

    scope_field = "period__region"
    scope_includes_ancestors = True
    scope_personal = {Role.SECRETARY: "participants__secretary__user",
                      Role.UNIT_CONTACT: "participants__secretary__unit__contacts"}

    class Meta:
        verbose_name = "观摩互评会"
        verbose_name_plural = "观摩互评会"
        ordering = ["-date", "pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("evaluations:meeting_detail", args=[self.pk])


class Score(models.Model):
    """One score (0–100) for one dimension, from one channel and, in peer review, one rater."""

    period = models.ForeignKey(Period, verbose_name="考评周期", on_delete=models.CASCADE, related_name="scores")
    participant = models.ForeignKey(Participant, verbose_name="被评人", on_delete=models.CASCADE,
                                    related_name="scores")
    channel = models.CharField("评价渠道", max_length=10, choices=Channel.choices)
    rater = models.ForeignKey(Participant, verbose_name="评分人", on_delete=models.CASCADE, null=True, blank=True,
                              related_name="given_scores", help_text="观摩互评的评分人。")
    meeting = models.ForeignKey(PeerMeeting, verbose_name="观摩互评会", on_delete=models.CASCADE, null=True,
                                blank=True, related_name="scores")
    dimension = models.PositiveSmallIntegerField("维度序号")
    value = models.DecimalField("分数", max_digits=5, decimal_places=2, validators=SCORE_VALIDATORS)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    objects = ScopedManager()

    scope_field = "participant__village__region"

    class Meta:
        verbose_name = "评分"
        verbose_name_plural = "评分"
        constraints = [
            models.UniqueConstraint(fields=["participant", "channel", "dimension"],
                                    condition=Q(rater__isnull=True), name="score_unique_unrated",
                                    violation_error_message="该第一书记在该渠道的这一维度已有分数。"),
            models.UniqueConstraint(fields=["participant", "rater", "dimension"],
                                    condition=Q(rater__isnull=False), name="score_unique_per_rater",
                                    violation_error_message="该评分人已为其评过这一维度。"),
            models.CheckConstraint(condition=~Q(rater=F("participant")), name="score_not_self",
                                   violation_error_message="不能给自己评分。"),
            models.CheckConstraint(condition=Q(value__gte=0, value__lte=100), name="score_range",
                                   violation_error_message="分数应在 0–100 之间。"),
            models.CheckConstraint(condition=Q(channel="peer", rater__isnull=False)
                                   | (~Q(channel="peer") & Q(rater__isnull=True)),
                                   name="score_rater_only_for_peer",
                                   violation_error_message="只有观摩互评需要评分人。"),
        ]
        # Covers scoring.compute's aggregation: the scores are read in group order from the index alone.
        indexes = [models.Index(fields=["period", "participant", "channel", "dimension"], include=["value"],
                                name="score_period_participant")]

    def __str__(self):
        return f"{self.get_channel_display()} {self.dimension}: {self.value}"


# Survey --------------------------------------------------------------------------------------------------

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from paper
CODE_LENGTH = 12  # 32^12 ≈ 10^18: guessing one is hopeless, let alone under the rate limit


def new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text):
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


class SurveyCode(models.Model):
    """A one-time code handed out at the 述职测评会: one villager or party member answers once with it."""

    period = models.ForeignKey(Period, verbose_name="考评周期", on_delete=models.CASCADE, related_name="survey_codes")
    participant = models.ForeignKey(Participant, verbose_name="被测评人", on_delete=models.CASCADE,
                                    related_name="survey_codes")
    code = models.CharField("测评码", max_length=CODE_LENGTH, unique=True, default=new_code, editable=False)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    expires_at = models.DateTimeField("有效期至")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    answers = models.JSONField("答卷", null=True, blank=True, help_text="按维度顺序的选项。")

    objects = ScopedManager()

    scope_field = "participant__village__region"

    class Meta:
        verbose_name = "测评码"
        verbose_name_plural = "测评码"
        ordering = ["participant", "pk"]

    def __str__(self):
        return f"{self.display_code}"

    @property
    def display_code(self):
        return "-".join(self.code[i:i + 4] for i in range(0, len(self.code), 4))


class Answer(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


ANSWER_POINTS = {Answer.SATISFIED: 100, Answer.BASIC: 60, Answer.UNSATISFIED: 0}


class SurveyTally(models.Model):
    """Counts of 满意 / 基本满意 / 不满意 for one person and dimension: online answers, or a sheet imported."""

    class Source(models.TextChoices):
        ONLINE = "online", "测评码在线测评"
        IMPORT = "import", "Excel 导入汇总"

    period = models.ForeignKey(Period, verbose_name="考评周期", on_delete=models.CASCADE, related_name="tallies")
    participant = models.ForeignKey(Participant, verbose_name="被测评人", on_delete=models.CASCADE,
                                    related_name="tallies")
    dimension = models.PositiveSmallIntegerField("维度序号")
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    satisfied = models.PositiveIntegerField("满意", default=0)
    basic = models.PositiveIntegerField("基本满意", default=0)
    unsatisfied = models.PositiveIntegerField("不满意", default=0)

    objects = ScopedManager()

    scope_field = "participant__village__region"

    class Meta:
        verbose_name = "测评汇总"
        verbose_name_plural = "测评汇总"
        constraints = [
            models.UniqueConstraint(fields=["participant", "dimension", "source"], name="tally_unique"),
        ]
        indexes = [models.Index(fields=["period", "participant"], name="tally_period_participant")]

    def __str__(self):
        return f"{self.dimension}: {self.satisfied}/{self.basic}/{self.unsatisfied}"


# Appeals -----------------------------------------------------------------------------------------------------

class Appeal(models.Model):
    """申诉: a secretary disputes their published result within the period's appeal window; county staff decide.

    Accepting changes scores (ScoreChange) and recomputes the period; `effects` keeps, for everyone whose result
    moved, the result before and after, since the recomputation overwrites the only other copy.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "待处理"
        ACCEPTED = "accepted", "已采纳"
        REJECTED = "rejected", "已驳回"

    participant = models.ForeignKey(Participant, verbose_name="申诉人", on_delete=models.CASCADE,
                                    related_name="appeals")
    reason = models.TextField("申诉理由")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提交人", on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="处理人", on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    decision = models.TextField("处理意见", blank=True, help_text="驳回的理由，或采纳时修改分数的说明。")
    effects = models.JSONField("重新计算前后的结果", default=list, blank=True, editable=False)

    objects = ScopedManager()

    scope_field = "participant__village__region"
    scope_personal = {Role.SECRETARY: "participant__secretary__user",
                      Role.UNIT_CONTACT: "participant__secretary__unit__contacts"}

    class Meta:
        verbose_name = "申诉"
        verbose_name_plural = "申诉"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["participant"], condition=Q(status="pending"), name="appeal_one_open",
                                    violation_error_message="对本期考评结果已有一件待处理的申诉，请等待处理结果。"),
        ]

    def __str__(self):
        return f"{self.participant}的申诉"

    def get_absolute_url(self):
        return reverse("evaluations:appeal_detail", args=[self.pk])

    @property
    def is_pending(self):
        return self.status == self.Status.PENDING


class ScoreChange(models.Model):
    """One score changed by an accepted appeal — the only way a published period's scores change."""

    appeal = models.ForeignKey(Appeal, verbose_name="申诉", on_delete=models.CASCADE, related_name="changes")
    channel = models.CharField("评价渠道", max_length=10, choices=Channel.choices)
    rater = models.ForeignKey(Participant, verbose_name="评分人", on_delete=models.CASCADE, null=True, blank=True,
                              related_name="+")
    dimension = models.PositiveSmallIntegerField("维度序号")
    old_value = models.DecimalField("原分数", max_digits=5, decimal_places=2, null=True, blank=True,
                                    help_text="空：原来没有这项分数。")
    new_value = models.DecimalField("新分数", max_digits=5, decimal_places=2, validators=SCORE_VALIDATORS)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="修改人", on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    changed_at = models.DateTimeField("修改时间")

    objects = ScopedManager()

    scope_field = "appeal__participant__village__region"
    scope_personal = {Role.SECRETARY: "appeal__participant__secretary__user",
                      Role.UNIT_CONTACT: "appeal__participant__secretary__unit__contacts"}

    class Meta:
        verbose_name = "申诉改分记录"
        verbose_name_plural = "申诉改分记录"
        ordering = ["appeal", "pk"]

    def __str__(self):
        return f"{self.get_channel_display()} {self.dimension}: {self.old_value} → {self.new_value}"
