"""Who may do what to a project. Region scope comes first (`Project.objects.for_user`, a 404), then these rules.

- County staff (县委组织部管理员) register projects, set villages, shares, planned money and planned dates.
- The responsible first secretary records progress on their own projects: actual stage dates, money disbursed,
  the asset ledger and upkeep checks once the project is handed over. County staff may do the same.
- Township officials, unit contacts and leaders read.
"""

from django.core.exceptions import PermissionDenied

from accounts.roles import Role


def may_manage(user):
    return user.has_perm("projects.change_project")


def may_record(user, project):
    """County staff, or the secretary responsible for the project (their own login)."""
    if may_manage(user):
        return True
    return user.role == Role.SECRETARY and project.secretary.user_id == user.pk


def require_manage(user):
    if not may_manage(user):
        raise PermissionDenied("只有县委组织部管理员可以登记和修改帮扶项目。")


def require_record(user, project):
    if not may_record(user, project):
        raise PermissionDenied("只有该项目负责的第一书记或县委组织部管理员可以登记项目进度。")
