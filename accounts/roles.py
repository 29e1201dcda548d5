"""The five roles of the system and what each may do to each kind of record."""

from django.db import models


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", "县委组织部管理员"
    TOWNSHIP = "township", "镇街工作人员"
    SECRETARY = "secretary", "第一书记"
    UNIT_CONTACT = "unit_contact", "派出单位联络人"
    LEADER = "leader", "县领导（只读）"


# Apps whose records the roles below act on. Permissions are derived from the role,
# not stored per user, so a role change takes effect at once and cannot drift.
DOMAIN_APPS = ("villages", "secretaries", "tasks", "projects", "presence", "worklogs", "alliances", "evaluations",
               "accounts")

# Extra actions beyond "view" for roles that are not county admins: "model_name": actions.
ROLE_EXTRA_ACTIONS = {
    Role.TOWNSHIP: {
        "village": {"change"},
        "villageyearstat": {"add", "change"},
        "secretary": {"change"},
    },
    Role.SECRETARY: {
        "worklog": {"add", "change", "delete"}, "servicerecord": {"add", "change", "delete"},
        "summary": {"add", "change"},
    },
}
# Models a role may not even view (the audit log and user accounts are the county's business).
HIDDEN_FROM_NON_ADMINS = {"auditlog", "user"}
