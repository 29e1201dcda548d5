"""申诉 and the score changes an accepted appeal makes."""


from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from accounts.roles import Role
from accounts.scoping import ScopedManager

from .periods import Participant
from .schemes import SCORE_VALIDATORS, Channel


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
