"""Task functions the job tests queue (the worker imports them by path)."""

import jobs
from jobs.services import JobError, Result

CALLS = {"flaky": 0}


def make_file(*, rows, job=None):
    for row in range(rows):
        jobs.progress(100 * row // rows, f"已写 {row} 行")
    return Result(f"结果{rows}.txt", ("行\n" * rows).encode(), "text/plain; charset=utf-8")


def refuse(**kwargs):
    raise JobError("没有 2031 年的考评结果。")


def flaky(**kwargs):
    CALLS["flaky"] += 1
    raise ConnectionError("数据库连接中断")


def slow(*, seconds, job=None):
    """Works for `seconds`, reporting progress: long enough to be killed in the middle."""
    import time

    started = time.monotonic()
    while time.monotonic() - started < seconds:
        jobs.progress(100 * (time.monotonic() - started) / seconds, "正在处理")
        time.sleep(0.1)
    return "慢任务完成。"
