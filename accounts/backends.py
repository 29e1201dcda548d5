"""Permissions come from the user's role (see roles.py), not from per-user grants."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from .roles import DOMAIN_APPS, HIDDEN_FROM_NON_ADMINS, ROLE_EXTRA_ACTIONS, Role

ALL_ACTIONS = ("view", "add", "change", "delete")


def role_permissions(role):
    perms = set()
    for label in DOMAIN_APPS:
        for model in apps.get_app_config(label).get_models():
            name = model._meta.model_name
            if role == Role.COUNTY_ADMIN:
                actions = ALL_ACTIONS
            elif name in HIDDEN_FROM_NON_ADMINS:
                continue
            else:
                actions = {"view"} | ROLE_EXTRA_ACTIONS.get(role, {}).get(name, set())
            perms.update(f"{label}.{action}_{name}" for action in actions)
    return perms


class RoleBackend(ModelBackend):
    def get_user(self, user_id):
        user = get_user_model()._default_manager.select_related("region").filter(pk=user_id).first()
        return user if user and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_role_perm_cache"):
            user_obj._role_perm_cache = role_permissions(user_obj.role)
        return user_obj._role_perm_cache | super().get_all_permissions(user_obj)
