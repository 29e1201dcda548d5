"""Account services: create, deactivate, reactivate, reset; every change commits with its audit row."""

import secrets

from axes.utils import reset as axes_reset
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction

from . import audit
from .models import AuditLog, User
from .roles import Role


def user_has_acted(user):
    """True once an audit row names the user: from then on the account is kept for the record."""
    return AuditLog.objects.filter(user=user).exists()


@transaction.atomic
def user_set_active(*, actor, user, active, request=None):
    """停用 / 启用 an account. A deactivated account cannot log in; its audit rows keep naming it."""
    if user.pk == actor.pk and not active:
        raise ValidationError("不能停用自己的账号。")
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    if active:
        axes_reset(username=user.username)
    audit.record(user=actor, request=request, action=AuditLog.Action.UPDATE, obj=user,
                 changes={"is_active": [not active, active]})
    return user


# Roles a county (or city) administrator creates and manages on the account pages; administrators are
# created by a superuser (createsuperuser, /admin/).
MANAGED_ROLES = (Role.TOWNSHIP, Role.UNIT_CONTACT, Role.LEADER, Role.SECRETARY)
SECRETARY_USERNAME_PREFIX = "sj"
PASSWORD_ALPHABETS = ("ABCDEFGHJKMNPQRSTUVWXYZ", "abcdefghjkmnpqrstuvwxyz", "23456789")


def initial_password(length=10):
    """A random password that is easy to read off a slip (no 0/O, 1/l/I) and has upper, lower and digits."""
    alphabet = "".join(PASSWORD_ALPHABETS)
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(ch in kind for ch in password) for kind in PASSWORD_ALPHABETS):
            return password


def may_manage(actor, user):
    """Whether `actor` may deactivate, reactivate or reset `user` (scope is checked by the caller's queryset)."""
    return actor.is_county_admin and user.pk != actor.pk and not user.is_superuser and user.role in MANAGED_ROLES


def _with_initial_password(user):
    password = initial_password()
    user.set_password(password)
    user.must_change_password = True  # set_password cleared it: the slip's password is to be changed at once
    return password


@transaction.atomic
def user_create(*, actor, username, name, role, region, unit=None, request=None):
    """A new account with a one-time initial password; returns (user, password). The password is never stored."""
    if role not in MANAGED_ROLES or role == Role.SECRETARY:
        raise ValidationError({"role": "这里只能建立镇街工作人员、派出单位联络人和县领导的账号。"})
    if role == Role.UNIT_CONTACT and unit is None:
        raise ValidationError({"unit": "派出单位联络人须指定所联络的派出单位。"})
    user = User(username=username, name=name, role=role, region=region)
    password = _with_initial_password(user)
    user.full_clean()
    user.save()
    if unit is not None and role == Role.UNIT_CONTACT:
        unit.contacts.add(user)
    audit.record(user=actor, request=request, action=AuditLog.Action.CREATE, obj=user, changes={
        "username": username, "name": name, "role": role, "region": str(region),
        **({"unit": str(unit)} if unit is not None and role == Role.UNIT_CONTACT else {}), "password": audit.HIDDEN,
    })
    return user, password


@transaction.atomic
def user_reset_password(*, actor, user, request=None):
    """A new one-time initial password (to be changed at the next login); returns it."""
    if not may_manage(actor, user):
        raise ValidationError("您不能重置该账号的密码。")
    password = _with_initial_password(user)
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    # Whoever had the old password is out (their sessions' hash no longer matches); a lockout is lifted.
    axes_reset(username=user.username)
    audit.record(user=actor, request=request, action=AuditLog.Action.UPDATE, obj=user,
                 changes={"password": [audit.HIDDEN, "已重置为初始密码"]})
    return password


def secretaries_without_login(actor):
    """Serving secretaries (an active assignment of any duty) in the actor's region who have no login yet."""
    Secretary = apps.get_model("secretaries", "Secretary")
    Assignment = apps.get_model("secretaries", "Assignment")
    serving = Assignment.objects.filter(status="active").values("secretary_id")
    return (Secretary.objects.for_user(actor).filter(pk__in=serving, user__isnull=True)
            .select_related("unit", "region__parent__parent").order_by("region__path", "name", "pk"))


def next_secretary_usernames(count):
    """`sj` + a five-digit serial, continuing after the highest one in use: sj00001, sj00002 …

    Nothing personal (no name, no ID or phone number) goes into a user name.
    """
    taken = User.objects.filter(username__regex=rf"^{SECRETARY_USERNAME_PREFIX}[0-9]+$").values_list(
        "username", flat=True)
    start = max((int(name[len(SECRETARY_USERNAME_PREFIX):]) for name in taken), default=0) + 1
    return [f"{SECRETARY_USERNAME_PREFIX}{serial:05d}" for serial in range(start, start + count)]


@transaction.atomic
def secretary_logins_create(*, actor, request=None):
    """Give every serving secretary in the actor's region who has none a login, linked to their record.

    Returns [(secretary, user, password)]; the passwords exist only in the return value.
    """
    if not actor.is_county_admin:
        raise ValidationError("只有县委组织部管理员可以批量建立第一书记账号。")
    people = list(secretaries_without_login(actor).select_for_update(of=("self",)))
    created = []
    for person, username in zip(people, next_secretary_usernames(len(people)), strict=True):
        user = User(username=username, name=person.name, role=Role.SECRETARY, region=_county_of(person.region))
        password = _with_initial_password(user)
        user.full_clean(validate_unique=False)  # a serial taken meanwhile is the database's IntegrityError
        user.save()
        person.user = user
        person.save(update_fields=["user"])
        audit.record(user=actor, request=request, action=AuditLog.Action.CREATE, obj=user, changes={
            "username": username, "name": person.name, "role": Role.SECRETARY, "第一书记": person.pk,
            "password": audit.HIDDEN,
        })
        created.append((person, user, password))
    return created


def _county_of(region):
    """A secretary's login hangs on the county (as the demo's does): their village changes with each rotation."""
    node = region
    while node is not None and node.level not in ("county", "city", "province"):
        node = node.parent
    return node or region
