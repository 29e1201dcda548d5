"""A real gunicorn on a real PostgreSQL database, for the fault tests that kill or cut things off.

The database is the test's own (created, migrated and dropped here), named after DATABASE_URL's database
(h_ops → h_ops_faults, see own_database), so sessions sharing the server never meet; gunicorn runs the production
settings on FAULTS_PORT (default 18400), behind a pretend nginx: the Browser sends what nginx would add.
"""

import http.cookies
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PORT = int(os.environ.get("FAULTS_PORT", "18400"))
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "Fault#Test2026"


def own_database(suffix):
    """A database name of this run's own: DATABASE_URL's database name (h_faults without one) plus `suffix`."""
    name = urllib.parse.urlsplit(os.environ.get("DATABASE_URL", "")).path.strip("/")
    if name.startswith("test_"):  # inside pytest-django the URL may already name the test database
        name = name.removeprefix("test_")
    return f"{name or 'h_faults'}_{suffix}"


def psql(sql, database="postgres"):
    done = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1",
                           "-qtAc", sql], check=True, capture_output=True, text=True)
    return done.stdout.strip()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Just enough of a browser behind nginx: cookies (Secure ones too: nginx terminates HTTPS), and the headers
    nginx adds."""

    def __init__(self):
        self.cookies = {}
        self.opener = urllib.request.build_opener(NoRedirect())

    def request(self, path, data=None, files=None, timeout=60):
        headers = {"Referer": f"https://127.0.0.1:{PORT}{path}", "X-Forwarded-Proto": "https",
                   "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        body = None
        if files:
            boundary = secrets.token_hex(16)
            parts = []
            for name, value in (data or {}).items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
                             .encode())
            for name, (filename, content) in files.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                             f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                             + content + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
        try:
            response = self.opener.open(urllib.request.Request(BASE + path, body, headers), timeout=timeout)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = http.cookies.SimpleCookie(header)
                self.cookies.update({name: morsel.value for name, morsel in cookie.items()})
            return response.status, response.read().decode(errors="replace"), response.headers

    def csrf(self):
        return self.cookies["csrftoken"]

    def login(self, username):
        self.request("/login/")
        status, _, headers = self.request("/login/", {"username": username, "password": PASSWORD,
                                                      "csrfmiddlewaretoken": self.csrf()})
        assert status == 302, "login failed"
        if "/account/otp/" not in headers.get("Location", ""):  # the second factor is asked on the next page
            status, _, headers = self.request(headers.get("Location", "/"))
        if "/account/otp/" in headers.get("Location", ""):  # an administrator: the code of the fault device
            status, _, headers = self.request("/account/otp/", {"token": totp_code(),
                                                                "csrfmiddlewaretoken": self.csrf()})
            assert status == 302 and "/account/otp/" not in headers.get("Location", ""), "second factor refused"
        return self


# Administrators log in with a second factor: every account that needs one gets this device (setup below).
TOTP_KEY = "3132333435363738393031323334353637383930"
SECOND_FACTORS = f"""
from accounts.models import User
from accounts.otp import needs_second_factor
from django_otp.plugins.otp_totp.models import TOTPDevice
for user in User.objects.all():
    if needs_second_factor(user):
        TOTPDevice.objects.create(user=user, name="手机令牌", confirmed=True, key="{TOTP_KEY}")
        User.objects.filter(pk=user.pk).update(otp_enabled=True)
"""
_last_step = [0]


def totp_code():
    """The device's next code: each code is accepted once, so a second login in the same 30 s uses the next step
    (the device tolerates one step of drift)."""
    from django_otp.oath import hotp

    step = max(int(time.time()) // 30, _last_step[0] + 1)
    _last_step[0] = step
    return f"{hotp(bytes.fromhex(TOTP_KEY), step, digits=6):06d}"


@contextmanager
def gunicorn(database, tmp, *, setup="", workers=2, env_extra=None):
    """Create `database`, migrate it, run `setup` (Python, in manage.py shell), serve it; drop it afterwards."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DATABASE"))},
           "DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": secrets.token_urlsafe(60),
           "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}", "ALLOWED_HOSTS": "127.0.0.1",
           "SECURE_SSL_REDIRECT": "0", "DB_CONN_MAX_AGE": "600", "STATIC_ROOT": str(tmp / "static"),
           "MEDIA_ROOT": str(tmp / "media"), "LOG_FORMAT": "json",
           # Production refuses to start without a shared cache and the personal-data keys (test-only keys here).
           "REDIS_URL": os.environ.get("FAULTS_REDIS_URL", "redis://127.0.0.1:6379/15"),
           "FIELD_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5ISE=",
           "FIELD_HASH_KEY": "dGVzdC1vbmx5LWZpZWxkLWhhc2gta2V5LTMyYnl0ZXM=", **(env_extra or {})}
    psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    psql(f"CREATE DATABASE {database}")
    manage = [sys.executable, "manage.py"]
    steps = [["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"],
             ["shell", "-c", f"{setup}\n{SECOND_FACTORS}"]]
    for args in steps:
        done = subprocess.run(manage + args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"manage.py {args[0]}: {done.stderr.strip().splitlines()[-1:]}"
    log = open(tmp / "gunicorn.log", "w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "config.wsgi",
         "--bind", f"127.0.0.1:{PORT}", "--workers", str(workers)], cwd=ROOT, env=env, stdout=log,
        stderr=subprocess.STDOUT)
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(BASE + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        log.close()
        psql(f"ALTER DATABASE {database} ALLOW_CONNECTIONS true")
        psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def workers_of(process):
    """The pids of gunicorn's worker processes (the master's children)."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []
