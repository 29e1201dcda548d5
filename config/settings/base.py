"""Settings read from the environment.

Defaults suit a laptop: an embedded SQLite file, DEBUG on, localhost only.
Production sets DJANGO_SETTINGS_MODULE=config.settings.production and the variables
listed in the README (DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS, ...).
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# The fallback key is only for local development; production.py refuses to start without a real one.
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# SQLite ignores the covering index's INCLUDE columns (PostgreSQL uses them for scoring); nothing to act on.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

INSTALLED_APPS = [
    "config.apps.CountyAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "axes",
    "import_export",
    "accounts",
    "villages",
    "excel",
    "secretaries",
    "tasks",
    "projects",
    "presence",
    "worklogs",
    "alliances",
    "evaluations",
    "reports",
    "demo",
    "dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # AxesMiddleware must come last: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first, so a locked-out login never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.RoleBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.CharacterKindsValidator", "OPTIONS": {"min_kinds": 3}},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboards:home"
LOGOUT_REDIRECT_URL = "login"

# Idle timeout: the session expires after this many seconds without a request.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_TIMEOUT", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Lock an account (per username and IP) after repeated failed logins.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("LOGIN_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Reverse proxies in front of the app: the client's address is then read from X-Forwarded-For, that many entries
# from the right (what the nearest proxies appended); 0 trusts only REMOTE_ADDR, so the header cannot be forged.
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "accounts.audit.client_ip"  # lockouts, the audit log and the survey limit agree
# Axes logs the username on failures; never the password or any form field.
AXES_SENSITIVE_PARAMETERS = ["password", "id_number"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# django-filter: "全部" instead of "---------" for an unset filter.
FILTERS_EMPTY_CHOICE_LABEL = "全部"

# Imports: limits on what may be uploaded, and how long a previewed file waits for confirmation.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_MB", "10")) * 1024 * 1024
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "200000"))
IMPORT_PENDING_HOURS = int(os.environ.get("IMPORT_PENDING_HOURS", "24"))
# Django's own request-body cap must let an allowed upload through (the importer gives the clear message).
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024

# How many days ahead "assignments ending soon" looks.
ENDING_SOON_DAYS = int(os.environ.get("ENDING_SOON_DAYS", "60"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Request lines carry only paths; ID numbers never travel in URLs (see README).
        "django.db.backends": {"level": "INFO"},
    },
}

# The cache holds short-lived counters (the survey-code guessing limit). Several worker processes must share it:
# set REDIS_URL in production; without it each process counts on its own.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]},
    }

# Public survey page: after this many look-ups of unknown codes from one client address within the window
# (seconds), further look-ups are refused with 429. A meeting hall behind one address may need a higher limit.
SURVEY_MAX_FAILURES = int(os.environ.get("SURVEY_MAX_FAILURES", "10"))
SURVEY_FAILURE_WINDOW = int(os.environ.get("SURVEY_FAILURE_WINDOW", "600"))

# 红黄蓝 for assistance projects: the current stage late by more than PROJECT_YELLOW_DAYS days is yellow, by more
# than PROJECT_RED_DAYS days red (微山: up to 30 days yellow, beyond that red).
PROJECT_YELLOW_DAYS = int(os.environ.get("PROJECT_YELLOW_DAYS", "0"))
PROJECT_RED_DAYS = int(os.environ.get("PROJECT_RED_DAYS", "30"))

# 民情日记, 办实事 records and weekly/monthly reflections: a secretary may write or correct one up to this many days
# after its date (the end of its week or month); later the entry stands as written.
WORKLOG_EDIT_DAYS = int(os.environ.get("WORKLOG_EDIT_DAYS", "7"))

# 在岗在位: a secretary found 不在岗 at this many consecutive spot checks is put on a county notice draft (微山:
# 连续3次); approved leave days per year above PRESENCE_MAX_LEAVE_DAYS are flagged on the leave pages.
PRESENCE_ABSENCE_RUN = int(os.environ.get("PRESENCE_ABSENCE_RUN", "3"))
PRESENCE_MAX_LEAVE_DAYS = int(os.environ.get("PRESENCE_MAX_LEAVE_DAYS", "30"))
PRESENCE_DEFAULT_RATE = float(os.environ.get("PRESENCE_DEFAULT_RATE", "0.2"))

# Field work (spot checks that cannot be gamed, 约谈, evidence photos; need → resource matching). The share of a
# spot-check draw's places drawn purely at random from everyone (the rest go to whoever was checked longest ago);
# a secretary found 不在岗 is re-checked within PRESENCE_RECHECK_DAYS days, outside the regular draw.
PRESENCE_RANDOM_SHARE = float(os.environ.get("PRESENCE_RANDOM_SHARE", "0.25"))
PRESENCE_RECHECK_DAYS = int(os.environ.get("PRESENCE_RECHECK_DAYS", "7"))
# Someone under a notice not yet closed (约谈 not recorded) is added to each round of their area with this chance.
PRESENCE_WATCH_CHANCE = float(os.environ.get("PRESENCE_WATCH_CHANCE", "0.5"))
