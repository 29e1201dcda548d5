"""Who may do what to plans and task items. Region scope comes first (`for_user`, another region's object is a
404); these rules then decide the action (403).

- A secretary drafts and submits the plan of the village they serve in, and edits only their own task items.
- The township official of the village (or county staff) reviews plans and confirms or rejects close-outs
  (办结销号), and may reopen a confirmed item with a reason.
- County staff issue common lists, and may do everything the others do.
- Unit contacts and leaders read.
"""

from django.core.exceptions import PermissionDenied

from accounts.roles import Role
from secretaries.models import Assignment, Secretary


def own_secretary(user):
    """The secretary record linked to a secretary's login, or None."""
    if user.role != Role.SECRETARY:
        return None
    return Secretary.objects.filter(user=user).first()


def serves_in(user, village):
    """Whether the user is the active first secretary of the village."""
    return user.role == Role.SECRETARY and Assignment.objects.active_first_secretaries().filter(
        village=village, secretary__user=user).exists()


def may_draft_plan(user, village):
    return user.is_county_admin or serves_in(user, village)


def may_review(user):
    """Township officials (the scope has put the object in their township) and county staff."""
    return user.is_county_admin or user.role == Role.TOWNSHIP


def may_edit_task(user, task):
    return user.is_county_admin or (user.role == Role.SECRETARY and task.secretary.user_id == user.pk)


def may_issue(user):
    return user.is_county_admin


def require(allowed, message):
    if not allowed:
        raise PermissionDenied(message)
