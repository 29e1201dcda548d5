"""Telling people about evaluation events: `publication_withdrawn` records, in the same transaction, one audit row
on the publication naming everyone who had opened it, and sends each of them a message (notifications)."""

from accounts import audit
from accounts.models import AuditLog
from notifications import events as notify_events

from .models import PublicationReader


def publication_withdrawn(publication, *, user, request=None):
    """Hook: everyone who opened the withdrawn publication is to be told why. Returns those users."""
    readers = list(PublicationReader.objects.filter(publication=publication).select_related("user")
                   .order_by("first_seen", "pk"))
    people = [reader.user for reader in readers]
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=publication, changes={
        "withdrawn": publication.withdraw_reason,
        "notify": [p.name or p.username for p in people],
    })
    notify_events.publication_withdrawn(publication.period, people, publication.withdraw_reason)
    return people
