"""Before a logged-in user reaches any page: the second factor, then a password change when one is due."""

import datetime
import logging
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware

from .checks import XFF_SEEN_KEY
from .otp import is_verified, needs_second_factor

logger = logging.getLogger(__name__)


def password_change_due(user):
    """An initial password (set by an administrator) or one older than PASSWORD_MAX_AGE_DAYS must be changed."""
    if user.must_change_password:
        return "您的账号使用的是初始密码，请先设置自己的新密码。"
    days = settings.PASSWORD_MAX_AGE_DAYS
    changed = user.password_changed_at
    if days and changed and user.has_usable_password() and timezone.now() - changed > datetime.timedelta(days=days):
        return f"您的密码已使用超过 {days} 天，请修改密码后继续。"
    return None


class SecondFactorMiddleware:
    """Send a user who still owes the second factor (or a new password) to the page that collects it.

    Only pages that let them get there stay open: the second-factor pages, the password change, logging out,
    static files and the health check.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not self.always_open(request.path):
            if needs_second_factor(user) and not is_verified(user):
                if not request.path.startswith(reverse("accounts:otp_verify")):  # setup lives under it too
                    target = "accounts:otp_verify" if user.otp_enabled else "accounts:otp_setup"
                    return self.send(request, target)
            elif password_change_due(user) and request.path != reverse("password_change"):
                return self.send(request, "password_change")
        return self.get_response(request)

    @staticmethod
    def always_open(path):
        return (path.startswith(("/" + settings.STATIC_URL.lstrip("/"), "/" + settings.MEDIA_URL.lstrip("/")))
                or path in (reverse("logout"), reverse("login"), reverse("healthz")))

    @staticmethod
    def send(request, target):
        url = reverse(target)
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)


class ForwardedForWatch:
    """Note (at most once a minute per process) that a request carried X-Forwarded-For while PROXY_COUNT is 0."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.noted_at = 0.0

    def __call__(self, request):
        if not settings.PROXY_COUNT and "HTTP_X_FORWARDED_FOR" in request.META:
            now = time.monotonic()
            if now - self.noted_at > 60:
                self.noted_at = now
                note = {"at": f"{timezone.localtime():%Y-%m-%d %H:%M}", "remote": request.META.get("REMOTE_ADDR")}
                try:
                    cache.set(XFF_SEEN_KEY, note, timeout=30 * 24 * 3600)
                except Exception:  # a cache outage must not take the page down
                    logger.warning("could not record X-Forwarded-For sighting in the cache", exc_info=True)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Content-Security-Policy, Permissions-Policy and `Cache-Control: no-store` on every page the app renders.

    Every asset is self-hosted and no template carries an inline script or event handler (see static/js/), so the
    policy allows scripts and style sheets from this site only. Style *attributes* stay allowed (style-src-attr):
    bars and progress widths are computed per row, and a style attribute cannot run code.
    No dynamic response is stored by the browser or a proxy: nearly all of them show personal data, and the
    back button after logging out must not bring a roster back. (Static files are served before this point.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        patch_cache_control(response, no_store=True)  # merged: a view's "private" stays, no-store always wins
        response.setdefault("Pragma", "no-cache")
        return response


class SessionOTPMiddleware(OTPMiddleware):
    """django-otp's middleware without its query on every request.

    django_otp.login() writes the device's id into the session only for that device's owner, and Django's login()
    flushes the session when another user logs in, so the id's presence is the verification; the device itself is
    loaded only if something asks for `user.otp_device`. A verified session ends with the session (logout, idle
    timeout, a password change or reset).
    """

    def _verify_user_sync(self, request, user):
        self._init_user_fields(user)
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY) if user.is_authenticated else None
        if persistent_id:
            user.otp_device = SimpleLazyObject(lambda: self._device_from_persistent_id(persistent_id))
            user.is_verified = lambda: True
        return user
