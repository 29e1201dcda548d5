"""Production: everything from base, plus HTTPS-only cookies and headers.

Refuses to start with the development secret key.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import MIDDLEWARE, SECRET_KEY, env_bool

DEBUG = env_bool("DEBUG", False)
if SECRET_KEY.startswith("dev-only") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("生产环境必须通过环境变量 SECRET_KEY 提供至少 50 个字符的随机密钥。")

# The survey-code limit and the proxy check count in the cache: several gunicorn workers (and
# machines) must share it, or each keeps its own count and an attacker gets N times the tries.
if not os.environ.get("REDIS_URL"):
    raise ImproperlyConfigured("生产环境必须设置 REDIS_URL（如 redis://127.0.0.1:6379/0），供各进程共享测评码限制等计数。")

# whitenoise serves the collected static files (no CDN, no separate static server needed).
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Operations (helper "ops"): statement timeout and JSON logs ---------------------------------------------------
# No query may run longer than DB_STATEMENT_TIMEOUT seconds (default 25: less than gunicorn's 30 s timeout, so the
# database cancels the statement and the user gets a message before gunicorn kills the worker); 0 switches it off
# (the task worker, backups and long management commands, see deploy/systemd).
_statement_timeout = int(os.environ.get("DB_STATEMENT_TIMEOUT", "25"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and _statement_timeout:  # noqa: F405
    _options = DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
    _options["options"] = f"{_options.get('options', '')} -c statement_timeout={_statement_timeout * 1000}".strip()
LOGGING["handlers"]["console"]["formatter"] = os.environ.get("LOG_FORMAT", "json")  # noqa: F405
STORAGES["default"] = {"BACKEND": "operations.storage.SafeFileSystemStorage"}  # a full disk is a message, not a 500
# pdata: 身份证号 and phones are encrypted at rest; never with the public development keys.
from .base import (  # noqa: E402
    FIELD_DEV_ENCRYPTION_KEY,
    FIELD_DEV_HASH_KEY,
    FIELD_ENCRYPTION_KEYS,
    FIELD_HASH_KEY,
    FIELD_KEYS_FROM_ENVIRONMENT,
)

if (not FIELD_KEYS_FROM_ENVIRONMENT or FIELD_DEV_ENCRYPTION_KEY in FIELD_ENCRYPTION_KEYS
        or FIELD_HASH_KEY == FIELD_DEV_HASH_KEY):
    raise ImproperlyConfigured(
        "生产环境必须提供敏感字段密钥：请设置环境变量 FIELD_ENCRYPTION_KEYS 和 FIELD_HASH_KEY，"
        "或用 FIELD_KEYS_FILE 指向仓库以外的密钥文件（生成方法见 README）。"
    )
