"""Write audit records. Views, the admin and services call `record()`; nothing happens in signals."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType

from .models import AuditLog, actor_role
from .scoping import region_of

# Fields whose values never go into the audit trail, only the fact that they changed.
# Phones are as personal as the ID number, and the keyed hashes stand in for both.
SECRET_FIELDS = {"id_number", "phone", "id_number_hash", "phone_hash", "password", "password1", "password2"}
HIDDEN = "（已隐藏）"


def client_ip(request):
    """The client's address: REMOTE_ADDR, or behind PROXY_COUNT proxies the entry they added to X-Forwarded-For."""
    if request is None:
        return None
    proxies = settings.PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def diff(before, after, fields):
    """{field: [old, new]} for the fields whose value changed; secret fields masked."""
    changes = {}
    for field in fields:
        old, new = before.get(field), after.get(field)
        if old != new:
            changes[field] = [HIDDEN, HIDDEN] if field in SECRET_FIELDS else [_plain(old), _plain(new)]
    return changes


def snapshot(obj, fields=None):
    """The concrete field values of a model instance, by attribute name."""
    names = fields or [f.attname for f in obj._meta.concrete_fields]
    return {name: getattr(obj, name) for name in names}


def record(*, user, request=None, action, obj, changes=None):
    if action == AuditLog.Action.CREATE and changes is None:
        changes = {k: (HIDDEN if k in SECRET_FIELDS else _plain(v)) for k, v in snapshot(obj).items()}
    region = region_of(obj)
    actor = user if user is not None and user.is_authenticated else None
    return AuditLog.objects.create(
        user=actor,
        username=actor.username if actor else "",
        user_role=actor_role(actor) if actor else "",
        ip_address=client_ip(request),
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=changes or {},
        region=region if region is not None and region.pk else None,
    )
