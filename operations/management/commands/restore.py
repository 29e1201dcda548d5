"""manage.py restore BACKUP_FOLDER: into the EMPTY database DATABASE_URL names, and MEDIA_ROOT."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from operations.backup import BackupError, describe_age, read_manifest, restore_backup


class Command(BaseCommand):
    help = "把一份备份恢复到空数据库（DATABASE_URL）和上传目录（MEDIA_ROOT），并核对行数和文件校验和。"

    def add_arguments(self, parser):
        parser.add_argument("folder", help="备份目录，如 backups/backup-20260630-020000")

    def handle(self, *args, **options):
        db = settings.DATABASES["default"]
        try:
            manifest = read_manifest(options["folder"])
            self.stdout.write(f"恢复 {describe_age(manifest)} 的备份到数据库 {db['NAME']}"
                              f" 和目录 {settings.MEDIA_ROOT} …")
            connections.close_all()  # restore uses its own connection; ours must not hold the database
            report = restore_backup(options["folder"], db=db, media_root=settings.MEDIA_ROOT)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if report["differences"]:
            for table, (expected, found) in sorted(report["differences"].items()):
                self.stderr.write(f"  {table}：备份中 {expected} 行，恢复后 {found} 行")
            raise CommandError("恢复后的行数与备份清单不符，请勿使用此数据库，并检查备份。")
        self.stdout.write(f"恢复完成：{report['tables']} 张表 {report['rows']} 行、{report['files']} 个文件，"
                          f"行数与清单一致；用时 {report['seconds']} 秒。")
