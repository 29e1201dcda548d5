"""notify(): record a message for each recipient and queue its delivery through the channels their county and
they chose. Called by the domain services inside their transaction, so a message exists exactly when the change
it reports does (the task engine's queue rows commit in the same transaction)."""

import datetime
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from villages.models import Region

from . import channels
from .models import ChannelSettings, Delivery, Message, Preference

logger = logging.getLogger(__name__)

UNREAD_CACHE_SECONDS = 3600


def unread_key(user_id):
    return f"notifications:unread:{user_id}"


def unread_count(user):
    """The header's badge, kept in the cache: counted at login (and after an hour), then moved up as messages
    arrive and down as they are read, so an ordinary page asks the database nothing for it."""
    key = unread_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = remember_unread(user.pk)
    return count


def remember_unread(user_id):
    count = Message.objects.filter(recipient_id=user_id, read_at__isnull=True).count()
    cache.set(unread_key(user_id), count, UNREAD_CACHE_SECONDS)
    return count


def _add_unread(user_ids, step):
    def apply():
        for user_id in user_ids:
            try:
                cache.incr(unread_key(user_id), step)
            except ValueError:  # not cached: the next page counts
                pass
    transaction.on_commit(apply, robust=True)


def _users(users):
    from accounts.models import User

    ids = {getattr(u, "pk", u) for u in users if u is not None}
    return list(User.objects.filter(pk__in=ids, is_active=True).select_related("region"))


@transaction.atomic
def notify(users, *, kind, title, body="", url="", dedupe_key=""):
    """Record one message per active recipient (skipping any who already have `dedupe_key`) and queue its
    delivery beyond the site. Returns the messages created."""
    start = timezone.now()
    recipients = _users(users)
    if dedupe_key:
        done = set(Message.objects.filter(dedupe_key=dedupe_key, recipient__in=recipients)
                   .values_list("recipient_id", flat=True))
        recipients = [u for u in recipients if u.pk not in done]
    if not recipients:
        return []
    rows = [Message(recipient=u, kind=kind, title=title[:200], body=body, url=url[:300], dedupe_key=dedupe_key)
            for u in recipients]
    if dedupe_key:
        # A parallel run may have sent the same key a moment ago: the constraint keeps one, we carry on with ours.
        Message.objects.bulk_create(rows, ignore_conflicts=True)
        created = list(Message.objects.filter(dedupe_key=dedupe_key, recipient__in=recipients, created_at__gte=start)
                       .select_related("recipient__region").order_by("pk"))
    else:
        created = Message.objects.bulk_create(rows)
    _add_unread([m.recipient_id for m in created], 1)
    _queue_deliveries(created)
    return created


def county_settings(users):
    """{user id: the ChannelSettings of the nearest region above them that has any}."""
    ancestors = {u.pk: u.region.ancestor_ids() if u.region else [] for u in users}
    wanted = {pk for ids in ancestors.values() for pk in ids}
    found = {s.region_id: s for s in ChannelSettings.objects.filter(region_id__in=wanted)}
    result = {}
    for user_id, ids in ancestors.items():
        for region_id in reversed(ids):
            if region_id in found:
                result[user_id] = found[region_id]
                break
    return result


def _queue_deliveries(messages):
    if not messages:
        return
    users = [m.recipient for m in messages]
    counties = county_settings(users)
    preferences = {p.user_id: p for p in Preference.objects.filter(user__in=users)}
    deliveries = []
    for message in messages:
        county = counties.get(message.recipient_id)
        if county is None:
            continue
        preference = preferences.get(message.recipient_id) or Preference(user=message.recipient)
        for channel, enabled in county.enabled().items():
            if enabled and preference.wants(channel):
                deliveries.append(Delivery(message=message, channel=channel))
    if not deliveries:
        return
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    owner = {m.pk: m.recipient_id for m in messages}
    for delivery in Delivery.objects.filter(message__in=messages, state=Delivery.State.PENDING, attempts=0):
        _schedule(delivery, counties[owner[delivery.message_id]])


def _schedule(delivery, county=None, *, delay=None):
    """Queue a delivery now, after `delay`, or — in the county's quiet hours — when they end."""
    from .tasks import deliver

    county = county or _county_of(delivery)
    now = timezone.localtime()
    run_after = now + delay if delay else None
    moment = run_after or now
    if county is not None and county.in_quiet_hours(moment):
        run_after = county.quiet_ends_after(moment)
        Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.HELD, next_try_at=run_after)
    elif run_after:
        Delivery.objects.filter(pk=delivery.pk).update(next_try_at=run_after)
    (deliver.using(run_after=run_after) if run_after else deliver).enqueue(delivery.pk)


def _county_of(delivery):
    user = delivery.message.recipient
    return county_settings([user]).get(user.pk)


def deliver_now(delivery_id):
    """Send one delivery (the worker calls this). Idempotent: a sent or failed delivery is left alone; in quiet
    hours it is put back until they end."""
    with transaction.atomic():
        delivery = (Delivery.objects.select_for_update(of=("self",))
                    .select_related("message__recipient__region").filter(pk=delivery_id).first())
        if delivery is None or delivery.state in (Delivery.State.SENT, Delivery.State.FAILED):
            return
        county = _county_of(delivery)
        if county is None or not county.enabled().get(delivery.channel):
            delivery.state, delivery.error = Delivery.State.FAILED, "县里已停用该渠道"
            delivery.save(update_fields=["state", "error"])
            return
        if county.in_quiet_hours(timezone.localtime()):
            _schedule(delivery, county)
            return
        delivery.attempts += 1
        delivery.save(update_fields=["attempts"])
    try:
        channels.SENDERS[delivery.channel](delivery, county)
    except Exception as error:  # noqa: BLE001 — any failure is logged on the delivery and retried
        permanent = getattr(error, "permanent", False)
        text = str(error) if isinstance(error, channels.DeliveryError) else f"{type(error).__name__}: {error}"
        _failed(delivery, county, text[:300], permanent)
        return
    Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.SENT, sent_at=timezone.now(), error="",
                                                   next_try_at=None)


def _failed(delivery, county, error, permanent):
    if permanent or delivery.attempts > settings.NOTIFY_RETRIES:
        Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.FAILED, error=error, next_try_at=None)
        return
    delay = datetime.timedelta(seconds=settings.NOTIFY_BACKOFF_SECONDS * 2 ** (delivery.attempts - 1))
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.RETRYING, error=error)
        _schedule(delivery, county, delay=delay)


# --- The message centre ------------------------------------------------------------------------------------------

def inbox(user):
    return Message.objects.filter(recipient=user)


@transaction.atomic
def message_read(message, *, user):
    if message.recipient_id != user.pk:
        raise PermissionError
    if Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=timezone.now()):
        cache.delete(unread_key(user.pk))  # the next page counts again


@transaction.atomic
def messages_read_all(*, user):
    count = Message.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
    cache.set(unread_key(user.pk), 0, UNREAD_CACHE_SECONDS)
    return count


def staff_of(region, roles):
    """Active users of `roles` whose region is `region` or under it."""
    from accounts.models import User

    return User.objects.filter(role__in=roles, is_active=True, region__path__startswith=region.path)


def county_of(region):
    """The county (or the region itself above county level) a region belongs to."""
    if region.level in (Region.Level.PROVINCE, Region.Level.CITY, Region.Level.COUNTY):
        return region
    return Region.objects.filter(pk__in=region.ancestor_ids(), level=Region.Level.COUNTY).first() or region

