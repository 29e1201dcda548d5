"""考评方案: a county's rules — the 五看 dimensions, the channel weights, the outcome rules."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from accounts.scoping import ScopedManager
from villages.models import Region

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
    VILLAGE = "village", "村级评价"
    POINTS = "points", "积分"
    CONTEST = "contest", "比武评议"


# The channels entered as score rows (a grid, a score sheet, a peer meeting); 党员群众测评 comes as counts, 积分 and
# 比武评议 from their own facts (point events, the judges' scores).
SCORE_ROW_CHANNELS = (Channel.ORG, Channel.TOWNSHIP, Channel.PEER, Channel.VILLAGE)


# How each channel's scores come in (shown on the scheme page).
CHANNEL_INPUT = {
    Channel.ORG: "县级评分表：县委组织部按镇街录入",
    Channel.TOWNSHIP: "镇级评分表：镇街工作人员录入本镇街",
    Channel.PEER: "观摩互评会：参会第一书记互相评分（去极值）",
    Channel.SURVEY: "测评码：党员群众扫码或凭码测评（满意 100、基本满意 60、不满意 0）",
    Channel.VILLAGE: "村级：镇街工作人员按村录入村两委/群众代表的评分，或代表凭一次性测评码评价",
    Channel.POINTS: "积分制：基础分加本期加减分，限 0–100",
    Channel.CONTEST: "擂台比武、述职评议等活动中评委的评分（平均）",
}


MAX_DIMENSIONS = 10  # a scheme's dimensions at most: each has its result column on the participant


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
    points_base = models.DecimalField(
        "积分基础分", max_digits=5, decimal_places=2, default=80, validators=SCORE_VALIDATORS,
        help_text="积分渠道得分 = 基础分 + 本期积分（加分减扣分），限 0–100。")
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
        """{channel: weight} of the scheme's channels, in its order (checked to add up to 100% at saving)."""
        return {c.channel: c.weight for c in self.channels.all()}

    def clean(self):
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
            "channels": {c.channel: str(c.weight) for c in self.channels.all()},
            "channel_names": {c.channel: c.name for c in self.channels.all()},
            "channel_order": [c.channel for c in self.channels.all()],  # jsonb keeps no key order
            "village_input": next((c.input for c in self.channels.all() if c.channel == Channel.VILLAGE), ""),
            "points_base": str(self.points_base),
            "trim_min_raters": self.trim_min_raters,
            "outcomes": {name: str(getattr(self, name)) for name in self.OUTCOME_FIELDS},
        }


class SchemeChannel(models.Model):
    """四评 (or three, or six): one channel of a scheme — which kind of input, what the county calls it, its weight."""

    class Input(models.TextChoices):
        GRID = "grid", "评分表录入"
        CODES = "codes", "代表凭测评码评价"

    scheme = models.ForeignKey(Scheme, verbose_name="考评方案", on_delete=models.CASCADE, related_name="channels")
    position = models.PositiveSmallIntegerField("序号")
    channel = models.CharField("渠道类型", max_length=10, choices=Channel.choices)
    name = models.CharField("渠道名称", max_length=20)
    weight = models.DecimalField("权重（%）", max_digits=5, decimal_places=2, validators=WEIGHT_VALIDATORS)
    input = models.CharField("村级评价方式", max_length=10, choices=Input.choices, default=Input.GRID, blank=True)

    class Meta:
        verbose_name = "评价渠道"
        verbose_name_plural = "评价渠道"
        ordering = ["scheme", "position"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "channel"], name="scheme_channel_unique",
                                    violation_error_message="同一方案中每类评价渠道只能有一个。"),
        ]

    def __str__(self):
        return f"{self.name} {self.weight}%"


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
