import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
# Redis database 3 belongs to these tests; 13 is never written (a cache with nothing recorded in it).
CLEAN_REDIS = "redis://127.0.0.1:6379/13"


def clean_environ():
    # The browser tests allow sync ORM calls inside Playwright's loop; a deployment never does.
    return {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY"}}


def manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**clean_environ(), **env},
    )


def test_production_settings_pass_check_deploy_with_no_warnings():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(60), ALLOWED_HOSTS="dyfs.example.gov.cn", REDIS_URL=CLEAN_REDIS,
        FIELD_ENCRYPTION_KEYS=base64.urlsafe_b64encode(os.urandom(32)).decode(),
        FIELD_HASH_KEY=base64.urlsafe_b64encode(os.urandom(32)).decode(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_the_development_secret_key():
    result = manage("check", DJANGO_SETTINGS_MODULE="config.settings.production")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_the_ui_speaks_chinese_and_keeps_beijing_time(settings):
    assert settings.LANGUAGE_CODE == "zh-hans" and settings.TIME_ZONE == "Asia/Shanghai"


@pytest.mark.django_db
def test_healthz_answers_ok_when_the_database_does(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response.json()["status"] == "ok"


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_does_not(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(connection, "cursor", broken)
    assert client.get(reverse("healthz")).status_code == 503


def test_healthz_is_get_only(client):
    assert client.post(reverse("healthz")).status_code == 405
