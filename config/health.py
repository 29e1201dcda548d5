"""GET /healthz: is this app server able to serve? JSON for load balancers and monitoring.

The database decides the status code (503 when it does not answer: nothing works without it). The cache and the
task queue are reported too; a failure there makes the answer "degraded" but still 200, so a load balancer does not
take every app server out because Redis restarts. Monitoring that wants any failure as 503 asks `/healthz?strict=1`.
"""

import time
import uuid

from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _timed(check):
    started = time.monotonic()
    try:
        result = check() or {}
        result["ok"] = True
    except Exception as exc:  # any failure of the part means "not healthy"; the type says which
        result = {"ok": False, "error": type(exc).__name__}
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


def check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        connection.close()  # a broken connection is not reused by the next request
        raise
    return {"vendor": connection.vendor}


def check_cache():
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not keep a value")
    cache.delete(key)
    return {"backend": type(cache).__name__}


def check_tasks():
    """The database task queue (django_tasks_db), when installed: how many tasks wait, and since when."""
    if not apps.is_installed("django_tasks_db"):
        return {"installed": False}
    from django_tasks_db.models import DBTaskResult  # optional dependency, present only when the worker is used

    waiting = DBTaskResult.objects.ready()
    oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    return {"installed": True, "waiting": waiting.count(),
            "oldest_wait_s": round((timezone.now() - oldest).total_seconds()) if oldest else 0}


@transaction.non_atomic_requests  # never a transaction (or a token) around the probe
@never_cache
@require_GET
def healthz(request):
    checks = {"database": _timed(check_database), "cache": _timed(check_cache)}
    checks["tasks"] = _timed(check_tasks) if checks["database"]["ok"] else {"ok": False, "error": "database"}
    healthy = all(check["ok"] for check in checks.values())
    status = 200
    if not checks["database"]["ok"] or (not healthy and request.GET.get("strict")):
        status = 503
    return JsonResponse({"status": "ok" if healthy else ("degraded" if status == 200 else "unavailable"),
                         "checks": checks}, status=status, json_dumps_params={"ensure_ascii": False})
