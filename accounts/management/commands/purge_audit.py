"""manage.py purge_audit --before DATE: the only way audit rows ever leave the database.

Rows younger than AUDIT_RETENTION_DAYS (180, the 等保 minimum for logs) are never deleted, whatever DATE says.
On PostgreSQL the table's trigger refuses every DELETE except inside this command's transaction (SET LOCAL
dyfs.audit_purge) and, even then, of rows younger than 180 days.
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import AuditLog


class Command(BaseCommand):
    help = "删除某日期之前的审计记录（保留期至少 180 天，更近的记录一律不删）。"

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="删除此日期（YYYY-MM-DD，北京时间）之前的记录")
        parser.add_argument("--dry-run", action="store_true", help="只统计，不删除")

    def handle(self, *args, before, dry_run=False, **options):
        try:
            day = datetime.date.fromisoformat(before)
        except ValueError as error:
            raise CommandError(f"日期格式不对：{before}（应为 YYYY-MM-DD）。") from error
        keep_days = settings.AUDIT_RETENTION_DAYS
        earliest_allowed = timezone.localdate() - datetime.timedelta(days=keep_days)
        if day > earliest_allowed:
            raise CommandError(f"审计记录至少保留 {keep_days} 天：--before 不能晚于 {earliest_allowed:%Y-%m-%d}。")
        cutoff = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        rows = AuditLog.objects.filter(created_at__lt=cutoff)
        if dry_run:
            self.stdout.write(f"将删除 {rows.count()} 条 {day:%Y-%m-%d} 之前的审计记录（未删除）。")
            return
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL dyfs.audit_purge = 'on'")
            deleted = rows._raw_delete(rows.db)
        self.stdout.write(f"已删除 {deleted} 条 {day:%Y-%m-%d} 之前的审计记录。")
