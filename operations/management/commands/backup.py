"""manage.py backup [--dir DIR] [--keep N]: the database and the uploaded files, with a manifest and checksums."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from operations.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "备份数据库和上传的文件（含清单和 SHA-256 校验和）。"

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=None, help=f"备份存放目录（默认 BACKUP_DIR：{settings.BACKUP_DIR}）")
        parser.add_argument("--keep", type=int, default=None,
                            help=f"保留最新的几份备份，更早的删除"
                                 f"（默认 BACKUP_KEEP：{settings.BACKUP_KEEP}；0 为全部保留）")

    def handle(self, *args, **options):
        try:
            folder, manifest = create_backup(options["dir"], keep=options["keep"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["tables"].values())
        size = manifest["database"]["size"] + sum(item["size"] for item in manifest["media"])
        self.stdout.write(
            f"备份完成：{folder}\n"
            f"  数据库 {manifest['database']['vendor']}：{len(manifest['tables'])} 张表，{rows} 行\n"
            f"  上传文件：{len(manifest['media'])} 个\n"
            f"  大小：{size / 1024 / 1024:.1f} MB，用时 {manifest['seconds']} 秒"
        )
