"""manage.py export_report --year 2024 --out 报告.xlsx [--region CODE] [--user USERNAME]: the yearly report."""

import argparse
import contextlib
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from excel.writer import write_workbook
from reports import yearly_report


def year(text):
    if text.isascii() and text.isdigit() and len(text) == 4:
        return int(text)
    raise argparse.ArgumentTypeError(f"年度应为四位数字，如 2024（收到“{text}”）。")


class Command(BaseCommand):
    help = ("导出第一书记年度考评报告（Excel：汇总、排名、明细）。不指定 --user 时导出全部区域已发布的结果；"
            "指定时按该用户的权限范围导出（县委组织部管理员可含其组织的未发布周期）。")

    def add_arguments(self, parser):
        parser.add_argument("--year", type=year, required=True, help="考评年度，如 2024。")
        parser.add_argument("--out", required=True, help="输出的 .xlsx 文件路径。")
        parser.add_argument("--region", help="只导出该区域（12 位行政区划代码，如某县或某镇）。")
        parser.add_argument("--user", help="按该用户（用户名）能看到的范围导出。")

    def handle(self, *args, year, out, region, user, **options):
        account = None
        if user:
            account = User.objects.filter(username=user).select_related("region").first()
            if account is None or not account.is_active:
                raise CommandError(f"没有用户名为“{user}”的在用账号。")
        target = Path(out)
        if not target.parent.is_dir():
            raise CommandError(f"输出目录不存在：{target.parent}")
        try:
            area = yearly_report.region_by_code(region, account) if region else None
            report = yearly_report.build(year, user=account, region=area)
        except yearly_report.ReportError as error:
            raise CommandError(str(error)) from None
        people = report.summary()["total"]["people"]
        details = report.detail_count()
        self._write(target, report.sheets(detail_count=details))
        self.stdout.write(self.style.SUCCESS(
            f"已导出{report.title}：参评 {people} 人，评分明细 {details} 条 → {target}"))

    @staticmethod
    def _write(target, sheets):
        """Write next to the target and move it into place: a failed export leaves no half-written file."""
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".export_report-", suffix=".xlsx")
        os.close(handle)
        try:
            write_workbook(temporary, sheets)
            os.replace(temporary, target)
        except OSError as error:
            raise CommandError(f"无法写入 {target}：{error.strerror or error}") from None
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
