from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .admin_site import ReadOnlyAdmin, ScopedAdmin
from .models import AuditLog, User


@admin.register(User)
class UserAdmin(ScopedAdmin, DjangoUserAdmin):
    list_display = ("username", "name", "role", "region", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "name")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("身份", {"fields": ("name", "role", "region", "email")}),
        ("状态", {"fields": ("is_active", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "name", "role", "region", "password1", "password2")}),
    )
    readonly_fields = ("last_login", "date_joined")
    list_select_related = ("region",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        # County staff manage their county's accounts, never a superuser's (no password resets from below).
        return queryset if request.user.is_superuser else queryset.filter(is_superuser=False)


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "ip_address", "action", "content_type", "object_repr")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr",)
    list_select_related = ("user", "content_type")
    readonly_fields = [f.name for f in AuditLog._meta.fields]
