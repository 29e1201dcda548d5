"""The mark that says a database was filled by the demo, so demo data and demo accounts never reach a real one."""

from django.db import models


class DemoMark(models.Model):
    """Written by seed_demo into an empty database; without it, seed_demo refuses to touch the data."""

    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    seed = models.IntegerField("生成参数")
    scale = models.CharField("规模", max_length=10)

    class Meta:
        verbose_name = "演示数据标记"
        verbose_name_plural = "演示数据标记"

    def __str__(self):
        return f"演示数据（{self.scale}，{self.created_at:%Y-%m-%d}）"
