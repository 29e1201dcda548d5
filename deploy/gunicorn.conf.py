"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py config.wsgi`.

Every value can be overridden from the environment (the systemd unit reads /etc/dyfs/env).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
# Sync workers: each request holds one process. 2 × cores + 1 is gunicorn's rule of thumb; on the 2-core reference
# machine that is 5. Each worker needs about 150–250 MB (more during a large import or report).
workers = int(os.environ.get("GUNICORN_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
worker_class = "sync"
# A request that runs longer than this is killed (and its transaction rolled back). The database cancels a
# statement first (DB_STATEMENT_TIMEOUT, 25 s by default), so the user gets a message rather than a dropped line.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle each worker after about this many requests, so slow memory growth never accumulates.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "100"))
# The app writes its own access line (JSON, with the request id and user id); gunicorn writes only its errors.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Only nginx on this machine may set X-Forwarded-* for gunicorn itself; the app reads the client address with
# PROXY_COUNT (see the nginx example).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Request line and header limits (defaults are generous; uploads are in the body and limited by nginx and the app).
limit_request_line = 8190
proc_name = "dyfs"
