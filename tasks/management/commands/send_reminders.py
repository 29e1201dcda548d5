"""python manage.py send_reminders [--dry-run] [--today YYYY-MM-DD] — the daily reminder job."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tasks import reminders


class Command(BaseCommand):
    help = ("提前20%时限催办：列出今天应提醒的任务（每位提醒对象一行），并记录已提醒，同一天不重复提醒。"
            "提醒同时出现在各人的“待办提醒”页面。")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只列出将要提醒的内容，不记录")
        parser.add_argument("--today", help="按该日期计算（YYYY-MM-DD，默认今天）")

    def handle(self, *args, **options):
        today = self.day(options["today"])
        due = reminders.due_today(today)
        for person, items in sorted(due.items(), key=lambda pair: pair[0].username):
            self.stdout.write(reminders.describe(person, items))
        count = sum(len(items) for items in due.values())
        if options["dry_run"]:
            self.stdout.write(f"{today:%Y-%m-%d}：将提醒 {len(due)} 人、{count} 条（演练，未记录）。")
            return
        reminders.record(due, today)
        self.stdout.write(f"{today:%Y-%m-%d}：已提醒 {len(due)} 人、{count} 条。")

    @staticmethod
    def day(text):
        if not text:
            return timezone.localdate()
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise CommandError(f"日期“{text}”无效，请写成 2024-06-30 的形式。") from None
