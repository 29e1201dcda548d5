"""Load test: gunicorn (4 sync workers) on a province-scale PostgreSQL database, ~200 simulated users at the
province's peak of ~20 requests/s for ~60 s. Prints RPS, p50/p95/p99 per page, errors, the slowest page, and the
workers' CPU per page (from /proc, measured afterwards one request at a time). Asserts only that the run happened.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_scale .venv/bin/pytest tests/perf/test_load.py -m perf -s

The database must be seeded already (`seed_demo --scale province` with DEMO_PASSWORD=Demo@2024). The test WRITES to it:
the sessions of its logins, LOAD_WRITERS secretary logins (load_writer_N, linked to serving first secretaries who have
none; made once, reused) and the 民情日记 they save — run it on a copy (`createdb -T h_scale h_x_scale`). Settings:
LOAD_USERS (200), LOAD_SECONDS (60), LOAD_PAUSE ("5,15": seconds between one user's clicks), LOAD_PORT (19001),
LOAD_WORKERS (4), LOAD_WRITERS (20).

Each account (a county leader, two township users, a secretary, a unit contact; the demo's county admin needs the
second factor and is left out) logs in once through the login form; the simulated users of that kind share its
session and browse lists, dashboards, details, filters and exports with pauses between clicks. The secretaries also
save new 民情日记 through the real form (its CSRF and one-time tokens read from the page, a day of the last week they
have not written yet; one login per writer, since a secretary writes one log a day): their p95 is reported apart,
and the rows are counted in the database before and after.
"""

import http.cookiejar
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytestmark = [pytest.mark.perf]

