"""python manage.py draw_spot_checks --rate 0.2 [--region CODE] [--today YYYY-MM-DD]

Run twice a week (不定期: the days may vary). Without --region, one round for each county with serving
first secretaries. The method is in presence.sampling; what the draw needs to be replayed is in its audit row.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from presence import services
from villages.models import Region


class Command(BaseCommand):
    help = "抽取在岗抽查名单：大部分名额按距上次抽查最久轮换，其余名额在全部人员中完全随机抽取。"

    def add_arguments(self, parser):
        parser.add_argument("--rate", default="0.2", help="抽查比例，0.01–1（默认 0.2）")
        parser.add_argument("--region", help="县（市、区）或镇（街道）的12位行政区划代码；留空则每个县各抽一轮")
        parser.add_argument("--today", help="抽查日期（YYYY-MM-DD，默认今天）")

    def handle(self, *args, **options):
        rate = self.rate(options["rate"])
        today = self.day(options["today"])
        for region in self.regions(options["region"]):
            try:
                round_ = services.round_draw(user=None, region=region, rate=rate, today=today)
            except ValidationError as error:
                self.stderr.write(f"{region.name}：{'；'.join(error.messages)}")
                continue
            names = list(round_.checks.order_by("village__region__path").values_list("secretary__name", flat=True))
            self.stdout.write(f"{region.name} {today:%Y-%m-%d} 抽取 {len(names)} 人："
                              + "、".join(names))

    @staticmethod
    def rate(text):
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise CommandError(f"抽查比例“{text}”无效，请写成 0.2 的形式。") from None
        if not Decimal("0.01") <= value <= 1:
            raise CommandError("抽查比例应在 0.01 到 1 之间。")
        return value

    @staticmethod
    def day(text):
        if not text:
            return timezone.localdate()
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise CommandError(f"日期“{text}”无效，请写成 2024-06-30 的形式。") from None

    @staticmethod
    def regions(code):
        if not code:
            return list(Region.objects.filter(level=Region.Level.COUNTY).order_by("path"))
        region = Region.objects.filter(code=code, level__in=[Region.Level.COUNTY, Region.Level.TOWNSHIP]).first()
        if region is None:
            raise CommandError(f"没有行政区划代码为 {code} 的县（市、区）或镇（街道）。")
        return [region]
