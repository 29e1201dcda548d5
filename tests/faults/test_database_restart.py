"""The database goes away under a running gunicorn and comes back.

Against real processes: gunicorn (production settings, connections kept open for 10 minutes) on its own PostgreSQL
database, h_ops_faults. Eight sessions share the PostgreSQL server, so the test never restarts it: it cuts its own
database off instead — every backend terminated (what a restart does to open connections) and, for the outage,
new connections refused (ALTER DATABASE … ALLOW_CONNECTIONS false) — then lets it back.

Expected: during the outage every page is the Chinese "系统暂时不可用，请稍后再试" (503) and /healthz says 503; once
the database is back, the very first request of every worker succeeds (CONN_HEALTH_CHECKS) and /healthz says 200.

Slow (migrates a database, starts gunicorn): runs when RUN_SERVER_FAULTS=1 (scripts/faults sets it).
"""

import http.cookies
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PORT = 18400  # helper index 4 × 100 + 18000
DB = "h_ops_faults"
BASE = f"http://127.0.0.1:{PORT}"

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(os.environ.get("RUN_SERVER_FAULTS") != "1",
                       reason="starts gunicorn and cuts a PostgreSQL database off: run by scripts/faults"),
]


def psql(sql, database="postgres"):
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1",
                    "-qtAc", sql], check=True, capture_output=True, text=True)


def cut_off(refuse_new):
    if refuse_new:
        psql(f"ALTER DATABASE {DB} ALLOW_CONNECTIONS false")
    psql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{DB}' AND pid <> pg_backend_pid()")


def let_back():
    psql(f"ALTER DATABASE {DB} ALLOW_CONNECTIONS true")


class Browser:
    """Just enough of a browser behind nginx: cookies (Secure ones too: nginx terminates HTTPS), and the headers
    nginx adds."""

    def __init__(self):
        self.cookies = {}
        self.opener = urllib.request.build_opener(NoRedirect())

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {"Referer": f"https://127.0.0.1:{PORT}{path}", "X-Forwarded-Proto": "https",
                   "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        try:
            response = self.opener.open(urllib.request.Request(BASE + path, body, headers), timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = http.cookies.SimpleCookie(header)
                self.cookies.update({name: morsel.value for name, morsel in cookie.items()})
            return response.status, response.read().decode()

    def csrf(self):
        return self.cookies["csrftoken"]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url = f"postgres://postgres@127.0.0.1:5432/{DB}"
    static = tmp_path_factory.mktemp("static")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DATABASE"))},
           "DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": secrets.token_urlsafe(60),
           "DATABASE_URL": url, "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0", "DB_CONN_MAX_AGE": "600",
           "STATIC_ROOT": str(static), "MEDIA_ROOT": str(tmp_path_factory.mktemp("media")), "LOG_FORMAT": "json"}
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"],
                   check=True, capture_output=True)
    psql(f"CREATE DATABASE {DB}")
    manage = [sys.executable, "manage.py"]
    for args in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run(manage + args, cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)
    create_user = ("from accounts.models import User; from accounts.roles import Role; "
                   "User.objects.create_superuser('ops_admin', password='Fault#Test2026', role=Role.COUNTY_ADMIN)")
    subprocess.run(manage + ["shell", "-c", create_user], cwd=ROOT, env=env, check=True, capture_output=True)
    log = open(tmp_path_factory.mktemp("log") / "gunicorn.log", "w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "config.wsgi",
         "--bind", f"127.0.0.1:{PORT}", "--workers", "2"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(BASE + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        let_back()
        psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


def logged_in():
    browser = Browser()
    browser.request("/login/")
    status, _ = browser.request("/login/", {"username": "ops_admin", "password": "Fault#Test2026",
                                            "csrfmiddlewaretoken": browser.csrf()})
    assert status == 302
    return browser


def health():
    try:
        with urllib.request.urlopen(BASE + "/healthz", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_database_restart_costs_no_request_once_it_is_back(server):
    browser = logged_in()
    for _ in range(6):  # every worker holds an open connection
        assert browser.request("/secretaries/")[0] == 200
    cut_off(refuse_new=False)  # what a restart does to the connections the workers keep
    statuses = [browser.request("/secretaries/")[0] for _ in range(10)] + [health()[0] for _ in range(4)]
    print(f"\nrestart: {len(statuses)} requests after the connections were cut: "
          f"{statuses.count(200)} × 200, {len(statuses) - statuses.count(200)} other")
    assert statuses == [200] * len(statuses)


def test_during_an_outage_users_get_the_chinese_503_and_healthz_recovers(server):
    browser = logged_in()
    assert browser.request("/secretaries/")[0] == 200
    cut_off(refuse_new=True)
    try:
        pages = [browser.request(path) for path in ("/secretaries/", "/", "/villages/", "/tasks/")] * 2
        posted = browser.request("/units/new/", {"name": "县审计局", "level": "county", "kind": "party_gov",
                                                 "csrfmiddlewaretoken": browser.csrf()})
        down = health()
    finally:
        let_back()
    codes = [status for status, _ in pages] + [posted[0]]
    print(f"\noutage: {len(codes)} requests while the database refused connections: "
          f"{codes.count(503)} × 503 (Chinese page), {codes.count(500)} × 500; /healthz {down[0]}")
    assert codes == [503] * len(codes)
    assert all("系统暂时不可用，请稍后再试" in body for _, body in [*pages, posted])
    assert all(re.search(r"请求编号", body) for _, body in pages)
    assert down[0] == 503 and down[1]["checks"]["database"]["ok"] is False
    after = [browser.request("/secretaries/")[0] for _ in range(6)]
    back = health()
    print(f"outage: after the database came back: {after.count(200)}/{len(after)} × 200, /healthz {back[0]}")
    assert after == [200] * 6 and back[0] == 200
