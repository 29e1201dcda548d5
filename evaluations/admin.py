"""Admin pages: read-only views of periods and scores (they change only through the evaluation pages)."""

from django.contrib import admin

from accounts.admin_site import ReadOnlyAdmin

from .models import Participant, Period, Scheme


@admin.register(Scheme)
class SchemeAdmin(ReadOnlyAdmin):
    list_display = ("name", "region", "weight_org", "weight_township", "weight_peer", "weight_survey", "updated_at")
    list_select_related = ("region",)
    search_fields = ("name",)


@admin.register(Period)
class PeriodAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "kind", "status", "start_date", "end_date", "locked_at", "published_at")
    list_filter = ("kind", "status", "year")
    list_select_related = ("region",)


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyAdmin):
    list_display = ("secretary", "period", "township", "village", "composite", "rank_county", "rank_township")
    list_filter = ("period",)
    list_select_related = ("secretary", "period__region", "township", "village__region")
    search_fields = ("secretary__name",)
