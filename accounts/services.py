"""Account services: create, deactivate, reactivate, reset; every change commits with its audit row."""

from django.core.exceptions import ValidationError
from django.db import transaction

from . import audit
from .models import AuditLog


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
    audit.record(user=actor, request=request, action=AuditLog.Action.UPDATE, obj=user,
                 changes={"is_active": [not active, active]})
    return user
