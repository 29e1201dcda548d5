"""Delete the one-time tokens of forms submitted more than FORM_TOKEN_DAYS days ago (run daily from cron)."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from operations.models import FormToken


class Command(BaseCommand):
    help = "删除超过 FORM_TOKEN_DAYS 天的表单防重复提交记录。"

    def handle(self, *args, **options):
        cutoff = timezone.now() - datetime.timedelta(days=settings.FORM_TOKEN_DAYS)
        deleted, _ = FormToken.objects.filter(created_at__lt=cutoff).delete()
        self.stdout.write(f"已删除 {deleted} 条过期的表单令牌。")
