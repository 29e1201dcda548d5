"""Admin pages: read-only lists. The records are the secretaries' own and change only through their pages."""

from django.contrib import admin

from accounts.admin_site import ReadOnlyAdmin

from .models import ServiceRecord, Summary, WorkLog


@admin.register(WorkLog)
class WorkLogAdmin(ReadOnlyAdmin):
    list_display = ("date", "secretary", "village", "households_visited", "problems_raised", "problems_solved")
    list_select_related = ("secretary", "village__region")
    search_fields = ("secretary__name", "text")
    date_hierarchy = "date"


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ReadOnlyAdmin):
    list_display = ("date", "kind", "title", "secretary", "village", "people_served")
    list_filter = ("kind",)
    list_select_related = ("secretary", "village__region")
    search_fields = ("secretary__name", "title")


@admin.register(Summary)
class SummaryAdmin(ReadOnlyAdmin):
    list_display = ("period_start", "kind", "secretary", "village")
    list_filter = ("kind",)
    list_select_related = ("secretary", "village__region")
