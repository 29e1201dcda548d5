"""擂台比武, 述职评议, 规划汇报评比: an event of a period where judges score each speaker on the period's dimensions.

The speakers are the period's participants; the results are ranked on the contest page and, when the scheme has
a 比武评议 channel, the mean of the judges' scores (over every contest of the period) is that channel's score.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse

from accounts.scoping import ScopedManager

from .periods import Participant, Period
from .schemes import SCORE_VALIDATORS


class Contest(models.Model):
    class Kind(models.TextChoices):
        ARENA = "arena", "擂台比武"
        REPORT = "report", "述职评议"
        PLAN = "plan", "规划汇报评比"

    period = models.ForeignKey(Period, verbose_name="考评周期", on_delete=models.CASCADE, related_name="contests")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=60)
    date = models.DateField("日期")
    speakers = models.ManyToManyField(Participant, verbose_name="上台人员", related_name="contests")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="组织人", on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    objects = ScopedManager()

    scope_field = "period__region"
    scope_includes_ancestors = True

    class Meta:
        verbose_name = "比武评议活动"
        verbose_name_plural = "比武评议活动"
        ordering = ["-date", "pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("evaluations:contest_detail", args=[self.pk])


class ContestJudge(models.Model):
    contest = models.ForeignKey(Contest, verbose_name="活动", on_delete=models.CASCADE, related_name="judges")
    name = models.CharField("评委", max_length=30)

    class Meta:
        verbose_name = "评委"
        verbose_name_plural = "评委"
        ordering = ["contest", "pk"]
        constraints = [models.UniqueConstraint(fields=["contest", "name"], name="contest_judge_unique",
                                               violation_error_message="该活动已有同名评委。")]

    def __str__(self):
        return self.name


class ContestScore(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="scores")
    judge = models.ForeignKey(ContestJudge, on_delete=models.CASCADE, related_name="scores")
    speaker = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="contest_scores")
    dimension = models.PositiveSmallIntegerField("维度序号")
    value = models.DecimalField("分数", max_digits=5, decimal_places=2, validators=SCORE_VALIDATORS)

    class Meta:
        verbose_name = "比武评分"
        verbose_name_plural = "比武评分"
        constraints = [
            models.UniqueConstraint(fields=["judge", "speaker", "dimension"], name="contest_score_unique"),
            models.CheckConstraint(condition=models.Q(value__gte=0, value__lte=100), name="contest_score_range"),
        ]
        indexes = [models.Index(fields=["contest", "speaker"], name="contest_score_speaker")]

    def __str__(self):
        return f"{self.judge} → {self.speaker_id} {self.dimension}: {self.value}"


class ContestTotal(models.Model):
    """Per contest, speaker and dimension: how many judges' scores and their sum.

    Kept by the database itself (triggers on the judges' scores: evaluations/totals.py), so it always equals their
    GROUP BY; the computation reads these 100,000 rows of a province instead of 500,000 scores. Never written here.
    """

    contest = models.ForeignKey(Contest, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                                related_name="+")
    speaker = models.ForeignKey(Participant, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                                related_name="+")
    dimension = models.PositiveSmallIntegerField()
    n = models.PositiveIntegerField()
    total = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = "比武评分汇总"
        verbose_name_plural = "比武评分汇总"
        constraints = [models.UniqueConstraint(fields=["contest", "speaker", "dimension"],
                                               name="contest_total_unique")]

    def __str__(self):
        return f"{self.speaker_id} {self.dimension}: {self.n}"
