"""Small builders for test data: a region tree, villages, units, secretaries, assignments, users."""

import datetime
import itertools

from accounts.models import User
from accounts.roles import Role
from secretaries import idcard
from secretaries.models import Assignment, Batch, DispatchLevel, DispatchUnit, Secretary
from villages.models import Region
from villages.services import region_create, village_create

PASSWORD = "Test@2024pw"
_sequence = itertools.count(1)


def township(county, name):
    return region_create(name=name, level=Region.Level.TOWNSHIP, parent=county)


def village(township_region, name=None, **tags):
    return village_create(township=township_region, name=name or f"测试{next(_sequence)}村", **tags)


def unit(region, name=None, level=DispatchUnit.Level.COUNTY):
    return DispatchUnit.objects.create(name=name or f"县直单位{next(_sequence)}", level=level, region=region)


def id_number(born=datetime.date(1985, 3, 14)):
    return idcard.make("370828", born, next(_sequence) % 1000)


def secretary(region, unit_obj, name=None, **fields):
    return Secretary.objects.create(
        name=name or f"书记{next(_sequence)}",
        id_number=fields.pop("id_number", None) or id_number(),
        phone=fields.pop("phone", "13805371234"),
        unit=unit_obj,
        region=region,
        **fields,
    )


def batch(region, name="2024—2026年派驻批次"):
    return Batch.objects.get_or_create(
        region=region, name=name,
        defaults={"start_date": datetime.date(2024, 3, 1), "end_date": datetime.date(2026, 2, 28)},
    )[0]


def assign(secretary_obj, village_obj, batch_obj, role=Assignment.Duty.FIRST_SECRETARY,
           start=datetime.date(2024, 3, 1), end=datetime.date(2026, 2, 28), status=Assignment.Status.ACTIVE):
    assignment = Assignment.objects.create(
        secretary=secretary_obj, village=village_obj, batch=batch_obj, dispatch_level=DispatchLevel.COUNTY,
        role=role, start_date=start, end_date=end, status=status,
    )
    if status == Assignment.Status.ACTIVE:
        Secretary.objects.filter(pk=secretary_obj.pk).update(region=village_obj.region)
        secretary_obj.region = village_obj.region
    return assignment


def user(username, role, region, **fields):
    return User.objects.create_user(username=username, password=PASSWORD, role=role, region=region,
                                    name=fields.pop("name", username), **fields)


def totp_device(user_obj):
    """The user's confirmed TOTP device (made on first call): the phone a test enters codes from."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user_obj, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user_obj, name="手机令牌", confirmed=True)
        type(user_obj).objects.filter(pk=user_obj.pk).update(otp_enabled=True)
        user_obj.otp_enabled = True
    return device


def form_login(client, username, password=PASSWORD, **extra):
    """Log in through the login form (following redirects); behind the second factor, enter the device's code.

    Returns the last response, as `client.post(..., follow=True)` would for an account without the factor.
    """
    from django.urls import reverse

    from accounts.otp import current_token, needs_second_factor

    account = User.objects.filter(username=username).first()
    device = totp_device(account) if account and needs_second_factor(account) else None
    response = client.post(reverse("login"), {"username": username, "password": password}, follow=True, **extra)
    if device is not None and response.redirect_chain and "/account/otp/" in response.redirect_chain[-1][0]:
        device.refresh_from_db()
        response = client.post(response.redirect_chain[-1][0], {"token": current_token(device)}, follow=True, **extra)
    return response


__all__ = ["Role", "PASSWORD"]
