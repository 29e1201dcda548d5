"""Read an upload in a child process under a memory and a CPU/time limit.

The checks in excel.guards refuse every hostile file we know of before anything is allocated; this is the belt
to those braces. The file is read in a forked child whose address space may grow by IMPORT_PARSE_MAX_MB and
whose run is cut off after IMPORT_PARSE_SECONDS of CPU time (1.5 times that of wall time). A file nobody
thought of that makes calamine abort, loop or allocate without end ends the child, not the gunicorn worker, and
the user is told the file was refused.

Forking copies nothing up front (the child shares the parent's pages until it writes them); the table comes back
pickled through a pipe. Both cost a few milliseconds for an ordinary roster (figures in docs/readme/files.md).
Where fork or resource limits do not exist (Windows), or IMPORT_PARSE_ISOLATED is off, the file is read in process.
"""

import faulthandler
import os
import pickle
import select
import signal
import time
from dataclasses import dataclass

from django.conf import settings

from .errors import FileRejected
from .reader import Row, Table, read_table

try:
    import resource
except ImportError:  # pragma: no cover - not on Linux
    resource = None

MB = 1024 * 1024


def limit_message():
    return (f"文件过大或格式异常，无法读取（读取时超出了 {settings.IMPORT_PARSE_MAX_MB} MB 内存或 "
            f"{settings.IMPORT_PARSE_SECONDS} 秒的限制）。请检查文件，删去无关内容或拆分后分批上传；"
            "如仍不行，请用 Excel 打开后另存为 .xlsx 再上传。")


@dataclass
class Usage:
    """What one read cost the child: its peak resident memory, how much of it was its own (not pages shared with
    the parent at the fork), its wall time, and how it ended ("ok", "rejected", "limit")."""

    peak_rss_mb: float = 0.0
    added_mb: float = 0.0
    seconds: float = 0.0
    outcome: str = ""


def read_limited(data, filename, columns, *, max_rows, max_bytes, usage=None, meanwhile=None):
    """read_table(), in a child process under limits; raises FileRejected like read_table.

    meanwhile(), if given, runs here while the child reads (work of the caller's that does not need the table, such
    as loading what the rows will be checked against): the two overlap. Read in process, it runs after the read,
    and only when the file was not refused.
    """
    if not settings.IMPORT_PARSE_ISOLATED or resource is None or not hasattr(os, "fork"):
        table = read_table(data, filename, columns, max_rows=max_rows, max_bytes=max_bytes)
        if meanwhile is not None:
            meanwhile()
        return table
    packed = run_limited(_read_packed, (data, filename, tuple(columns), max_rows, max_bytes),
                         memory_mb=settings.IMPORT_PARSE_MAX_MB, seconds=settings.IMPORT_PARSE_SECONDS, usage=usage,
                         meanwhile=meanwhile)
    return _unpack(packed)


def _read_packed(data, filename, columns, max_rows, max_bytes):
    table = read_table(data, filename, columns, max_rows=max_rows, max_bytes=max_bytes)
    keys = list(table.rows[0].values) if table.rows else []
    # Tuples rather than Row objects with dicts: a third of the bytes and of the time to pickle.
    return (table.header_row, table.headers, table.sheet_name, table.extra_headers, keys,
            [(row.number, *row.values.values()) for row in table.rows])


def _unpack(packed):
    header_row, headers, sheet_name, extra_headers, keys, rows = packed
    return Table(header_row=header_row, headers=headers, sheet_name=sheet_name, extra_headers=extra_headers,
                 rows=[Row(number=row[0], values=dict(zip(keys, row[1:], strict=True))) for row in rows])


def run_limited(function, args, *, memory_mb, seconds, usage=None, meanwhile=None):
    """function(*args) in a forked child limited to memory_mb more address space and `seconds` of CPU and wall
    time. Returns its result; re-raises its FileRejected; FileRejected(limit_message()) when it hit a limit or
    died. meanwhile() runs in this process while the child works (its time is not counted against the child's);
    if it raises, the child is ended and the exception goes on."""
    usage = usage if usage is not None else Usage()
    shared_mb = _resident_mb()
    base = _address_space()
    limit = base + memory_mb * MB if base else 0
    started = time.monotonic()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns, never runs the parent's exit handlers (database connections…)
        _child(function, args, limit, seconds, read_end, write_end)
    os.close(write_end)
    payload, killed = b"", True
    try:
        deadline = started + seconds * 1.5  # CPU time is limited in the child; the wall clock here, with room
        if meanwhile is not None:  # for a busy machine
            before = time.monotonic()
            try:
                meanwhile()
            except BaseException:
                os.close(read_end)
                raise
            deadline += time.monotonic() - before
        payload, killed = _collect(read_end, pid, deadline)
    finally:
        if killed:
            _kill(pid)
        _, status, rusage = os.wait4(pid, 0)
    usage.seconds = time.monotonic() - started
    usage.peak_rss_mb = rusage.ru_maxrss / 1024
    usage.added_mb = max(usage.peak_rss_mb - shared_mb, 0.0)
    outcome = None
    if not killed and os.waitstatus_to_exitcode(status) == 0 and payload:
        try:
            outcome = pickle.loads(payload)
        except Exception:  # a truncated pipe: the child died while writing
            outcome = None
    if outcome is None or outcome[0] == "limit":
        usage.outcome = "limit"
        raise FileRejected(limit_message())
    usage.outcome = outcome[0]
    if outcome[0] == "rejected":
        raise FileRejected(outcome[1])
    return outcome[1]


def _child(function, args, limit, seconds, read_end, write_end):
    code = 1
    try:
        os.close(read_end)
        faulthandler.disable()  # an abort here is expected and reported by the parent, not dumped to the log
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a gunicorn worker's handlers are not the child's
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if limit > 0:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        cpu = max(int(seconds), 1)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        try:
            outcome = ("ok", function(*args))
        except FileRejected as rejected:
            outcome = ("rejected", rejected.message)
        except MemoryError:
            outcome = ("limit", None)
        payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(payload)
        while view:
            view = view[os.write(write_end, view):]
        code = 0
    except BaseException:  # noqa: B036 - whatever happens here, the child must end here
        code = 1
    finally:
        os._exit(code)


def _collect(read_end, pid, deadline):
    """Everything the child writes, until it closes the pipe or the deadline passes (then it is killed)."""
    chunks, killed = [], False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                killed = True
                break
            ready, _, _ = select.select([read_end], [], [], left)
            if ready:
                chunk = os.read(read_end, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(read_end)
    return b"".join(chunks), killed


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _address_space():
    """This process's virtual size in bytes: the child starts with all of it and may add memory_mb."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0  # no /proc: only the time limit applies


def _resident_mb():
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MB
    except (OSError, ValueError):
        return 0.0
