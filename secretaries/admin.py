from django import forms
from django.contrib import admin

from accounts.admin_site import ReadOnlyAdmin, ScopedAdmin
from excel.admin_import import ScopedImportExportMixin

from .models import Assignment, Batch, DispatchUnit, Secretary, WorkTeam
from .privacy import record_full_view, sees_phones
from .resources import DispatchUnitResource


@admin.register(DispatchUnit)
class DispatchUnitAdmin(ScopedImportExportMixin, ScopedAdmin):
    list_display = ("name", "level", "kind", "region")
    list_filter = ("level", "kind")
    search_fields = ("name",)
    list_select_related = ("region",)
    filter_horizontal = ("contacts",)
    resource_classes = [DispatchUnitResource]


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    fields = ("village", "batch", "dispatch_level", "role", "start_date", "end_date", "status")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # assignments change through the rotation service, never by editing history


@admin.register(Secretary)
class SecretaryAdmin(ScopedAdmin):
    list_display = ("name", "masked_id", "unit", "phone", "region")
    search_fields = ("name",)
    list_select_related = ("unit", "region")
    inlines = [AssignmentInline]

    @admin.display(description="身份证号")
    def masked_id(self, obj):
        return obj.masked_id_number

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return shown if sees_phones(request.user) else tuple(f for f in shown if f != "phone")

    def get_search_results(self, request, queryset, search_term):
        """Names by part; a phone (or, for county staff, an ID number) only whole, through its keyed hash."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term.replace("-", "").isdigit() and sees_phones(request.user):
            found |= queryset.filter(phone=term)
        if len(term) == 18 and request.user.sees_full_id_numbers:
            found |= queryset.filter(id_number=term)
        return found, duplicates

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200 and request.user.sees_full_id_numbers:
            record_full_view(request, self.get_object(request, object_id))  # the form shows the whole number
        return response

    def get_fields(self, request, obj=None):
        fields = [f.name for f in Secretary._meta.fields if f.editable and f.name != "id"]
        if not sees_phones(request.user):
            fields.remove("phone")
        if request.user.sees_full_id_numbers:
            return fields
        # Township officials may correct contact details here, but never see or change the full number.
        return ["masked_id" if name == "id_number" else name for name in fields]

    def get_readonly_fields(self, request, obj=None):
        # The login account and the region sit outside a township's choices: shown, never re-chosen (a save
        # would otherwise drop them). The region follows assignments once there are any.
        if not request.user.sees_full_id_numbers:
            return ("masked_id", "user", "region")
        return ("region",) if obj is not None and obj.assignments.exists() else ()


@admin.register(Batch)
class BatchAdmin(ScopedAdmin):
    list_display = ("name", "start_date", "end_date", "region")
    list_select_related = ("region",)


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    """Read-only: assignments change through the rotation and end services (which keep history and scope)."""

    list_display = ("secretary", "village", "batch", "dispatch_level", "role", "start_date", "end_date", "status")
    list_filter = ("status", "role", "dispatch_level", ("batch", admin.RelatedOnlyFieldListFilter))
    search_fields = ("secretary__name", "village__region__name")
    list_select_related = ("secretary", "village__region", "batch")


class WorkTeamForm(forms.ModelForm):
    class Meta:
        model = WorkTeam
        fields = ("name", "region", "dispatch_level", "batch", "leader", "liaison", "members")

    def clean(self):
        cleaned = super().clean()
        members = set(cleaned.get("members") or [])
        for role in ("leader", "liaison"):
            person = cleaned.get(role)
            if person is not None and person not in members:
                self.add_error(role, f"{person} 不是本队队员，请先把他/她加入队员。")
        return cleaned


@admin.register(WorkTeam)
class WorkTeamAdmin(ScopedAdmin):
    form = WorkTeamForm
    list_display = ("name", "region", "dispatch_level", "leader", "liaison")
    list_select_related = ("region", "leader", "liaison")
    filter_horizontal = ("members",)
