"""What the running system keeps about itself: the one-time tokens of submitted forms."""

from django.conf import settings
from django.db import models


class FormToken(models.Model):
    """A form's one-time token, stored when the form's submission succeeded, so a second submission is recognised."""

    token = models.CharField("令牌", max_length=32, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+", verbose_name="用户")
    path = models.CharField("提交地址", max_length=300)
    location = models.CharField("结果地址", max_length=500, blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "已提交的表单"

    def __str__(self):
        return f"{self.path} {self.created_at:%Y-%m-%d %H:%M}"
