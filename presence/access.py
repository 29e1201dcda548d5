"""Who may do what with presence records. Region scope comes first (`for_user`), then these rules.

- County staff and township officials supervise: they draw samples and record results in their own area.
- A township official decides the leave of secretaries serving in their township; county staff are informed.
- Only county staff edit and issue notices; before issue a notice is a draft only supervisors see.
- Leave kinds, reasons and decision notes are not shown to unit contacts and leaders (dates and status only).
- Photos are seen by the secretary who took them and by the supervising offices, by no one else (not a unit
  contact, not a leader).
"""

from accounts.roles import Role

from .models import Evidence, Leave, Notice, SpotCheck


def supervises(user):
    return user.is_county_admin or user.role == Role.TOWNSHIP


def may_record(user, check):
    return supervises(user) and SpotCheck.objects.for_user(user, "change").filter(pk=check.pk).exists()


def may_decide_leave(user, leave):
    return supervises(user) and Leave.objects.for_user(user, "change").filter(pk=leave.pk).exists()


def may_issue(user):
    return user.is_county_admin


def notices_for(user):
    """Issued notices in the user's scope; drafts too for the supervising offices."""
    notices = Notice.objects.for_user(user)
    return notices if supervises(user) else notices.exclude(status=Notice.Status.DRAFT)


def sees_leave_details(user):
    """The kind, reason and decision note of a leave are for the secretary and the supervising offices; a unit
    contact or a leader sees the dates and the status only (PIPL: the least a role needs)."""
    return user.is_county_admin or user.role not in (Role.UNIT_CONTACT, Role.LEADER)


def _blind_to_photos(user):
    return user.is_authenticated and not user.is_county_admin and user.role in (Role.UNIT_CONTACT, Role.LEADER)


def evidence_for(user):
    if _blind_to_photos(user):
        return Evidence.objects.none()
    return Evidence.objects.for_user(user)


def check_photos_for(user):
    """Spot checks whose inspector's photo the user may see."""
    if _blind_to_photos(user):
        return SpotCheck.objects.none()
    return SpotCheck.objects.for_user(user)
