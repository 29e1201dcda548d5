"""Who may do what with units' records. Region scope comes first (`for_user`, a 404), then these rules.

- County staff (县委组织部管理员) record actions for any unit they see, set year targets, keep the rating scheme,
  compute and lock the yearly rating.
- A unit contact (派出单位联络人) records their own unit's actions and reads their unit's page.
- Township officials and leaders read unit pages (a township official sees only their township's people) and
  the locked ranking. Secretaries have their own record instead.
"""

from django.core.exceptions import PermissionDenied

from accounts.roles import Role


def is_staff(user):
    return user.is_authenticated and user.is_county_admin


def may_record(user, unit):
    """County staff, or a contact of this unit."""
    if is_staff(user):
        return True
    return user.role == Role.UNIT_CONTACT and unit.contacts.filter(pk=user.pk).exists()


def may_record_any(user):
    return is_staff(user) or user.role == Role.UNIT_CONTACT


def may_read_units(user):
    return user.is_authenticated and user.role != Role.SECRETARY


def require(allowed, message):
    if not allowed:
        raise PermissionDenied(message)


def county_of(user):
    """The county (县级) the user works in: their region, or the county above a township; None above a county."""
    region = user.region
    if region is None:
        return None
    if region.level == "county":
        return region
    if region.level in ("township", "village"):
        ancestors = region.ancestor_ids()
        return type(region).objects.filter(pk__in=ancestors, level="county").first()
    return None
