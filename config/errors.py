"""Error pages in Chinese, inside the site's layout: what happened, why (when the code gave a reason meant for
users), and where to go next. The 503 page needs nothing from the database; the 500 page shows the request id so a
user can report it."""

import logging
import re
import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme

logger = logging.getLogger("config.errors")

CJK = re.compile(r"[\u4e00-\u9fff]")
UNAVAILABLE = "系统暂时不可用，请稍后再试"
OUT_OF_RANGE = "提交的内容超出了允许的范围（例如数字过大、编号不存在或文字过长），这次没有保存任何内容。"

# What a page says when the code raised without a reason meant for users.
DEFAULT_REASONS = {
    400: "请求的内容不完整或格式不对。",
    403: "您的账号没有权限查看或办理这一项。",
    404: "您要找的页面或记录不存在，或者不在您的管辖范围内。",
    405: "这个地址不能这样打开：它只接受页面上的按钮提交，不能直接在地址栏访问或刷新。",
    409: "保存时与他人同时提交的修改发生冲突，这次没有保存任何内容。",
    500: "系统处理这个请求时出了错，没有保存任何内容。",
    503: "数据库暂时连不上（可能正在重启或维护），这次操作没有完成。",
    507: "服务器的文件存储空间已满或暂时不可写，文件没有保存，其他内容也未保存。",
}
TITLES = {400: "请求有误", 403: "没有权限", 404: "页面不存在", 405: "访问方式不对", 409: "保存冲突", 500: "系统出错",
          503: UNAVAILABLE, 507: "文件无法保存"}


def reason_for_users(exc):
    """The exception's message if it was written for users (Chinese), else None: never English internals."""
    if exc is None or not exc.args or not isinstance(exc.args[0], str):  # Resolver404 carries a dict
        return None
    message = exc.args[0]
    return message if CJK.search(message) and len(message) < 500 else None


def concurrent_writes(exc):
    """True when the database gave way to one of two transactions writing at once (a deadlock, a serialization
    failure): nothing of this one was written; submitting again works."""
    return isinstance(exc, OperationalError) and getattr(exc.__cause__, "sqlstate", None) in ("40P01", "40001")


def database_unavailable(exc):
    """True for the database errors that mean "cannot reach the database" rather than "bad query"."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    return isinstance(exc, DatabaseError) and "connection" in str(exc).lower()


def _back(request):
    """The page the user came from, when it is one of ours and not this one."""
    referer = request.META.get("HTTP_REFERER", "")
    if not referer or not url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        return ""
    return "" if referer.endswith(request.path) else referer


def render_error(request, status, *, reason=None, template=None):
    context = {
        "status": status, "title": TITLES[status], "reason": reason or DEFAULT_REASONS[status],
        "request_id": getattr(request, "request_id", ""), "back": _back(request),
    }
    try:
        body = loader.render_to_string(template or f"{status}.html", context, request=request)
    except Exception:  # the layout itself needs the database (the user, the menu): fall back to a plain page
        logger.warning("error page %s rendered without the layout", status, exc_info=True)
        body = loader.render_to_string("errors/plain.html", context)
    response = HttpResponse(body, status=status)
    response.chinese_page = True
    if status == 503:
        response["Retry-After"] = "30"
    return response


def bad_request(request, exception=None):
    return render_error(request, 400, reason=reason_for_users(exception), template="errors/400.html")


def permission_denied(request, exception=None):
    return render_error(request, 403, reason=reason_for_users(exception))


def page_not_found(request, exception=None):
    return render_error(request, 404, reason=reason_for_users(exception))


def method_not_allowed(request):
    return render_error(request, 405, template="errors/layout.html")


def conflict(request):
    return render_error(request, 409, template="errors/409.html")


def unavailable(request):
    return render_error(request, 503, template="errors/503.html")


def storage_failed(request):
    return render_error(request, 507, template="errors/507.html")


def server_error(request):
    """handler500: called while Django handles the exception, so sys.exc_info() still names it."""
    exc = sys.exc_info()[1]
    if exc is not None and database_unavailable(exc):
        return unavailable(request)
    return render_error(request, 500)


def csrf_failure(request, reason=""):
    return render_error(request, 403, template="errors/csrf.html",
                        reason="页面已经过期或者不是从本系统打开的，为安全起见这次提交没有被接受。请刷新页面后重新提交。")

