"""Admin pages: read-only lists of schemes and periods (they change only through the evaluation pages).

Participants are not here: their rows carry computed results, which only the evaluation pages show, and only
to whom access.sees_results allows.
"""

from django.contrib import admin

from accounts.admin_site import ReadOnlyAdmin

from .models import Period, Scheme, TrainingSession


@admin.register(Scheme)
class SchemeAdmin(ReadOnlyAdmin):
    list_display = ("name", "region", "points_base", "updated_at")
    list_select_related = ("region",)
    search_fields = ("name",)


@admin.register(Period)
class PeriodAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "kind", "status", "start_date", "end_date", "locked_at", "published_at")
    list_filter = ("kind", "status", "year")
    list_select_related = ("region",)


@admin.register(TrainingSession)
class TrainingSessionAdmin(ReadOnlyAdmin):
    list_display = ("topic", "level", "organiser", "region", "start_date", "end_date", "hours")
    list_filter = ("level",)
    list_select_related = ("region",)
    search_fields = ("topic", "organiser")
