"""通知公告: publish to an audience, read receipts and 回执, and the publisher's list of who has and has not."""

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from accounts import audit
from accounts.models import AuditLog, User
from accounts.roles import Role

from .models import Announcement, AnnouncementAttachment, Kind, Receipt
from .services import notify

NOTIFY_BATCH = 2000  # messages written per transaction by announcement_notify


def audience(announcement, unit_ids=()):
    """The active users an announcement reaches, resolved through the app registry (no domain imports)."""
    Secretary = apps.get_model("secretaries", "Secretary")
    DispatchUnit = apps.get_model("secretaries", "DispatchUnit")
    region = announcement.region
    people = Q(pk__in=[])
    secretaries = Secretary.objects.filter(user__isnull=False, region__path__startswith=region.path)
    if announcement.to_all_secretaries:
        people |= Q(role=Role.SECRETARY, region__path__startswith=region.path)
        people |= Q(pk__in=secretaries.values("user"))
    for township in announcement.townships.all():
        people |= Q(role=Role.TOWNSHIP, region__path__startswith=township.path)
        people |= Q(pk__in=secretaries.filter(region__path__startswith=township.path).values("user"))
    if unit_ids:
        units = DispatchUnit.objects.filter(pk__in=unit_ids)
        people |= Q(pk__in=units.values("contacts"))
        people |= Q(pk__in=secretaries.filter(unit__in=units).values("user"))  # the unit's people here only
    return User.objects.filter(people, is_active=True).distinct()


@transaction.atomic
def announcement_publish(*, user, region, title, body, to_all_secretaries=False, townships=(), unit_ids=(),
                         files=(), request=None):
    announcement = Announcement(region=region, title=title, body=body, to_all_secretaries=to_all_secretaries,
                                unit_ids=[int(pk) for pk in unit_ids], created_by=user)
    announcement.full_clean()
    announcement.save()
    announcement.townships.set(townships)
    for upload in files:
        attachment = AnnouncementAttachment(announcement=announcement, name=upload.name[:200], size=upload.size)
        attachment.file.save(upload.name, upload, save=False)
        upload.saved_as = attachment.file.name  # so a failure later on can remove what was written
        attachment.save()
    people = list(audience(announcement, announcement.unit_ids).values_list("pk", flat=True))
    if not people:
        raise ValidationError("所选对象中没有可以接收的账号（第一书记、镇街工作人员或派出单位联络人尚未开通账号）。")
    announcement.audience_size = len(people)
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=announcement,
                 changes={"标题": title, "接收人数": len(people)})
    if len(people) <= settings.NOTIFY_INLINE_MAX:
        announcement.save(update_fields=["audience_size"])
        Receipt.objects.bulk_create([Receipt(announcement=announcement, user_id=pk) for pk in people],
                                    batch_size=5000)
        announcement_notify(announcement.pk)
    else:
        # A province's secretaries (~21,000): the audience is fixed here, from what this publisher reaches, and
        # handed to a job that writes each person's receipt and message from the task worker. The job is queued in
        # this transaction, so it exists exactly when the announcement does.
        import jobs

        job = jobs.start(kind="announcement", user=user, region=region,
                         task="notifications.announcements.announcement_notify",
                         title=f"发送通知公告「{title[:60]}」（{len(people):,} 人）",
                         key=f"announcement:{announcement.pk}", link=announcement.get_absolute_url(),
                         rerun_if_lost=True, announcement_id=announcement.pk, user_ids=people)
        announcement.send_job = job
        announcement.save(update_fields=["audience_size", "send_job"])
        announcement.queued_for = len(people)
    return announcement


