"""One queryset decides who sees which rows: `Model.objects.for_user(user)`.

A model that holds regional data declares where its region is:

    scope_field = "village__region"     # path from the model to a villages.Region ("" = the model is a Region)

and may narrow it further for the personal roles:

    scope_personal = {Role.SECRETARY: "user", Role.UNIT_CONTACT: "unit__contacts"}

A user hangs on one region node and sees the subtree under it (materialised path prefix);
a secretary or unit contact additionally sees only the rows their lookup reaches.
Catalogue models (dispatch units, batches) set `scope_includes_ancestors = True` so that
a township also sees what its county or city keeps.
"""

from django.db import models
from django.db.models import Q

from .roles import Role

PERSONAL_ROLES = {Role.SECRETARY, Role.UNIT_CONTACT}


class ScopedQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        """Rows `user` may see (action="view") or change and delete (any other action).

        Catalogue rows kept by an ancestor region (the city's units, say) are visible below it
        but belong to the ancestor: only its own staff may change them.
        """
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        region = user.region
        if region is None:
            return self.none()
        field = self.model.scope_field
        prefix = f"{field}__" if field else ""
        if action == "view" and getattr(self.model, "scope_includes_ancestors", False):
            # One IN over the matching regions: an OR across the join would make PostgreSQL scan every region.
            regions = type(region)._default_manager.filter(
                Q(path__startswith=region.path) | Q(pk__in=region.ancestor_ids())
            ).values("pk")
            queryset = self.filter(**{f"{field}__in" if field else "pk__in": regions})
        else:
            queryset = self.filter(**{f"{prefix}path__startswith": region.path})
        if user.role in PERSONAL_ROLES:
            lookup = getattr(self.model, "scope_personal", {}).get(user.role)
            if lookup:
                # A subquery, not a join: a unit with two contacts must not list a row twice.
                mine = self.model._default_manager.filter(**{lookup: user}).values("pk")
                queryset = queryset.filter(pk__in=mine)
        return queryset


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


def region_of(obj):
    """The region node an object belongs to, by following its model's scope_field."""
    field = obj._meta.model.scope_field  # not type(obj): request.user is a lazy proxy
    if not field:
        return obj
    for part in field.split("__"):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj
