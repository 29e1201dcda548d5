"""python manage.py import_roster FILE [--dry-run] [--user USERNAME] [--create-units]"""

from django.core.management.base import CommandError

from excel.commands import ImportCommand
from secretaries.importers import RosterImporter


class Command(ImportCommand):
    help = "导入第一书记花名册（xlsx/xls/ods/csv）。有任何错误时不写入，退出码为 1。"
    importer_class = RosterImporter
    what = "花名册"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--create-units", action="store_true", help="自动创建文件中未登记的派出单位")

    def importer_options(self, options, user):
        if options["create_units"] and user.region_id is None:
            raise CommandError("自动创建单位需要用 --user 指定一个有所属区域的用户。")
        return {"create_units": options["create_units"]}
