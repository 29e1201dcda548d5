"""What every request goes through, whatever the view: an id, one transaction per write, Chinese error pages.

- RequestIdMiddleware gives each request an id (or keeps a well-formed X-Request-ID from nginx), returns it in the
  X-Request-ID header, puts it on every log line of the request and on the 500 page, and writes one access line.
- TransactionMiddleware runs every request that may write (any method but GET/HEAD/OPTIONS/TRACE) in one
  database transaction, so a change and its audit record commit together or not at all; it also claims the
  form's one-time token (operations.forms) in that transaction, so the same form posted twice saves once.
  It must come last in MIDDLEWARE: it calls the view itself.
- Exceptions that are the user's business — no permission, not found, the database unavailable, a conflict
  with a concurrent write — become Chinese pages inside the site's layout (config.errors), with DEBUG on or off.
"""

import logging
import re
import time
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import DataError, IntegrityError, InterfaceError, OperationalError, transaction
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from operations.forms import claim, posted_token, settle
from operations.storage import StorageUnavailable, discard_writes, forget_writes, track_writes

from . import errors, textinput
from .logformat import request_id_var

access_log = logging.getLogger("access")
logger = logging.getLogger("config.errors")

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
ALREADY_SUBMITTED = "这份表单刚才已经提交过，没有重复保存。"


def new_request_id(request):
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    return incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex[:16]


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = new_request_id(request)
        token = request_id_var.set(request.request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            # The path only: query strings may carry what users searched for.
            access_log.info("%s %s %s", request.method, request.path, response.status_code, extra={
                "request_id": request.request_id, "method": request.method, "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
                "user_id": _loaded_user_id(request),
            })
            return response
        finally:
            request_id_var.reset(token)


def _loaded_user_id(request):
    """The user's id if the request already loaded it (never a database query just for the log)."""
    user = getattr(request, "user", None)
    wrapped = getattr(user, "_wrapped", None)
    if wrapped is None or not hasattr(wrapped, "pk"):  # lazy and not yet loaded, or not a user object
        return None
    return wrapped.pk


def error_response(request, exc):
    """The Chinese page for an exception the user should hear about, or None to let Django handle it."""
    if isinstance(exc, StorageUnavailable):
        return errors.storage_failed(request)
    if isinstance(exc, PermissionDenied):
        return errors.permission_denied(request, exc)
    if isinstance(exc, Http404):
        return errors.page_not_found(request, exc)
    if isinstance(exc, DataError) and textinput.request_has_control_characters(request):
        # Text read outside a form (forms refuse it themselves): PostgreSQL refuses NUL in text and \u0000 in JSON.
        logger.warning("control characters refused by the database: %s", exc)
        return errors.bad_request(request, ValueError(textinput.CONTROL_CHARACTERS))
    if isinstance(exc, (OverflowError, DataError)):  # a number or text the database cannot hold: bad input
        logger.warning("input out of range: %s", exc, exc_info=exc)
        return errors.bad_request(request, ValueError(errors.OUT_OF_RANGE))
    if isinstance(exc, IntegrityError):
        logger.warning("conflicting write refused: %s", exc, exc_info=exc)
        return errors.conflict(request)
    if errors.concurrent_writes(exc):
        logger.warning("a concurrent write won: %s", exc, exc_info=exc)
        return errors.conflict(request)
    if isinstance(exc, (OperationalError, InterfaceError)) or errors.database_unavailable(exc):
        logger.error("database unavailable: %s", exc, exc_info=exc)
        return errors.unavailable(request)
    return None


class ErrorPageMiddleware:
    """Chinese 403/404/409/503 pages for exceptions from views (and from URL resolution with DEBUG on)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (settings.DEBUG and response.status_code == 404 and not getattr(response, "chinese_page", False)
                and response.get("Content-Type", "").startswith("text/html")):
            return errors.page_not_found(request, None)  # the technical 404 of an unknown URL
        if response.status_code == 405 and not response.content:  # require_POST & co. answer with an empty body
            page = errors.method_not_allowed(request)
            page["Allow"] = response.get("Allow", "")
            return page
        return response

    def process_exception(self, request, exc):
        return error_response(request, exc)


class TransactionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in SAFE_METHODS or "default" in getattr(view_func, "_non_atomic_requests", ()):
            return None
        files = track_writes()
        try:
            with transaction.atomic():
                token = posted_token(request)
                if token is not None:
                    earlier = claim(token, request)
                    if earlier is not None:
                        return already_submitted(request, earlier)
                response = view_func(request, *view_args, **view_kwargs)
                if token is not None:
                    settle(token, response)
        except Exception as exc:  # process_exception does not see what we raise here: answer the same way
            discard_writes(files)  # the rows are rolled back: so are the files written for them
            response = error_response(request, exc)
            if response is None:
                raise
            return response
        forget_writes(files)
        return response


def already_submitted(request, earlier):
    messages.info(request, ALREADY_SUBMITTED)
    mine = request.user.is_authenticated and earlier.user_id == request.user.pk
    target = earlier.location if mine and earlier.location else request.path
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = request.path
    return redirect(target)
