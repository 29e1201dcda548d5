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
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "villages",
    "jobs",
    "notifications",
    "excel",
    "secretaries",
    "tasks",
    "projects",
    "presence",
    "worklogs",
    "alliances",
    "units",
    "evaluations",
    "reports",
    "operations",
    "demo",
    "dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "accounts.middleware.SecurityHeadersMiddleware",
    "accounts.middleware.ForwardedForWatch",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SessionOTPMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
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
                "notifications.context_processors.unread",
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
    {"NAME": "accounts.validators.PasswordHistoryValidator"},
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
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "50000"))  # measured: see docs/readme/files.md
IMPORT_PENDING_HOURS = int(os.environ.get("IMPORT_PENDING_HOURS", "24"))
# Imports (files helper): every upload is read in a child process that may use this much more memory and time
# (excel.sandbox); a file that needs more is refused, never a dead worker. Off only for debugging.
IMPORT_PARSE_ISOLATED = env_bool("IMPORT_PARSE_ISOLATED", True)
IMPORT_PARSE_MAX_MB = int(os.environ.get("IMPORT_PARSE_MAX_MB", "512"))
IMPORT_PARSE_SECONDS = int(os.environ.get("IMPORT_PARSE_SECONDS", "20"))
# Imports as background jobs (wire helper): confirming more rows than this runs on the task worker with a progress
# bar; smaller imports are written in the request.
IMPORT_JOB_MIN_ROWS = int(os.environ.get("IMPORT_JOB_MIN_ROWS", "2000"))
# The admin's imports keep their upload between preview and confirmation in the database, like the others.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "excel.admin_import.DatabaseTmpStorage"
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

# --- Operations (helper "ops"): one transaction per write, Chinese error pages, request ids and JSON logs --------
# Every request that may write runs in one transaction with its audit records, and claims its form's one-time token
# there (config.middleware.TransactionMiddleware, last so that it can call the view). RequestIdMiddleware stays right
# after SecurityMiddleware (production inserts whitenoise at index 1, in front of it).
MIDDLEWARE.insert(1, "config.middleware.RequestIdMiddleware")
MIDDLEWARE.insert(2, "config.middleware.ErrorPageMiddleware")
MIDDLEWARE.append("config.middleware.TransactionMiddleware")
TEMPLATES[0]["OPTIONS"]["builtins"] = ["operations.templatetags.form_guard"]  # {% form_guard %} in every form
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
# A connection kept open across requests is checked before its first use in a request, so the first request after a
# database restart reconnects instead of failing. Connecting gives up after DB_CONNECT_TIMEOUT seconds (a 503 page).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(os.environ.get("DB_CONNECT_TIMEOUT", "5"))
    # PostgreSQL's JIT compiles any query whose estimated cost passes jit_above_cost. This site's large queries
    # (rankings, reports and lists with a correlated subquery per row) are estimated dear and run fast: the
    # province 年度报告's ranking spent 3.0 s compiling for 0.6 s of work. Off for the site's connections; DB_JIT=on
    # leaves the server's own setting.
    if os.environ.get("DB_JIT", "off").lower() not in ("on", "1", "true"):
        DATABASES["default"]["OPTIONS"]["options"] = "-c jit=off"
