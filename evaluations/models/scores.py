"""Scores as they come in: grids, peer meetings, survey codes and tallies."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from accounts.roles import Role
from accounts.scoping import ScopedManager
from villages.models import Region

from .periods import Participant, Period
from .schemes import SCORE_VALIDATORS, Channel


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


class ScoreTotal(models.Model):
    """Per person, channel and dimension: how many scores, their sum, the highest and the lowest.

    Kept by the database itself (triggers on the score table: evaluations/totals.py), whoever writes the scores — a
    grid, a sheet, a peer meeting, an appeal, a deletion — so it always equals the GROUP BY of the scores. The
    computation reads these 300,000 rows of a province instead of its 1.2 million scores. Never written here.
    """

    period = models.ForeignKey(Period, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                               related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.DO_NOTHING, db_constraint=False,
                                    db_index=False, related_name="+")
    channel = models.CharField(max_length=10)
    dimension = models.PositiveSmallIntegerField()
    n = models.PositiveIntegerField()
    total = models.DecimalField(max_digits=12, decimal_places=2)
    high = models.DecimalField(max_digits=5, decimal_places=2)
    low = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = "评分汇总"
        verbose_name_plural = "评分汇总"
        constraints = [models.UniqueConstraint(fields=["participant", "channel", "dimension"],
                                               name="score_total_unique")]
        # scoring.compute reads a period's totals in person-and-dimension order from this index alone.
        indexes = [models.Index(fields=["period", "participant", "dimension", "channel"],
                                include=["n", "total", "high", "low"], name="score_total_period")]

    def __str__(self):
        return f"{self.channel} {self.dimension}: {self.n}"


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
    channel = models.CharField("评价渠道", max_length=10, default="survey",
                               help_text="党员群众测评，或村两委/群众代表的村级评价。")

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
    channel = models.CharField("评价渠道", max_length=10, default="survey",
                               help_text="党员群众测评，或村两委/群众代表的村级评价。")

    objects = ScopedManager()

    scope_field = "participant__village__region"

    class Meta:
        verbose_name = "测评汇总"
        verbose_name_plural = "测评汇总"
        constraints = [
            models.UniqueConstraint(fields=["participant", "channel", "dimension", "source"],
                                    name="tally_unique_per_channel"),
        ]
        indexes = [models.Index(fields=["period", "participant"], name="tally_period_participant")]

    def __str__(self):
        return f"{self.dimension}: {self.satisfied}/{self.basic}/{self.unsatisfied}"
