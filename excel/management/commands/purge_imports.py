"""Delete expired import uploads and the personal data of their previews. Schedule it hourly (see README)."""

from django.core.management.base import BaseCommand

from excel.services import import_purge


class Command(BaseCommand):
    help = "删除已过期的导入文件和预览中的个人信息（建议每小时运行一次）"

    def handle(self, *args, **options):
        purged = import_purge()
        self.stdout.write(f"已清理 {purged} 条过期的导入记录（上传文件已删除，预览明细已清除，身份证号已遮蔽）。")
