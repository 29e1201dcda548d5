"""The management command every import shares: `import_roster`, `import_scores` … subclass ImportCommand.

It reads the file, runs the importer with the same checks as the web flow (all or nothing), prints the counts
and every problem as "第 N 行  列  原因", leaves an import record for a named user, and exits 1 on any problem.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User

from .models import ImportRecord
from .pipeline import sha256
from .services import run_serialised


class ImportCommand(BaseCommand):
    importer_class = None
    what = ""  # what is imported, for the messages: 花名册, 考评分数 …

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入")
        parser.add_argument("--user", help="以该用户的身份和管辖范围导入（默认：系统，不限范围）")

    def importer_options(self, options, user):
        """The importer's own options from the command line (JSON-able: they go into the import record)."""
        return {}

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        user = self.acting_user(options["user"])
        chosen = self.importer_options(options, user)
        data = path.read_bytes()
        importer = self.importer_class(user, **chosen)

        def bookkeeping(plan):
            # In the data's transaction: the record says 已导入 exactly when the data is there.
            if user.pk:
                ImportRecord.objects.create(
                    kind=importer.kind, user=user, region=user.region, file_name=path.name[:255],
                    file_sha256=sha256(data), file_size=len(data), options=chosen, counts=plan.counts,
                    problems=[p.as_list() for p in plan.problems], notes=plan.notes,
                    status=ImportRecord.Status.DONE if plan.written else ImportRecord.Status.FAILED,
                    finished_at=timezone.now() if plan.written else None, expires_at=ImportRecord.expiry_from_now())

        # A dry run imports nothing, so it leaves no import record.
        plan = run_serialised(importer, data, path.name, commit=not options["dry_run"],
                              region_id=user.region_id if user.pk else None, bookkeeping=bookkeeping)
        counts = plan.counts
        self.stdout.write(f"{path.name}：{counts['rows']} 行；新增 {counts['new']}，更新 {counts['updated']}，"
                          f"无变化 {counts['unchanged']}，有错误 {counts['errors']} 行。")
        for note in plan.notes:
            self.stdout.write(note)
        for problem in plan.problems:
            where = f"第 {problem.row} 行" if problem.row else "文件"
            self.stdout.write(f"{where}  {problem.column}  {problem.reason}")
        if plan.problems:
            self.stdout.write("有错误，未写入任何数据。")
            raise SystemExit(1)
        self.stdout.write("检查通过（未写入：--dry-run）。" if options["dry_run"] else "已全部写入。")

    def acting_user(self, username):
        if username is None:
            # The operator at the shell: the whole database, no one's region.
            return User(username="system", is_superuser=True, is_active=True)
        user = User.objects.select_related("region").filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户名为 {username} 的用户。")
        if not self.importer_class.may_import(user):
            raise CommandError(f"用户 {username} 的角色不能导入{self.what}。")
        return user
