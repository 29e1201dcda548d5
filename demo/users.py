"""The demo accounts, one per role, (re)set on every seed run so their password is always known."""

import os

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from accounts.models import User
from accounts.roles import Role
from secretaries.models import Assignment, DispatchUnit, Secretary
from villages.models import Region

from .places import HOME_COUNTY

DEFAULT_PASSWORD = "Demo@2024"

# username, role, display name ("" = the linked secretary's own name), where the account hangs
DEMO_USERS = [
    ("county_admin", Role.COUNTY_ADMIN, "张明远", "county"),
    ("township", Role.TOWNSHIP, "李卫东", "township"),
    ("township2", Role.TOWNSHIP, "王秀兰", "township2"),
    ("secretary", Role.SECRETARY, "", "county"),
    ("unit_contact", Role.UNIT_CONTACT, "赵丽娟", "county"),
    ("leader", Role.LEADER, "孙建国", "county"),
]


def demo_password():
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD


def home_county(root=None):
    """The county the demo accounts hang on: 金乡县 under `root` if given, else the first one found."""
    counties = Region.objects.filter(level=Region.Level.COUNTY)
    if root is not None:
        counties = counties.filter(path__startswith=root.path)
    return (counties.filter(name=HOME_COUNTY).order_by("path").first() or counties.order_by("path").first()
            or Region.objects.order_by("path").first())


def demo_places(county):
    """The two townships with most villages needing a secretary, the secretary and the unit for the accounts."""
    towns = list(
        Region.objects.filter(parent=county, level=Region.Level.TOWNSHIP)
        .annotate(n=Count("children", filter=Q(children__village__needs_secretary=True)))
        .order_by("-n", "path")[:2]
    )
    town1 = towns[0] if towns else county
    town2 = towns[1] if len(towns) > 1 else town1
    active = Assignment.objects.active_first_secretaries()
    assignment = (
        active.filter(village__region__path__startswith=town1.path).order_by("village__region__path", "pk").first()
        or active.filter(village__region__path__startswith=county.path).order_by("village__region__path", "pk").first()
    )
    secretary = assignment.secretary if assignment else (
        Secretary.objects.filter(region__path__startswith=county.path).order_by("pk").first()
    )
    unit = (
        DispatchUnit.objects.filter(region=county).annotate(n=Count("secretaries"))
        .order_by("-n", "name").first()
    )
    return {"county": county, "township": town1, "township2": town2}, secretary, unit


def ensure_demo_users(county, log=print):
    """Create or reset the six demo accounts on `county` (a Region); return [(user, note), ...]."""
    if county is None:
        log("没有任何行政区域，未创建演示账号。")
        return []
    places, secretary, unit = demo_places(county)
    password = demo_password()
    try:
        validate_password(password)
    except ValidationError as error:
        log(f"提示：DEMO_PASSWORD 不符合密码规则（{'；'.join(error.messages)}），仅供演示，仍照此设置。")
    result = []
    for username, role, name, where in DEMO_USERS:
        user = User.objects.filter(username=username).first() or User(username=username)
        # A login keeps pointing at the same person and place across runs, whatever the data became meanwhile.
        kept = Secretary.objects.filter(user=user).first() if user.pk and role == Role.SECRETARY else None
        if kept is not None:
            secretary = kept
        user.role, user.is_active = role, True
        if user.region_id is None or not user.region.path.startswith(county.path):
            user.region = places[where]
        user.name = (secretary.name if secretary else "第一书记") if role == Role.SECRETARY else name
        user.set_password(password)
        user.save()
        if AccessAttempt.objects.filter(username=username).exists():
            axes_reset(username=username)  # unlock an account locked by earlier failed logins
        note = ""
        if role == Role.SECRETARY:
            Secretary.objects.filter(user=user).exclude(pk=getattr(secretary, "pk", None)).update(user=None)
            if secretary is not None:
                Secretary.objects.filter(pk=secretary.pk).update(user=user)
                note = f"关联第一书记 {secretary.name}"
        if role == Role.UNIT_CONTACT:
            unit = user.contact_units.order_by("pk").first() or unit
            user.contact_units.set([unit] if unit else [])
            if unit is not None:
                note = f"联络单位 {unit.name}"
        result.append((user, note))
    return result