# JSON lines (LOG_FORMAT=json, production's default) or text; each line carries the request's id.
LOGGING["formatters"] = {
    "json": {"()": "config.logformat.JsonFormatter"},
    "text": {"()": "config.logformat.TextFormatter",
             "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
}
LOGGING["handlers"]["console"]["formatter"] = os.environ.get("LOG_FORMAT", "text")
LOGGING["loggers"]["access"] = {"level": os.environ.get("ACCESS_LOG_LEVEL", "INFO")}
# Form tokens (double-submit guard) are kept this many days; `manage.py prune_form_tokens` removes older ones.
FORM_TOKEN_DAYS = int(os.environ.get("FORM_TOKEN_DAYS", "7"))
# Backups (`manage.py backup`): where they go and how many are kept.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", BASE_DIR / "backups"))
BACKUP_KEEP = int(os.environ.get("BACKUP_KEEP", "14"))
# Uploads go through a storage that turns a full disk or a read-only media folder into a Chinese message and leaves
# no partial file (operations.storage).
STORAGES = {
    "default": {"BACKEND": "operations.storage.SafeFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# --- Security (helper "sec"): audit retention, second factor, password ageing, proxies, headers ---
# Audit rows younger than this are never deleted (manage.py purge_audit refuses; on PostgreSQL so does a trigger).
AUDIT_RETENTION_DAYS = max(180, int(os.environ.get("AUDIT_RETENTION_DAYS", "180")))
# Passwords expire after this many days (0: never); a new one may not repeat the last PASSWORD_HISTORY_COUNT.
PASSWORD_MAX_AGE_DAYS = int(os.environ.get("PASSWORD_MAX_AGE_DAYS", "90"))
PASSWORD_HISTORY_COUNT = int(os.environ.get("PASSWORD_HISTORY_COUNT", "5"))
# Second factor (TOTP, django-otp): the issuer name shown in the phone's authenticator app.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "第一书记管理系统")
RECOVERY_CODE_COUNT = 10
# Headers on every rendered response (accounts.middleware.SecurityHeadersMiddleware). Scripts and style sheets
# only from this site (no inline <script>, no on*= handlers, no <style> blocks); style attributes allowed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-elem 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), midi=(), "
    "accelerometer=(), gyroscope=(), magnetometer=(), display-capture=(), fullscreen=(self)"
)
# Background jobs and notifications (reach): django-tasks with its database backend — no broker; `make run` starts a
# db_worker beside runserver, production runs `manage.py db_worker` as its own service (docs/readme/reach.md).
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
JOB_RETRIES = int(os.environ.get("JOB_RETRIES", "3"))  # a failed job runs again up to this many times
# A running job stamps a heartbeat this often; one without a heartbeat for JOB_LOST_AFTER_SECONDS lost its worker
# (killed, out of memory, machine restarted): manage.py recover_jobs (and the job's page) fail or requeue it.
JOB_HEARTBEAT_SECONDS = float(os.environ.get("JOB_HEARTBEAT_SECONDS", "15"))
JOB_LOST_AFTER_SECONDS = float(os.environ.get("JOB_LOST_AFTER_SECONDS", "120"))
NOTIFY_RETRIES = int(os.environ.get("NOTIFY_RETRIES", "4"))  # external deliveries: attempts after the first
NOTIFY_BACKOFF_SECONDS = int(os.environ.get("NOTIFY_BACKOFF_SECONDS", "60"))  # 60 s, 120 s, 240 s, 480 s
NOTIFY_TIMEOUT = float(os.environ.get("NOTIFY_TIMEOUT", "5"))  # seconds for a webhook or SMS request
# An announcement to more people than this is sent by the task worker (its messages in batches), not in the request.
NOTIFY_INLINE_MAX = int(os.environ.get("NOTIFY_INLINE_MAX", "500"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@dyfs.local")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
REPORT_SYNC_MAX_PEOPLE = int(os.environ.get("REPORT_SYNC_MAX_PEOPLE", "2000"))  # larger yearly reports run as jobs
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")  # links in messages that leave the site
# --- pdata: 身份证号 and phones encrypted at rest (accounts/crypto.py) ---
# FIELD_ENCRYPTION_KEYS: comma-separated, newest first (32 random bytes each, urlsafe base64); FIELD_HASH_KEY: the
# key of the lookup hash. Or FIELD_KEYS_FILE: a file outside the repository with the same two NAME=value lines.
# Without either, development and tests use fixed dev keys (`check` warns); production.py refuses to start.
def _field_keys():
    found = {name: os.environ.get(name, "") for name in ("FIELD_ENCRYPTION_KEYS", "FIELD_HASH_KEY")}
    if os.environ.get("FIELD_KEYS_FILE"):
        for line in Path(os.environ["FIELD_KEYS_FILE"]).read_text(encoding="utf-8").splitlines():
            name, _, value = line.partition("=")
            if name.strip() in found and not found[name.strip()]:
                found[name.strip()] = value.strip()
    return [k.strip() for k in found["FIELD_ENCRYPTION_KEYS"].split(",") if k.strip()], found["FIELD_HASH_KEY"]


FIELD_ENCRYPTION_KEYS, FIELD_HASH_KEY = _field_keys()
FIELD_KEYS_FROM_ENVIRONMENT = bool(FIELD_ENCRYPTION_KEYS and FIELD_HASH_KEY)
# Public, fixed, for development and tests only: never protects real data.
FIELD_DEV_ENCRYPTION_KEY = "ZGV2LW9ubHkgZmllbGQga2V5LCBuZXZlciBwcm9kISE="
FIELD_DEV_HASH_KEY = "ZGV2LW9ubHkgaGFzaCBrZXksIG5ldmVyIGluIHByb2Q="
FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or [FIELD_DEV_ENCRYPTION_KEY]
FIELD_HASH_KEY = FIELD_HASH_KEY or FIELD_DEV_HASH_KEY
# Field work (spot checks that cannot be gamed, 约谈, evidence photos; need → resource matching). The share of a
# spot-check draw's places drawn purely at random from everyone (the rest go to whoever was checked longest ago);
# a secretary found 不在岗 is re-checked within PRESENCE_RECHECK_DAYS days, outside the regular draw.
PRESENCE_RANDOM_SHARE = float(os.environ.get("PRESENCE_RANDOM_SHARE", "0.25"))
PRESENCE_RECHECK_DAYS = int(os.environ.get("PRESENCE_RECHECK_DAYS", "7"))
# Someone under a notice not yet closed (约谈 not recorded) is added to each round of their area with this chance.
PRESENCE_WATCH_CHANCE = float(os.environ.get("PRESENCE_WATCH_CHANCE", "0.5"))

# Province scale (scale): the dashboard's totals scan every village of the region; they are cached per region and
# role for this many seconds (0 = no cache). The page says "数据每分钟更新". City and province totals are a row kept
# by a background refresh (dashboards/summary.py); a row older than DASHBOARD_STALE_SECONDS is recomputed in the
# request.
DASHBOARD_CACHE_SECONDS = int(os.environ.get("DASHBOARD_CACHE_SECONDS", "60"))
DASHBOARD_STALE_SECONDS = int(os.environ.get("DASHBOARD_STALE_SECONDS", "900"))
# A bulk writer (seed_demo, roster and score imports) that wrote at least this many rows runs ANALYZE on the tables
# it filled after committing (PostgreSQL), so pages are planned with fresh statistics right away.
ANALYZE_MIN_ROWS = int(os.environ.get("ANALYZE_MIN_ROWS", "1000"))
