"""Two app servers side by side: a file uploaded and previewed on one is confirmed on the other. Each server has a
media folder of its own, so the test fails if anything of the import lived on one server's disk between requests.

Needs PostgreSQL (the servers and the test share the test database); skipped on SQLite.
"""

import http.client
import os
import socket
import subprocess
import sys
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from excel.models import ImportRecord, ImportUpload
from secretaries.models import Secretary
from tests import factories as f
from tests.secretaries.test_roster_import import person, xlsx

pytestmark = [
    pytest.mark.faults,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="two server processes must share the test database: set DATABASE_URL to PostgreSQL"),
]

PORTS = (int(os.environ.get("FAULTS_PORT", "18400")) + 10, int(os.environ.get("FAULTS_PORT", "18400")) + 11)


def serve(port, media, database):
    env = {**os.environ, "DATABASE_URL": database, "MEDIA_ROOT": str(media),
           "DJANGO_SETTINGS_MODULE": "config.settings.base", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload",
                                "--skip-checks"], cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise AssertionError(f"the server on port {port} did not start")


@pytest.fixture
def servers(tmp_path):
    db = connection.settings_dict
    database = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    medias = [tmp_path / "media-a", tmp_path / "media-b"]
    processes = []
    try:
        for port, media in zip(PORTS, medias, strict=True):
            media.mkdir()
            processes.append(serve(port, media, database))
        yield medias
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)


class Browser:
    """A user's cookies, sent to whichever server is asked."""

    def __init__(self, session):
        self.cookies = {settings.SESSION_COOKIE_NAME: session}

    def request(self, port, method, path, body=b"", content_type=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Host": "127.0.0.1"}
        if method == "POST":
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Referer"] = f"http://127.0.0.1:{port}{path}"
        if content_type:
            headers["Content-Type"] = content_type
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.getheader("Location"), response.read().decode("utf-8", "replace")


def multipart(name, filename, data):
    boundary = uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_a_file_previewed_on_one_server_is_confirmed_on_the_other(world, servers):
    client = Client()
    client.force_login(world.users.admin, backend="accounts.backends.RoleBackend")
    browser = Browser(client.cookies[settings.SESSION_COOKIE_NAME].value)
    start = reverse("excel:import_start", args=["roster"])
    number = f.id_number()

    status, _, _ = browser.request(PORTS[0], "GET", start)
    assert status == 200 and "csrftoken" in browser.cookies
    body, content_type = multipart("file", "花名册.xlsx", xlsx([person("孙丽", number, village="", township="")]))
    status, location, _ = browser.request(PORTS[0], "POST", start, body, content_type)
    assert status == 302, "the upload on the first server was not accepted"
    record = ImportRecord.objects.get()
    assert ImportUpload.objects.filter(record=record).exists()

    status, _, page = browser.request(PORTS[1], "GET", location)
    assert status == 200 and "确认导入（全部写入）" in page  # the second server shows the first one's preview
    status, location, _ = browser.request(PORTS[1], "POST", reverse("excel:import_confirm", args=[record.pk]))
    assert status == 302
    status, _, page = browser.request(PORTS[1], "GET", location)
    assert "导入完成：新增 1 人" in page
    record.refresh_from_db()
    assert record.status == "done" and not record.has_upload
    assert Secretary.objects.filter(id_number=number).count() == 1
    assert [p for media in servers for p in Path(media).rglob("*") if p.is_file()] == []  # nothing on either disk
