from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from . import otp, services
from .admin_site import ReadOnlyAdmin, ScopedAdmin
from .models import AuditLog, User
from .roles import DOMAIN_APPS

KEPT_FOR_THE_RECORD = "该账号已有操作记录，为保证审计记录可追溯，不能删除；可以停用，停用后不能再登录。"


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
    add_form_template = "admin/accounts/user/add_form.html"
    actions = ["deactivate_selected", "reset_second_factor"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        # County staff manage their county's accounts, never a superuser's (no password resets from below).
        return queryset if request.user.is_superuser else queryset.filter(is_superuser=False)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.must_change_password = True  # the password typed here is an initial one: changed at first login
        super().save_model(request, obj, form, change)

    def get_urls(self):
        own = [path("<path:object_id>/deactivate/", self.admin_site.admin_view(self.deactivate_view),
                    name="accounts_user_deactivate")]
        return own + super().get_urls()

    def delete_view(self, request, object_id, extra_context=None):
        user = self.get_object(request, object_id)
        if user is not None and services.user_has_acted(user):
            # Deleting would orphan the audit trail (and the database refuses it): offer 停用 instead.
            context = {**self.admin_site.each_context(request), "opts": self.opts, "object": user,
                       "message": KEPT_FOR_THE_RECORD, "title": "不能删除账号"}
            return TemplateResponse(request, "admin/accounts/user/cannot_delete.html", context)
        return super().delete_view(request, object_id, extra_context)

    def delete_queryset(self, request, queryset):
        acted = [user for user in queryset if services.user_has_acted(user)]
        if acted:
            names = "、".join(user.username for user in acted)
            self.message_user(request, f"{names}：{KEPT_FOR_THE_RECORD}", messages.ERROR)
            queryset = queryset.exclude(pk__in=[user.pk for user in acted])
        super().delete_queryset(request, queryset)

    @admin.action(description="停用所选账号")
    def deactivate_selected(self, request, queryset):
        for user in queryset:
            try:
                services.user_set_active(actor=request.user, user=user, active=False, request=request)
            except ValidationError as error:
                self.message_user(request, f"{user.username}：{error.messages[0]}", messages.ERROR)

    @admin.action(description="重置两步验证（手机丢失时；下次登录重新绑定）")
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            otp.second_factor_reset(actor=request.user, user=user, request=request)
        self.message_user(request, f"已重置 {queryset.count()} 个账号的两步验证。", messages.SUCCESS)

    @method_decorator(require_POST)
    def deactivate_view(self, request, object_id):
        user = self.get_object(request, object_id)
        if not self.has_change_permission(request, user):
            self.message_user(request, "您无权停用该账号。", messages.ERROR)
        else:
            try:
                services.user_set_active(actor=request.user, user=user, active=False, request=request)
                self.message_user(request, f"已停用账号 {user.username}。", messages.SUCCESS)
            except ValidationError as error:
                self.message_user(request, error.messages[0], messages.ERROR)
        return redirect(reverse("admin:accounts_user_change", args=[user.pk]))


class DomainContentTypeFilter(admin.RelatedFieldListFilter):
    """对象类型: only the programme's own kinds of record (not sessions, lockouts or phone tokens)."""

    def field_choices(self, field, request, model_admin):
        kinds = ContentType.objects.filter(app_label__in=DOMAIN_APPS).order_by("app_label", "model")
        return [(kind.pk, f"{kind.model_class()._meta.verbose_name}" if kind.model_class() else kind.model)
                for kind in kinds]


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor", "ip_address", "action", "content_type", "object_repr")
    list_filter = ("action", "user_role", ("content_type", DomainContentTypeFilter))
    search_fields = ("object_repr", "username")
    list_select_related = ("content_type",)
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    @admin.display(description="操作人", ordering="username")
    def actor(self, obj):
        return obj.actor
