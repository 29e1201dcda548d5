"""三争 and 季度之星 nominations."""


from django.conf import settings
from django.db import models

from accounts.roles import Role
from accounts.scoping import ScopedManager

from .periods import Participant, Period


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
