"""Recompute the maintained totals of every city and province dashboard someone has opened (cron, every few
minutes, keeps even the first view of the morning fresh; the dashboards also queue their own refresh)."""

import time

from django.core.management.base import BaseCommand

from dashboards import summary
from dashboards.models import AreaFigures


class Command(BaseCommand):
    help = "重新计算市级、省级总览的统计数据。"

    def handle(self, *args, **options):
        for region_id, role in AreaFigures.objects.order_by("region__path", "role").values_list("region", "role"):
            started = time.perf_counter()
            row = summary.refresh(region_id, role)
            if row is not None:
                self.stdout.write(f"{row}: {time.perf_counter() - started:.2f} 秒")
