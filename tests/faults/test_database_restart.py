"""The database goes away under a running gunicorn and comes back.

Against real processes: gunicorn (production settings, connections kept open for 10 minutes) on its own PostgreSQL
database (DATABASE_URL's name + _faults). Several sessions share the PostgreSQL server, so the test never restarts
it: it cuts its own database off instead — every backend terminated (what a restart does to open connections)
and, for the outage, new connections refused (ALTER DATABASE … ALLOW_CONNECTIONS false) — then lets it back.

Expected: during the outage every page is the Chinese "系统暂时不可用，请稍后再试" (503) and /healthz says 503; once
the database is back, the very first request of every worker succeeds (CONN_HEALTH_CHECKS) and /healthz says 200.

Slow (migrates a database, starts gunicorn): runs when RUN_SERVER_FAULTS=1 (scripts/faults sets it).
"""

import json
import os
import re
import urllib.error
import urllib.request

import pytest

from .server import BASE, PASSWORD, Browser, gunicorn, own_database, psql

DB = own_database("faults")

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(os.environ.get("RUN_SERVER_FAULTS") != "1",
                       reason="starts gunicorn and cuts a PostgreSQL database off: run by scripts/faults"),
]


def cut_off(refuse_new):
    if refuse_new:
        psql(f"ALTER DATABASE {DB} ALLOW_CONNECTIONS false")
    psql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{DB}' AND pid <> pg_backend_pid()")


def let_back():
    psql(f"ALTER DATABASE {DB} ALLOW_CONNECTIONS true")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    setup = ("from accounts.models import User; from accounts.roles import Role; "
             f"User.objects.create_superuser('ops_admin', password='{PASSWORD}', role=Role.COUNTY_ADMIN)")
    with gunicorn(DB, tmp_path_factory.mktemp("restart"), setup=setup) as process:
        yield process


def logged_in():
    return Browser().login("ops_admin")


def status(browser, path, data=None):
    return browser.request(path, data)[:2]


def health():
    try:
        with urllib.request.urlopen(BASE + "/healthz", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_database_restart_costs_no_request_once_it_is_back(server):
    browser = logged_in()
    for _ in range(6):  # every worker holds an open connection
        assert status(browser, "/secretaries/")[0] == 200
    cut_off(refuse_new=False)  # what a restart does to the connections the workers keep
    statuses = [status(browser, "/secretaries/")[0] for _ in range(10)] + [health()[0] for _ in range(4)]
    print(f"\nrestart: {len(statuses)} requests after the connections were cut: "
          f"{statuses.count(200)} × 200, {len(statuses) - statuses.count(200)} other")
    assert statuses == [200] * len(statuses)


def test_during_an_outage_users_get_the_chinese_503_and_healthz_recovers(server):
    browser = logged_in()
    assert status(browser, "/secretaries/")[0] == 200
    cut_off(refuse_new=True)
    try:
        pages = [status(browser, path) for path in ("/secretaries/", "/", "/villages/", "/tasks/")] * 2
        posted = status(browser, "/units/new/", {"name": "县审计局", "level": "county", "kind": "party_gov",
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
    after = [status(browser, "/secretaries/")[0] for _ in range(6)]
    back = health()
    print(f"outage: after the database came back: {after.count(200)}/{len(after)} × 200, /healthz {back[0]}")
    assert after == [200] * 6 and back[0] == 200
