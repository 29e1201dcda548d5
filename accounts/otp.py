"""The second factor: who needs it, enrolling a TOTP device, recovery codes, and the code a device shows now.

County and city administrators, superusers and whoever may see full 身份证号 must log in with a code from an
authenticator app (TOTP, RFC 6238, django-otp); other roles may turn it on. Until the session is verified, the
middleware sends them to enter a code (or, before they have a device, to enrol one).
"""

from base64 import b32encode

import segno
from django.conf import settings
from django.db import transaction
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit
from .models import AuditLog

TOTP_NAME = "手机令牌"
RECOVERY_NAME = "恢复码"


def second_factor_required(user):
    """Whoever can see everything: administrators (county or city), superusers, anyone shown full numbers."""
    return bool(user.is_superuser or user.is_county_admin or user.sees_full_id_numbers)


def needs_second_factor(user):
    return second_factor_required(user) or user.otp_enabled


def is_verified(user):
    """Whether this request's session passed the second factor (OTPMiddleware sets is_verified)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def pending_device(user):
    """The unconfirmed TOTP device being enrolled (created on first sight, same secret until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def qr_svg(device):
    """The device's otpauth:// URL as an inline SVG QR code (drawn here: nothing is fetched from the internet)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#000", light="#fff")


def secret_text(device):
    """The secret in base32, in groups of four, for typing into an app by hand."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


@transaction.atomic
def totp_confirm(*, user, device, token, request=None):
    """Confirm an enrolment with the code it shows now; returns the new recovery codes or None if wrong."""
    if device.user_id != user.pk or device.confirmed or not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    user.otp_enabled = True
    user.save(update_fields=["otp_enabled"])
    codes = recovery_codes_reset(user=user)
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=user,
                 changes={"otp_enabled": ["未启用", "已启用两步验证"]})
    return codes


@transaction.atomic
def recovery_codes_reset(*, user, count=None):
    """Replace the user's recovery codes with new one-time codes; the clear codes exist only in the return value."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(count or settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_code_add(*, user):
    """One extra one-time recovery code (the demo prints one so a newcomer can log in as the demo admin)."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    code = StaticToken.random_token()
    StaticToken.objects.create(device=device, token=code)
    return code


def recovery_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY_NAME).count()


@transaction.atomic
def second_factor_disable(*, user, request=None):
    """Turn an opted-in second factor off (refused for whoever must have one)."""
    if second_factor_required(user):
        raise ValueError("该账号必须使用两步验证。")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    user.otp_enabled = False
    user.save(update_fields=["otp_enabled"])
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=user,
                 changes={"otp_enabled": ["已启用两步验证", "未启用"]})


def current_token(device):
    """The code the device's app would accept next (for tests and the browser test; never shown in the UI).

    A TOTP code is accepted once: after a login in this 30-second step, the next step's code is used.
    """
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    step = max(totp.t(), device.last_t + 1)
    return f"{hotp(device.bin_key, step, digits=device.digits):0{device.digits}d}"


@transaction.atomic
def demo_second_factor(user):
    """For a demo account only: make sure it has a phone device and give one new one-time recovery code.

    `manage.py demo_logins` prints the code (and the secret, for an authenticator app) so that a newcomer can log in
    as the demo county administrator without a phone set up beforehand.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=True)
        type(user).objects.filter(pk=user.pk).update(otp_enabled=True)
    return recovery_code_add(user=user), secret_text(device)


@transaction.atomic
def second_factor_reset(*, actor, user, request=None):
    """A lost phone: remove the user's devices and recovery codes; they enrol again at their next login."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    type(user).objects.filter(pk=user.pk).update(otp_enabled=False)
    audit.record(user=actor, request=request, action=AuditLog.Action.UPDATE, obj=user,
                 changes={"otp_enabled": ["已启用两步验证", "已重置，下次登录重新绑定手机"]})