def announcement_notify(announcement_id, user_ids=None):
    """Each recipient's receipt and message, in batches of NOTIFY_BATCH, each batch in its own transaction (the
    receipt first, so whoever has the message may open the announcement). `user_ids`: the audience fixed when a
    large announcement was published; without it (a small audience, written in the request) the receipts say who.

    Safe to run again (a retry, a worker that died): a receipt exists once per person (the constraint, conflicts
    skipped) and the key `announcement:<id>` gives each person the message once, so a second run only adds those
    the first did not reach, and a run killed in the middle leaves whole batches the next one goes past."""
    import jobs

    announcement = Announcement.objects.get(pk=announcement_id)
    if user_ids is None:
        people = list(Receipt.objects.filter(announcement=announcement).order_by("user_id")
                      .values_list("user_id", flat=True))
    else:
        people = sorted(set(user_ids))
    sent = 0
    for start in range(0, len(people), NOTIFY_BATCH):
        batch = people[start:start + NOTIFY_BATCH]
        if user_ids is None:
            sent += _send(announcement, batch)
        else:
            with transaction.atomic():
                # An account closed (or removed) since publishing is no longer reached.
                batch = list(User.objects.filter(pk__in=batch, is_active=True).values_list("pk", flat=True))
                Receipt.objects.bulk_create([Receipt(announcement=announcement, user_id=pk) for pk in batch],
                                            ignore_conflicts=True)
                sent += _send(announcement, batch)
        done = min(start + NOTIFY_BATCH, len(people))
        jobs.progress(100 * done // len(people), f"已发送 {done:,} / {len(people):,} 人")
    reached = len(people) if user_ids is None else announcement.receipts.count()
    return f"已向 {reached:,} 人发送通知公告和站内消息（本次新发 {sent:,} 条）。"


def _send(announcement, people):
    """The announcement's message to each of `people` who does not have it yet; → how many were new."""
    return len(notify(people, kind=Kind.ANNOUNCEMENT, title=announcement.title, body=announcement.body[:200],
                      url=announcement.get_absolute_url(), dedupe_key=f"announcement:{announcement.pk}"))


def mark_read(announcement, user):
    """Opening the announcement counts as reading it (once)."""
    Receipt.objects.filter(announcement=announcement, user=user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def acknowledge(announcement, *, user, note="", request=None):
    receipt = Receipt.objects.select_for_update().filter(announcement=announcement, user=user).first()
    if receipt is None:
        raise ValidationError("您不在这条通知的接收范围内。")
    if receipt.acknowledged_at is not None:
        raise ValidationError("您已回执，无需重复提交。")
    now = timezone.now()
    receipt.read_at = receipt.read_at or now
    receipt.acknowledged_at, receipt.note = now, (note or "").strip()[:200]
    receipt.save(update_fields=["read_at", "acknowledged_at", "note"])
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=announcement,
                 changes={"回执": f"{user.name or user.username} 已回执", "回执说明": receipt.note})
    return receipt


# The publisher's filters of the recipient list: key → (label, condition). 未读 is who to chase.
RECEIPT_STATES = {
    "unread": ("未读", Q(read_at__isnull=True)),
    "read": ("已读", Q(read_at__isnull=False)),
    "acknowledged": ("已回执", Q(acknowledged_at__isnull=False)),
    "unacknowledged": ("未回执", Q(acknowledged_at__isnull=True)),
}


def receipt_counts(announcement):
    """{total, unread, read, acknowledged, unacknowledged} of the announcement's recipients, in one aggregate."""
    counts = announcement.receipts.aggregate(
        total=Count("pk"), **{state: Count("pk", filter=condition)
                              for state, (_label, condition) in RECEIPT_STATES.items()})
    return {key: value or 0 for key, value in counts.items()}


def receipts(announcement, state=None):
    """The announcement's receipts with their recipient and region, those who have not read first (then those who
    read but have not acknowledged, then the acknowledged), by region and name; `state` a key of RECEIPT_STATES."""
    rows = announcement.receipts.select_related("user__region").order_by(
        F("acknowledged_at").asc(nulls_first=True), F("read_at").asc(nulls_first=True), "user__region__path",
        "user__name", "pk")
    if state in RECEIPT_STATES:
        rows = rows.filter(RECEIPT_STATES[state][1])
    return rows


def receipt_row(receipt):
    """(name, role, region, read, acknowledged, note) of one receipt."""
    user = receipt.user
    return (user.name or user.username, user.get_role_display(), user.region.name if user.region else "",
            receipt.read_at, receipt.acknowledged_at, receipt.note)


def receipt_rows(announcement, state=None):
    """receipt_row of each recipient (in `state`), read from the database in chunks as the export writes them."""
    return (receipt_row(r) for r in receipts(announcement, state).iterator(chunk_size=2000))


def discard_files(files):
    """Remove attachments written before a publish failed (their rows were rolled back)."""
    for upload in files:
        name = getattr(upload, "saved_as", None)
        if name:
            try:
                AnnouncementAttachment.file.field.storage.delete(name)
            except OSError:
                pass
