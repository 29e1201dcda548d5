from django.contrib import admin

from accounts.admin_site import ScopedAdmin
from excel.admin_import import ScopedImportExportMixin

from .models import Region, Village, VillageYearStat
from .resources import VillageResource


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    list_display = ("name", "level", "code", "parent")
    list_filter = ("level",)
    search_fields = ("name", "code")
    list_select_related = ("parent",)
    readonly_fields = ("path",)

    def get_readonly_fields(self, request, obj=None):
        # A node never moves: moving it would have to rewrite every path beneath it.
        return ("path", "parent", "level") if obj else ("path",)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        from accounts import audit
        from accounts.models import AuditLog

        from .services import region_create

        created = region_create(name=obj.name, level=obj.level, parent=obj.parent, code=obj.code)
        obj.pk, obj.path = created.pk, created.path
        audit.record(user=request.user, request=request, action=AuditLog.Action.CREATE, obj=created)


class VillageYearStatInline(admin.TabularInline):
    model = VillageYearStat
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("village__region")


@admin.register(Village)
class VillageAdmin(ScopedImportExportMixin, ScopedAdmin):
    list_display = ("__str__", "township", *Village.TAG_FIELDS)
    list_filter = Village.TAG_FIELDS
    search_fields = ("region__name",)
    list_select_related = ("region__parent",)
    inlines = [VillageYearStatInline]
    resource_classes = [VillageResource]

    @admin.display(description="镇（街道）")
    def township(self, obj):
        return obj.region.parent

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "region":
            field.queryset = field.queryset.filter(level=Region.Level.VILLAGE)
        return field


@admin.register(VillageYearStat)
class VillageYearStatAdmin(ScopedAdmin):
    list_display = ("village", "year", "collective_income", "households", "party_members")
    list_filter = ("year",)
    list_select_related = ("village__region",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("village__region")
