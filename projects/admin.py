"""Admin pages: read-only lists (projects change only through the project pages, where the shares, money and
stage rules are checked)."""

from django.contrib import admin

from accounts.admin_site import ReadOnlyAdmin

from .models import Asset, Project


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "year", "secretary", "total_investment", "created_at")
    list_filter = ("kind", "year")
    list_select_related = ("secretary",)
    search_fields = ("name",)


@admin.register(Asset)
class AssetAdmin(ReadOnlyAdmin):
    list_display = ("name", "project", "village", "value", "custodian", "handed_over")
    list_select_related = ("project", "village__region")
    search_fields = ("name", "custodian")
