"""403, 404, 500 and 503 in Chinese, inside the site's layout, saying why and where to go next."""

import json
import logging

import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from config.logformat import JsonFormatter

from ..alliances.conftest import league  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def test_a_forbidden_page_says_why_in_chinese_inside_the_layout(world, login, debug):
    response = login(world.users.town_a).get(reverse("tasks:task_create"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "没有权限" in page and "驻村第一书记管理系统" in page and "回到首页" in page
    assert "Forbidden" not in page


def test_the_reason_the_code_gave_is_shown(world, login, debug):
    page = login(world.users.leader).get(reverse("secretaries:secretary_create")).content.decode()
    assert "您的角色无权进行此操作。" in page


def test_another_regions_record_is_a_chinese_404(world, login, debug):
    response = login(world.users.town_a).get(reverse("secretaries:secretary_detail", args=[world.sec_c.pk]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and "不在您的管辖范围内" in page
    assert "No Secretary matches" not in page and "Page not found" not in page


def test_an_unknown_address_is_a_chinese_404(world, login, debug):
    response = login(world.users.admin).get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode() and "URLconf" not in response.content.decode()


def test_anonymous_visitors_are_offered_the_login(client, db, debug):
    page = client.get("/no-such-page/").content.decode()
    assert "登录系统" in page


def test_an_unexpected_error_is_a_chinese_500_with_the_request_id(world, login, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr("secretaries.views.SecretaryList.get_queryset", broken)
    client = login(world.users.admin)
    client.raise_request_exception = False
    response = client.get(reverse("secretaries:secretary_list"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "系统出错" in page and response["X-Request-ID"] in page and "Server Error" not in page


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unreachable_database_is_a_chinese_503(world, login, monkeypatch, method, debug):
    def down(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr("secretaries.views.SecretaryList.get_queryset", down)
    monkeypatch.setattr("secretaries.views.SecretaryCreate.post", down)
    client = login(world.users.admin)
    client.raise_request_exception = False
    url = reverse("secretaries:secretary_list") if method == "get" else reverse("secretaries:secretary_create")
    response = getattr(client, method)(url)
    assert response.status_code == 503
    assert "系统暂时不可用，请稍后再试" in response.content.decode()
    assert response["Retry-After"]


def test_the_503_page_renders_without_the_database(rf, settings):
    from config import errors

    request = rf.get("/secretaries/")
    request.request_id = "abc12345"
    response = errors.unavailable(request)  # no user, no session: nothing to query
    assert response.status_code == 503 and "abc12345" in response.content.decode()


def test_a_stale_form_is_refused_in_chinese(world, client):
    client.enforce_csrf_checks = True
    client.force_login(world.users.admin, backend="accounts.backends.RoleBackend")
    client.handler.enforce_csrf_checks = True
    response = client.post(reverse("secretaries:unit_create"), {"name": "x"})
    assert response.status_code == 403
    assert "页面已经过期" in response.content.decode()


def test_every_response_carries_a_request_id_and_keeps_a_sane_one_from_nginx(world, login):
    client = login(world.users.admin)
    assert len(client.get(reverse("secretaries:secretary_list"))["X-Request-ID"]) == 16
    given = client.get(reverse("secretaries:secretary_list"), headers={"X-Request-ID": "nginx-req-12345678"})
    assert given["X-Request-ID"] == "nginx-req-12345678"
    forged = client.get(reverse("secretaries:secretary_list"), headers={"X-Request-ID": "a\nb"})
    assert forged["X-Request-ID"] != "a\nb"


def test_log_lines_are_json_with_the_request_id(world, login, caplog):
    formatter = JsonFormatter()
    with caplog.at_level(logging.INFO, logger="access"):
        response = login(world.users.admin).get(reverse("secretaries:secretary_list"))
    line = json.loads(formatter.format(caplog.records[-1]))
    assert line["path"] == reverse("secretaries:secretary_list") and line["status"] == 200
    assert line["request_id"] == response["X-Request-ID"] and line["duration_ms"] >= 0


def test_healthz_reports_each_part_as_json(client, db):
    body = client.get(reverse("healthz")).json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["cache"]["ok"]
    assert "installed" in body["checks"]["tasks"]


def test_healthz_is_degraded_but_200_when_only_the_cache_fails(client, db, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr("config.health.cache.set", broken)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response.json()["status"] == "degraded"
    assert client.get(reverse("healthz") + "?strict=1").status_code == 503


def test_production_sets_a_statement_timeout_and_json_logs():
    import subprocess
    import sys

    from django.conf import settings as live

    code = ("from django.conf import settings as s; import json; "
            "print(json.dumps([s.DATABASES['default'].get('OPTIONS', {}), s.LOGGING['handlers']['console']"
            "['formatter'], s.DATABASES['default']['CONN_HEALTH_CHECKS'], s.STORAGES['default']['BACKEND']]))")
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": "k" * 60,
           "DATABASE_URL": "postgres://u@127.0.0.1:5432/x", "PATH": "/usr/bin:/bin",
           "REDIS_URL": "redis://127.0.0.1:6379/3",  # production also refuses to start without these
           "FIELD_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5ISE=",
           "FIELD_HASH_KEY": "dGVzdC1vbmx5LWZpZWxkLWhhc2gta2V5LTMyYnl0ZXM="}
    done = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=live.BASE_DIR,
                          env=env, capture_output=True, text=True, timeout=60)
    options, formatter, health_checks, storage = json.loads(done.stdout)
    assert options["options"] == "-c jit=off -c statement_timeout=25000" and options["connect_timeout"] == 5
    assert formatter == "json" and health_checks is True and storage == "operations.storage.SafeFileSystemStorage"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT")
@pytest.mark.django_db
def test_the_sites_connections_run_without_postgresqls_jit():
    # Compiling a dear-looking query cost the province ranking 3 s of its 3.6 (see config/settings/base.py).
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_a_wrong_method_is_a_chinese_405_that_keeps_the_allow_header(world, login):
    response = login(world.users.admin).get(reverse("presence:round_draw"))
    assert response.status_code == 405 and "POST" in response["Allow"]
    assert "访问方式不对" in response.content.decode()


def test_an_unknown_chinese_address_shows_no_internals(world, login, debug):
    page = login(world.users.admin).get("/没有这个页面/").content.decode()
    assert "页面不存在" in page and "tried" not in page and "没有这个页面" not in page.split("<main")[1][:300]


@pytest.mark.parametrize("who, enter, import_", [
    ("admin", True, True), ("town_a", True, False), ("leader", False, False), ("contact", False, False),
])
def test_alliance_lists_offer_entering_and_importing_only_to_who_may(world, league, login, who, enter,  # noqa: F811
                                                                   import_):
    client = login(getattr(world.users, who))
    needs = client.get(reverse("alliances:need_list")).content.decode()
    assert ("登记需求" in needs) is enter and ("alliance_needs/" in needs) is import_
    resources = client.get(reverse("alliances:resource_list")).content.decode()
    assert ("登记资源" in resources) is (who == "admin") and ("alliance_resources/" in resources) is import_
