from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from accounts.roles import Role
from villages.models import Region


class AreaFigures(models.Model):
    """The dashboard's totals of a city or province as one role sees them, kept by a background refresh: such a
    dashboard reads this row instead of scanning tens of thousands of villages inside the request."""

    region = models.ForeignKey(Region, verbose_name="区域", on_delete=models.CASCADE, related_name="+")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    figures = models.JSONField("统计数据", encoder=DjangoJSONEncoder)
    computed_at = models.DateTimeField("统计时间")
    refresh_queued_at = models.DateTimeField("已排队更新", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "总览统计"
        constraints = [models.UniqueConstraint(fields=["region", "role"], name="area_figures_one_per_region_role")]

    def __str__(self):
        return f"{self.region} · {self.get_role_display()} · {self.computed_at:%Y-%m-%d %H:%M}"
