"""Behind a proxy by default: production needs shared counters, and `check --deploy` notices a forgotten PROXY_COUNT."""

import secrets

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.checks import XFF_SEEN_KEY, check_proxy_count

from .test_settings import manage

REDIS = "redis://127.0.0.1:6379/3"
PRODUCTION = {"DJANGO_SETTINGS_MODULE": "config.settings.production", "ALLOWED_HOSTS": "dyfs.example.gov.cn",
              # the encrypted fields' keys (production refuses to start without real ones)
              "FIELD_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5ISE=",
              "FIELD_HASH_KEY": "dGVzdC1vbmx5LWZpZWxkLWhhc2gta2V5LTMyYnl0ZXM="}


def test_production_refuses_to_start_without_redis():
    result = manage("check", SECRET_KEY=secrets.token_urlsafe(60), **PRODUCTION)
    assert result.returncode != 0 and "REDIS_URL" in result.stderr


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS}}
    cache.delete(XFF_SEEN_KEY)
    yield cache
    cache.delete(XFF_SEEN_KEY)


@pytest.mark.django_db
def test_a_forwarded_request_without_proxy_count_makes_check_deploy_warn(client, redis_cache, settings):
    settings.PROXY_COUNT = 0
    client.get(reverse("healthz"), HTTP_X_FORWARDED_FOR="203.0.113.7", REMOTE_ADDR="10.0.0.2")
    assert redis_cache.get(XFF_SEEN_KEY)["remote"] == "10.0.0.2"
    # A separate process, as an operator would run it, reads the note from the shared cache.
    result = manage("check", "--deploy", SECRET_KEY=secrets.token_urlsafe(60), REDIS_URL=REDIS, **PRODUCTION)
    assert "accounts.W001" in result.stderr + result.stdout and "PROXY_COUNT" in result.stderr + result.stdout
    result = manage("check", "--deploy", SECRET_KEY=secrets.token_urlsafe(60), REDIS_URL=REDIS, PROXY_COUNT="1",
                    **PRODUCTION)
    assert "accounts.W001" not in result.stderr + result.stdout


@pytest.mark.django_db
def test_with_the_proxy_configured_nothing_is_noted(client, redis_cache, settings):
    settings.PROXY_COUNT = 1
    client.get(reverse("healthz"), HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert redis_cache.get(XFF_SEEN_KEY) is None
    settings.PROXY_COUNT = 0
    assert check_proxy_count() == []


@pytest.mark.django_db
def test_requests_without_the_header_note_nothing(client, redis_cache, settings):
    settings.PROXY_COUNT = 0
    client.get(reverse("healthz"))
    assert check_proxy_count() == []
