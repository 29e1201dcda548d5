"""A record of every import: who, when, which file, what it would change, and what it did."""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from accounts.scoping import ScopedManager


def pending_upload_to(record, filename):
    # Kept for migration 0001, which names it; uploads now live in the database (ImportUpload).
    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.bin"


class ImportRecord(models.Model):
    """One uploaded file and its fate: previewed, imported, refused or expired."""

    class Status(models.TextChoices):
        PENDING = "pending", "待确认"
        DONE = "done", "已导入"
        FAILED = "failed", "有错误，未导入"
        EXPIRED = "expired", "已过期"

    kind = models.CharField("导入类型", max_length=30)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT,
                             related_name="imports")
    region = models.ForeignKey("villages.Region", verbose_name="所属区域", on_delete=models.PROTECT,
                               related_name="+", null=True, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    expires_at = models.DateTimeField("预览有效期至")
    file_name = models.CharField("文件名", max_length=255)
    file_sha256 = models.CharField("文件 SHA-256", max_length=64)
    file_size = models.PositiveIntegerField("文件大小（字节）")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    options = models.JSONField("选项", default=dict, blank=True)
    counts = models.JSONField("统计", default=dict, blank=True)
    samples = models.JSONField("预览样例", default=dict, blank=True)
    problems = models.JSONField("错误", default=list, blank=True)
    notes = models.JSONField("提示", default=list, blank=True)
    purged_at = models.DateTimeField("预览明细清除时间", null=True, blank=True)

    objects = ScopedManager()

    scope_field = "region"
    # Secretaries import their own task lists: each sees only their own uploads, not their colleagues'.
    scope_personal = {Role.SECRETARY: "user", Role.UNIT_CONTACT: "user"}

    class Meta:
        verbose_name = "导入记录"
        verbose_name_plural = "导入记录"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.file_name}（{self.get_status_display()}）"

    def get_absolute_url(self):
        return reverse("excel:import_detail", args=[self.pk])

    @property
    def is_expired(self):
        return self.status == self.Status.PENDING and timezone.now() >= self.expires_at

    @property
    def has_upload(self):
        """Whether the uploaded file is still kept (until it is confirmed or expires)."""
        return ImportUpload.objects.filter(record_id=self.pk).exists()

    @classmethod
    def expiry_from_now(cls):
        return timezone.now() + datetime.timedelta(hours=settings.IMPORT_PENDING_HOURS)


class ImportUpload(models.Model):
    """The uploaded file of a pending import, in the database so that whichever app server gets the confirmation
    can read it (nothing lives on one server's disk between requests). Deleted on confirmation or expiry."""

    record = models.OneToOneField(ImportRecord, verbose_name="导入记录", on_delete=models.CASCADE, primary_key=True,
                                  related_name="upload")
    data = models.BinaryField("文件内容")

    class Meta:
        verbose_name = "待确认的上传文件"
        verbose_name_plural = "待确认的上传文件"

    def __str__(self):
        return f"{self.record.file_name}（{len(self.data)} 字节）"


class AdminUpload(models.Model):
    """A file uploaded to an admin import (django-import-export) between its preview and its confirmation, in the
    database for the same reason as ImportUpload. Deleted on confirmation, or by purge_imports after a day."""

    name = models.CharField("名称", max_length=64, unique=True)
    data = models.BinaryField("文件内容")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "后台导入的上传文件"
        verbose_name_plural = "后台导入的上传文件"

    def __str__(self):
        return self.name
