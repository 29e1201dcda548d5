"""通知公告: publish to an audience, read receipts and 回执, and the publisher's list of who has and has not."""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import audit
from accounts.models import AuditLog, User
from accounts.roles import Role

from .models import Announcement, AnnouncementAttachment, Kind, Receipt
from .services import notify


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
    Receipt.objects.bulk_create([Receipt(announcement=announcement, user_id=pk) for pk in people])
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=announcement,
                 changes={"标题": title, "接收人数": len(people)})
    notify(people, kind=Kind.ANNOUNCEMENT, title=title, body=body[:200], url=announcement.get_absolute_url(),
           dedupe_key=f"announcement:{announcement.pk}")
    return announcement


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


def receipt_rows(announcement):
    """(name, role, region, read, acknowledged, note) for every recipient, those who have not read first."""
    receipts = (announcement.receipts.select_related("user__region")
                .order_by("acknowledged_at", "read_at", "user__region__path", "user__name", "pk"))
    return [(r.user.name or r.user.username, r.user.get_role_display(), r.user.region.name if r.user.region else "",
             r.read_at, r.acknowledged_at, r.note) for r in receipts]


def discard_files(files):
    """Remove attachments written before a publish failed (their rows were rolled back)."""
    for upload in files:
        name = getattr(upload, "saved_as", None)
        if name:
            try:
                AnnouncementAttachment.file.field.storage.delete(name)
            except OSError:
                pass
