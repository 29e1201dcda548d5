"""The Django admin, open to county staff only and scoped like every other page."""

from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path

from . import audit
from .models import AuditLog
from .otp import is_verified, needs_second_factor
from .roles import Role


class CountyAdminSite(admin.AdminSite):
    site_header = "驻村第一书记管理系统 · 后台"
    site_title = "第一书记管理后台"
    index_title = "数据维护"
    site_url = "/"

    def register_third_party_out(self):
        """Third-party models whose pages would be in English stay out of this admin: login lockouts are lifted by
        重置密码/启用 on the account pages, second-factor devices are reset by the users' own pages and the
        "重置两步验证" action on 用户."""
        for label in ("axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog", "otp_totp.TOTPDevice",
                      "otp_static.StaticDevice", "auth.Group", "django_tasks_database.DBTaskResult"):
            model = apps.get_model(label)
            if self.is_registered(model):
                self.unregister(model)

    def has_permission(self, request):
        # County staff maintain data here; township officials may look (and edit their villages).
        user = request.user
        if not (user.is_active and user.is_authenticated and (user.is_county_admin or user.role == Role.TOWNSHIP)):
            return False
        # Behind the same second factor as the rest of the site (the middleware sends them to enter it).
        return is_verified(user) or not needs_second_factor(user)

    def get_urls(self):
        # Django's "view on site" redirect (/admin/r/<type>/<id>/) looks objects up unscoped: scope it.
        scoped = path("r/<int:content_type_id>/<path:object_id>/", self.admin_view(self.view_on_site),
                      name="view_on_site")
        return [scoped if getattr(url, "name", None) == "view_on_site" else url for url in super().get_urls()]

    def view_on_site(self, request, content_type_id, object_id):
        try:
            model = ContentType.objects.get_for_id(content_type_id).model_class()
            found = model._default_manager.for_user(request.user).filter(pk=object_id).first()
        except (ContentType.DoesNotExist, AttributeError, ValueError, ValidationError):
            found = None
        if found is None or not hasattr(found, "get_absolute_url"):
            raise Http404("对象不存在，或不在您的管辖范围内。")
        return redirect(found.get_absolute_url())


def choices_for(model, user):
    """The rows of `model` the user may pick in a form, with what their labels need joined in."""
    if not hasattr(model._default_manager, "for_user"):
        return None
    return model._default_manager.for_user(user).select_related(*getattr(model, "label_related", ()))


class ScopedAdmin(admin.ModelAdmin):
    """Every admin page goes through Model.objects.for_user; so do its foreign-key choices.

    Another region's object is simply not in the queryset, so its change page is a 404-like redirect
    ("对象不存在") rather than a page that leaks it.
    """

    list_per_page = 50

    def get_queryset(self, request):
        return self.model._default_manager.for_user(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.in_scope(request, obj, "change")

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.in_scope(request, obj, "delete")

    def in_scope(self, request, obj, action):
        if obj is None:
            return True
        return self.model._default_manager.for_user(request.user, action).filter(pk=obj.pk).exists()

    def lookup_allowed(self, lookup, value, request=None):
        # ?id_number__startswith=3708... would let anyone test guesses at a masked number.
        if any(part in audit.SECRET_FIELDS for part in lookup.split("__")):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_object(self, request, object_id, from_field=None):
        # Django would redirect with "does not exist"; out-of-scope objects are a plain 404, as everywhere.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("对象不存在，或不在您的管辖范围内。")
        return obj

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if (queryset := choices_for(db_field.related_model, request.user)) is not None:
            kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if (queryset := choices_for(db_field.related_model, request.user)) is not None:
            kwargs["queryset"] = queryset
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        before = dict(form.initial)
        super().save_model(request, obj, form, change)
        if change:
            after = {name: form.cleaned_data.get(name) for name in form.changed_data}
            changes = audit.diff(before, after, form.changed_data)
            audit.record(user=request.user, request=request, action=AuditLog.Action.UPDATE, obj=obj, changes=changes)
        else:
            audit.record(user=request.user, request=request, action=AuditLog.Action.CREATE, obj=obj)

    def delete_model(self, request, obj):
        audit.record(user=request.user, request=request, action=AuditLog.Action.DELETE, obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit.record(user=request.user, request=request, action=AuditLog.Action.DELETE, obj=obj)
        super().delete_queryset(request, queryset)


class ReadOnlyAdmin(ScopedAdmin):
    """History that changes only through services (assignments) or never (the audit log): look, don't touch."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