ROOT = Path(__file__).resolve().parents[2]
USERS = int(os.environ.get("LOAD_USERS", "200"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
PAUSE = tuple(float(x) for x in os.environ.get("LOAD_PAUSE", "5,15").split(","))
PORT = int(os.environ.get("LOAD_PORT", "19001"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "4"))
WRITERS = int(os.environ.get("LOAD_WRITERS", "20"))
PASSWORD = os.environ.get("DEMO_PASSWORD", "Demo@2024")
BASE = f"http://127.0.0.1:{PORT}"
PAGE_P95, EXPORT_P95 = 1.0, 3.0

SAVE_LOG = "保存日记（书记，POST）"
OFFICE_PAGES = [
    ("总览", "/dashboard/"), ("第一书记", "/secretaries/"),
    ("第一书记 · 搜索", "/secretaries/?q=" + urllib.parse.quote("王")),
    ("村", "/villages/"), ("村 · 空缺", "/villages/?staffed=missing"), ("派驻记录", "/assignments/"),
    ("派驻记录 · 期满", "/assignments/?status=active&ending_within=60&ordering=end_date"),
    ("派出单位", "/units/"), ("工作队", "/teams/"), ("任务", "/tasks/"), ("项目", "/projects/"),
    ("在岗督查", "/presence/"), ("民情日记", "/worklogs/"), ("民情日记 · 台账", "/worklogs/board/"),
    ("考评", "/evaluations/"), ("消息", "/notifications/"),
    ("第一书记 · 详情", "detail:secretary"), ("村 · 详情", "detail:village"),
    ("导出 · 花名册", "/secretaries/export/"), ("导出 · 民情日记", "/worklogs/export/"),
]
SECRETARY_PAGES = [
    ("首页（书记）", "/"), ("民情日记（书记）", "/worklogs/"), ("写日记（书记）", "/worklogs/new/"),
    ("消息（书记）", "/notifications/"), ("在岗督查（书记）", "/presence/mine/"),
    (SAVE_LOG, "post:worklog"), (SAVE_LOG, "post:worklog"),  # about a quarter of a secretary's clicks
]
UNIT_PAGES = [("首页（单位）", "/"), ("消息（单位）", "/notifications/")]
# (account, share of the simulated users, pages)
ACCOUNTS = [("leader", 0.25, OFFICE_PAGES), ("township", 0.2, OFFICE_PAGES), ("township2", 0.2, OFFICE_PAGES),
            ("secretary", 0.3, SECRETARY_PAGES), ("unit_contact", 0.05, UNIT_PAGES)]
DETAIL = {"secretary": ("/secretaries/", r'href="(/secretaries/\d+/)"'),
          "village": ("/villages/", r'href="(/villages/\d+/)"')}


def selected(config):
    return "perf" in (config.getoption("markexpr") or "")


@pytest.fixture(autouse=True)
def _only_when_selected(request):
    if not selected(request.config):
        pytest.skip("benchmark: run with -m perf")


class Session:
    """One logged-in account: a cookie jar and an opener that does not follow redirects to the login page."""

    def __init__(self, username):
        self.username = username
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path, timeout=60):
        with self.opener.open(BASE + path, timeout=timeout) as response:
            body = response.read()
            return response.status, response.geturl(), body

    def post(self, path, data, timeout=60):
        request = urllib.request.Request(BASE + path, data=urllib.parse.urlencode(data).encode(),
                                         headers={"Referer": BASE + path})
        with self.opener.open(request, timeout=timeout) as response:
            body = response.read()
            return response.status, response.geturl(), body

    def login(self):
        _, _, body = self.get("/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
        data = urllib.parse.urlencode({"username": self.username, "password": PASSWORD,
                                       "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(BASE + "/login/", data=data, headers={"Referer": BASE + "/login/"})
        with self.opener.open(request, timeout=60) as response:
            response.read()
            if "/login/" in response.geturl():
                raise AssertionError(f"{self.username}: login refused")


class PostForm(HTMLParser):
    """The fields of the page's POST form holding a textarea named `text` (the new-log form), as the browser sends
    them: hidden tokens included."""

    def __init__(self):
        super().__init__()
        self.forms, self._form = [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": {}}
            self.forms.append(self._form)
        elif self._form is not None and a.get("name"):
            if tag == "input" and (a.get("type") or "text").lower() not in ("checkbox", "radio", "submit", "file"):
                self._form["fields"][a["name"]] = a.get("value") or ""
            elif tag in ("textarea", "select"):
                self._form["fields"].setdefault(a["name"], "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None

    @classmethod
    def of(cls, body):
        parser = cls()
        parser.feed(body.decode())
        return next(f for f in parser.forms if "text" in f["fields"])


WRITERS_SETUP = """
import datetime
from django.db.models import Exists, OuterRef
from django.utils import timezone
from accounts.models import User
from accounts.roles import Role
from secretaries.models import Assignment, Secretary
from worklogs.models import WorkLog
today = timezone.localdate()
serving = Assignment.objects.filter(secretary=OuterRef("pk"), status=Assignment.Status.ACTIVE, start_date__lte=today)
for n in range({writers}):
    user = User.objects.filter(username=f"load_writer_{{n}}").first()
    if user is None:
        secretary = (Secretary.objects.filter(Exists(serving), user__isnull=True).order_by("pk").first())
        user = User(username=f"load_writer_{{n}}", role=Role.SECRETARY, name=secretary.name,
                    region=Assignment.objects.filter(secretary=secretary).latest("start_date").village.region)
        user.set_password("{password}")
        user.must_change_password, user.password_changed_at = False, timezone.now()
        user.save()
        Secretary.objects.filter(pk=secretary.pk).update(user=user)
    secretary = Secretary.objects.get(user=user)
    written = set(WorkLog.objects.filter(secretary=secretary, date__gte=today - datetime.timedelta(days=7))
                  .values_list("date", flat=True))
    free = [today - datetime.timedelta(days=d) for d in range(8)]
    print(user.username, *[d.isoformat() for d in free if d not in written])
"""


def manage(*args):
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base"}, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def writer_accounts():
    """{username: [free dates]} of LOAD_WRITERS secretary logins (made on the first run, reused after)."""
    out = manage("shell", "-c", WRITERS_SETUP.format(writers=WRITERS, password=PASSWORD))
    return {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.startswith("load_writer_")}


def count_logs():
    return int(manage("shell", "-c", "from worklogs.models import WorkLog; print(WorkLog.objects.count())")
               .split()[-1])


class Writer:
    """A secretary who saves logs: the days still free, taken one at a time by whichever simulated user posts."""

    def __init__(self, session, days):
        self.session, self.days, self.lock = session, list(days), threading.Lock()

    def fill(self, rng):
        """Open the new-log form for a free day (a page view of its own) and fill it in; None when none is left."""
        with self.lock:
            if not self.days:
                return None
            day = self.days.pop()
        _, _, body = self.session.get(f"/worklogs/new/?date={day}")
        fields = PostForm.of(body)["fields"]
        fields.update(date=day, text=f"负载测试：走访农户{rng.randint(1, 30)}户，了解春耕用工和灌溉情况。",
                      households_visited=str(rng.randint(1, 30)), problems_raised="1", problems_solved="0")
        return fields

    def save(self, fields):
        return self.session.post("/worklogs/new/", fields)


def worker_pids(root):
    """Every process under `root` (the gunicorn master and its workers, whatever wraps the interpreter), from each
    process's parent id in /proc."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError):
            continue
    found, frontier = [], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def cpu_seconds(pids):
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def start_server():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base", "DEBUG": "0",
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "GUNICORN_BIND": f"127.0.0.1:{PORT}",
           "GUNICORN_WORKERS": str(WORKERS), "GUNICORN_LOG_LEVEL": "warning", "GUNICORN_MAX_REQUESTS": "0"}
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", PORT)) == 0:
            raise AssertionError(f"port {PORT} is in use: stop that server or set LOAD_PORT")
    # The app logs a line per request: to a file, never a pipe nobody reads (a full pipe stalls every worker).
    log = tempfile.NamedTemporaryFile(prefix="load-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    server.log_path = log.name
    for _ in range(120):
        try:
            urllib.request.urlopen(BASE + "/login/", timeout=10).read()
            return server
        except OSError:  # refused while starting, or a first answer slower than 10 s
            if server.poll() is not None:
                raise AssertionError("gunicorn did not start: " + Path(log.name).read_text()[-2000:]) from None
            time.sleep(0.5)
    server.terminate()
    server.wait(timeout=30)
    raise AssertionError("gunicorn did not answer within 60 s")


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def resolve(session, path, details):
    if not path.startswith("detail:"):
        return path
    return random.choice(details[session.username][path.split(":", 1)[1]])


def simulate(session, pages, details, deadline, samples, errors, lock, rng, writer=None):
    time.sleep(rng.uniform(0, PAUSE[1]))  # users arrive spread over the first pause
    while time.monotonic() < deadline:
        label, path = rng.choice(pages)
        path = resolve(session, path, details) if path.startswith("detail:") else path
        started = time.perf_counter()
        try:
            if path == "post:worklog":
                fields = writer.fill(rng) if writer else None
                if fields is None:  # this secretary has written every day of the week
                    continue
                started = time.perf_counter()  # the save alone: the POST and its redirect to the new log
                status, url, _ = writer.save(fields)
                ok = status == 200 and re.search(r"/worklogs/\d+/$", url) is not None  # the new log's page
                path = "/worklogs/new/ (POST)"
            else:
                status, url, _ = session.get(path)
                ok = status == 200 and "/login/" not in url
        except Exception as error:  # URLError, HTTPError (4xx, 5xx), timeouts: every failure is counted
            ok, status = False, getattr(error, "code", type(error).__name__)
        elapsed = time.perf_counter() - started
        with lock:
            samples.setdefault(label, []).append(elapsed)
            if not ok:
                errors.append((label, path, status))
        time.sleep(rng.uniform(*PAUSE))


def account_for(index):
    """The account and pages of simulated user `index`, by the shares in ACCOUNTS."""
    share = index / USERS
    for username, weight, pages in ACCOUNTS:
        if share < weight:
            return username, pages
        share -= weight
    return ACCOUNTS[-1][0], ACCOUNTS[-1][2]


def test_province_peak_load():
    server = start_server()
    try:
        sessions = {}
        for username, _, _ in ACCOUNTS:
            sessions[username] = Session(username)
            sessions[username].login()
        writers = []
        for username, days in writer_accounts().items():
            writer_session = Session(username)
            writer_session.login()
            writers.append(Writer(writer_session, days))
        free_days = sum(len(w.days) for w in writers)
        logs_before = count_logs()
        details = {}
        for username, _, pages in ACCOUNTS:
            details[username] = {}
            for kind, (path, pattern) in DETAIL.items():
                if pages is OFFICE_PAGES:
                    _, _, body = sessions[username].get(path)
                    details[username][kind] = sorted(set(re.findall(pattern, body.decode())))[:20] or [path]

        samples, errors, lock = {}, [], threading.Lock()
        pids = worker_pids(server.pid)
        cpu_before, started = cpu_seconds(pids), time.monotonic()
        deadline = started + SECONDS
        threads = []
        for index in range(USERS):
            username, pages = account_for(index)
            rng = random.Random(index)
            writer = writers[index % len(writers)] if pages is SECRETARY_PAGES and writers else None
            threads.append(threading.Thread(target=simulate, daemon=True, args=(
                sessions[username], pages, details, deadline, samples, errors, lock, rng, writer)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=SECONDS + 120)
        wall = time.monotonic() - started
        cpu_load = cpu_seconds(pids) - cpu_before

        print_load(samples, errors, wall, cpu_load)
        saves = samples.get(SAVE_LOG, [])
        failed_saves = sum(1 for label, _, _ in errors if label == SAVE_LOG)
        written = count_logs() - logs_before
        print(f"民情日记 saved through the form by {len(writers)} secretaries ({free_days} free days): "
              f"{len(saves)} posts, {len(saves) - failed_saves} saved, rows in the database {logs_before:,} → "
              f"{logs_before + written:,} (+{written}); p50 "
              f"{statistics.median(saves) * 1000 if saves else 0:.0f} ms, p95 "
              f"{percentile(saves, 95) * 1000 if saves else 0:.0f} ms (POST and the redirect to the new log)")
        print(f"load average at the end: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
        print(f"gunicorn's log: {server.log_path}")
        print_cpu_per_page(sessions, details, pids)
        assert sum(len(v) for v in samples.values()) > 0
        assert written == len(saves) - failed_saves, "every save the page confirmed is a row, and no other"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def print_load(samples, errors, wall, cpu_load):
    total = sum(len(v) for v in samples.values())
    print(f"\nLoad: {USERS} users, pauses {PAUSE[0]:g}–{PAUSE[1]:g} s, {wall:.0f} s, {WORKERS} gunicorn workers: "
          f"{total} requests, {total / wall:.1f} requests/s, {len(errors)} errors; workers' CPU "
          f"{cpu_load:.1f} s ({cpu_load / wall * 100:.0f} % of one core, {cpu_load / max(total, 1) * 1000:.0f} ms "
          f"per request)")
    rows = []
    for label, values in sorted(samples.items(), key=lambda item: -percentile(item[1], 95)):
        target = EXPORT_P95 if label.startswith("导出") else PAGE_P95
        p95 = percentile(values, 95)
        rows.append((label, len(values), f"{statistics.median(values) * 1000:.0f}", f"{p95 * 1000:.0f}",
                     f"{percentile(values, 99) * 1000:.0f}", f"{target * 1000:.0f}", "ok" if p95 < target else "OVER"))
    print_table(("page", "requests", "p50 ms", "p95 ms", "p99 ms", "p95 target", ""), rows)
    if rows:
        print(f"Slowest page (p95): {rows[0][0]} {rows[0][3]} ms")
    for label, path, status in errors[:20]:
        print(f"  error: {label} {path} → {status}")


def print_cpu_per_page(sessions, details, pids, repeat=5):
    """One request at a time, each page `repeat` times: the workers' CPU (user + system) per request."""
    rows = []
    for username, _, pages in ACCOUNTS[::2]:  # leader, township2, unit_contact: each kind of page once
        for label, path in pages:
            before = cpu_seconds(pids)
            started = time.perf_counter()
            for _ in range(repeat):
                sessions[username].get(resolve(sessions[username], path, details))
            wall = (time.perf_counter() - started) / repeat
            rows.append((f"{label} ({username})", f"{(cpu_seconds(pids) - before) / repeat * 1000:.0f}",
                         f"{wall * 1000:.0f}"))
    rows.sort(key=lambda row: -float(row[1]))
    print(f"\nWorkers' CPU per request, one at a time (mean of {repeat}; /proc counts in 10 ms ticks):")
    print_table(("page", "CPU ms", "wall ms"), rows)


def print_table(header, rows):
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  " + "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
