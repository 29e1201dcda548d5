"""Locking and publishing safely: what was decided about each gap at the lock, and what was published when.

A gap is a participant without any score in a weighted channel. Locking needs a decision for every gap:
score it (then it is no gap), accept it (渠道缺失: the channel's weight is shared out over the others), or
excuse the person (免评: not ranked this period). Each publication keeps a snapshot of the ranking it showed,
so withdrawing and republishing never loses what people saw.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse

from accounts.scoping import ScopedManager

from .periods import Participant, Period


class GapDecision(models.Model):
    class Choice(models.TextChoices):
        ACCEPT = "accept", "接受渠道缺失"
        EXCUSE = "excuse", "免评（本期不参加排名）"

    period = models.ForeignKey(Period, verbose_name="考评周期", on_delete=models.CASCADE,
                               related_name="gap_decisions")
    participant = models.ForeignKey(Participant, verbose_name="参评人员", on_delete=models.CASCADE,
                                    related_name="gap_decisions")
    channel = models.CharField("评价渠道", max_length=10, blank=True, help_text="免评时为空（整个人）。")
    choice = models.CharField("处理方式", max_length=10, choices=Choice.choices)
    reason = models.CharField("理由", max_length=200, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="决定人", on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField("决定时间", auto_now_add=True)

    objects = ScopedManager()

    scope_field = "participant__village__region"

    class Meta:
        verbose_name = "缺项处理"
        verbose_name_plural = "缺项处理"
        ordering = ["period", "participant", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "channel"], name="gap_decision_unique"),
        ]

    def __str__(self):
        return f"{self.participant}：{self.get_choice_display()}"


class Publication(models.Model):
    """One publication of a period's results, with the ranking as it was published; withdrawn with a reason."""

    period = models.ForeignKey(Period, verbose_name="考评周期", on_delete=models.CASCADE,
                               related_name="publications")
    number = models.PositiveSmallIntegerField("第几次发布")
    published_at = models.DateTimeField("发布时间")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发布人", on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    ranked = models.PositiveIntegerField("参加排名人数", default=0)
    unranked = models.PositiveIntegerField("未排名人数", default=0)
    snapshot = models.JSONField("发布时的排名", default=list, editable=False)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="撤回人", on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    withdraw_reason = models.CharField("撤回理由", max_length=300, blank=True)

    objects = ScopedManager()

    scope_field = "period__region"
    scope_includes_ancestors = True

    class Meta:
        verbose_name = "结果发布记录"
        verbose_name_plural = "结果发布记录"
        ordering = ["period", "number"]
        constraints = [
            models.UniqueConstraint(fields=["period", "number"], name="publication_unique_number"),
        ]

    def __str__(self):
        return f"{self.period.label}第{self.number}次发布"

    def get_absolute_url(self):
        return reverse("evaluations:publication_detail", args=[self.period_id, self.number])


class PublicationReader(models.Model):
    """Who opened a published result (the ranking or a result page): told when it is withdrawn."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="readers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    first_seen = models.DateTimeField("首次查看", auto_now_add=True)

    class Meta:
        verbose_name = "结果查看人"
        verbose_name_plural = "结果查看人"
        constraints = [models.UniqueConstraint(fields=["publication", "user"], name="publication_reader_unique")]

    def __str__(self):
        return f"{self.publication}：{self.user}"
