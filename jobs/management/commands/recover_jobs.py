"""Fail or requeue the background jobs whose worker died under them (see jobs.services.recover_lost).

    manage.py recover_jobs              # once (the systemd timer runs it every minute)
    manage.py recover_jobs --loop 60    # every 60 s until stopped (make run starts it beside the worker)
"""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from jobs.services import recover_lost


class Command(BaseCommand):
    help = "处理中断的后台任务：处理进程已停止的任务标记为失败，或（可安全重做的）重新排队。"

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, metavar="SECONDS",
                            help="每隔多少秒检查一次，直到进程被停止（默认只检查一次）。")

    def handle(self, *args, loop=0, **options):
        if not loop:
            self.once()
            return
        stopping = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stopping.append(True))
        while not stopping:
            close_old_connections()
            try:
                self.once(quiet=True)
            except DatabaseError as error:  # the database away for a moment: try again next round
                self.stderr.write(f"检查中断的后台任务失败：{type(error).__name__}")
            deadline = time.monotonic() + loop
            while not stopping and time.monotonic() < deadline:
                time.sleep(min(1.0, loop))

    def once(self, quiet=False):
        recovered = recover_lost()
        for job_id, outcome in recovered:
            self.stdout.write(f"后台任务 {job_id}：{'已重新排队' if outcome == 'requeued' else '已标记为失败'}")
        if recovered or not quiet:
            self.stdout.write(f"检查完毕：{len(recovered)} 项中断的后台任务已处理。")
