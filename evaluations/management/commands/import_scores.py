"""python manage.py import_scores --period ID FILE [--dry-run] [--user USERNAME]"""

from evaluations.importers import ScoreImporter
from excel.commands import ImportCommand


class Command(ImportCommand):
    help = "导入考评分数表（xlsx/xls/ods/csv）到一个评分中的考评周期。有任何错误时不写入，退出码为 1。"
    importer_class = ScoreImporter
    what = "考评分数"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--period", type=int, required=True, help="考评周期编号")

    def importer_options(self, options, user):
        return {"period": options["period"]}
