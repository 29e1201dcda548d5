"""Who may change what. Region scope comes first (`for_user`, a 404), then these rules.

- County staff (县委组织部管理员) set up alliances, members and experts and may do everything below.
- An alliance's convener (召集人) runs its lists: dispatches (派单), records 接单 for its expert groups,
  completes co-build items, records supervision checks and activities.
- Member secretaries enter their villages' needs and their units' resources; township officials enter only the
  needs of their township's villages (resources come from secretaries' units and experts). Leaders and unit
  contacts read.
"""

from django.core.exceptions import PermissionDenied

from accounts.roles import Role


def may_setup(user):
    return user.has_perm("alliances.change_alliance")


def may_run(user, alliance):
    """County staff, or the alliance's convener (their own login)."""
    if may_setup(user):
        return True
    return user.role == Role.SECRETARY and alliance.convener_id is not None and \
        alliance.convener.user_id == user.pk


def may_enter(user, alliance, resources=False):
    """May add needs (or, with `resources`, resources) to the alliance: whoever runs it, its member secretaries;
    township officials needs only."""
    if may_run(user, alliance):
        return True
    if user.role == Role.TOWNSHIP:
        return not resources
    return user.role == Role.SECRETARY and alliance.members.filter(secretary__user=user).exists()


def require(allowed, message):
    if not allowed:
        raise PermissionDenied(message)
