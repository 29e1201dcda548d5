"""The Django admin, open to county staff only and scoped like every other page."""

from django.contrib import admin
from django.http import Http404

from . import audit
from .models import AuditLog
from .roles import Role


class CountyAdminSite(admin.AdminSite):
    site_header = "驻村第一书记管理系统 · 后台"
    site_title = "第一书记管理后台"
    index_title = "数据维护"

    def has_permission(self, request):
        # County staff maintain data here; township officials may look (and edit their villages).
        user = request.user
        return user.is_active and user.is_authenticated and (user.is_county_admin or user.role == Role.TOWNSHIP)


class ScopedAdmin(admin.ModelAdmin):
    """Every admin page goes through Model.objects.for_user; so do its foreign-key choices.

    Another region's object is simply not in the queryset, so its change page is a 404-like redirect
    ("对象不存在") rather than a page that leaks it.
    """

    list_per_page = 50

    def get_queryset(self, request):
        return self.model._default_manager.for_user(request.user)

    def get_object(self, request, object_id, from_field=None):
        # Django would redirect with "does not exist"; out-of-scope objects are a plain 404, as everywhere.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("对象不存在，或不在您的管辖范围内。")
        return obj

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if hasattr(related._default_manager, "for_user"):
            kwargs["queryset"] = related._default_manager.for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        related = db_field.related_model
        if hasattr(related._default_manager, "for_user"):
            kwargs["queryset"] = related._default_manager.for_user(request.user)
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
