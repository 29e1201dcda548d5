"""Admin pages: read-only lists. Plans and task items change only through their pages (services check the state
and audit each step); attachments are served only by the scoped views, so the admin does not list them."""

from django.contrib import admin

from accounts.admin_site import ReadOnlyAdmin

from .models import CommonTask, Plan, ReminderLog, TaskItem


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "year", "status", "submitted_at", "reviewed_at")
    list_filter = ("year", "status")
    list_select_related = ("village__region",)
    search_fields = ("village__region__name",)


@admin.register(TaskItem)
class TaskItemAdmin(ReadOnlyAdmin):
    list_display = ("title", "secretary", "village", "dimension", "deadline", "status", "progress", "source")
    list_filter = ("year", "dimension", "status", "source")
    list_select_related = ("secretary", "village__region")
    search_fields = ("title", "secretary__name")


@admin.register(CommonTask)
class CommonTaskAdmin(ReadOnlyAdmin):
    list_display = ("title", "region", "year", "issued_at")
    list_select_related = ("region",)


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnlyAdmin):
    list_display = ("sent_on", "recipient", "task")
    list_select_related = ("recipient", "task")
    list_filter = ("sent_on",)
