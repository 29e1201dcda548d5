"""Admin import and export of dispatch units (派出单位), keyed by (管理区域, 单位名称); see villages/resources.py."""

from import_export import widgets
from import_export.fields import Field

from excel import values as cell
from excel.admin_import import ChoiceWidget, ScopedResource, optional_field, text_field
from excel.reader import Column
from excel.writer import safe_cell
from villages.models import Region

from .models import DispatchUnit

# The organisation departments that register units (the field's help text): never a township or a village.
UNIT_REGION_LEVELS = (Region.Level.PROVINCE, Region.Level.CITY, Region.Level.COUNTY)


class RegionWidget(widgets.Widget):
    """管理区域 by name or 12-digit code among `regions`, read in one query on first use; exported as the name."""

    def __init__(self, regions=None):
        super().__init__()
        self.regions = regions
        self.by_key = None

    def clean(self, value, row=None, **kwargs):
        text = cell.normalize_text(value)
        if not text:
            raise ValueError("请填写管理区域：县、市或省的名称，或 12 位行政区划代码。")
        if self.by_key is None:
            self.by_key = {}
            for region in self.regions if self.regions is not None else ():
                self.by_key.setdefault(region.name, []).append(region)
                if region.code:
                    self.by_key.setdefault(region.code, []).append(region)
        found = self.by_key.get(text, [])
        if len(found) > 1:
            raise ValueError(f"有 {len(found)} 个名为“{text}”的区域，请改填 12 位行政区划代码。")
        if not found:
            raise ValueError(f"“{text}”不是您可以登记派出单位的区域"
                             "（您管辖的县、市或省，填写名称或 12 位行政区划代码）。")
        return found[0]

    def render(self, value, obj=None, **kwargs):
        return safe_cell(value.name) if value is not None else ""


class DispatchUnitResource(ScopedResource):
    """Units by (管理区域, 单位名称): a known pair updates 单位层级 and 单位性质, an unknown one adds the unit."""

    columns = (
        Column("name", "单位名称", ("派出单位", "单位"), required=True),
        Column("level", "单位层级", ("层级",)),
        Column("kind", "单位性质", ("性质",)),
        Column("region", "管理区域", ("所属区域", "登记区域"), required=True),
    )
    update_fields = ("level", "kind")
    clean_exclude = ("region",)

    name = text_field("name", "单位名称")
    level = optional_field("level", "单位层级", ChoiceWidget(DispatchUnit.Level.choices))
    kind = optional_field("kind", "单位性质", ChoiceWidget(DispatchUnit.Kind.choices))
    region = Field(attribute="region", column_name="管理区域", widget=RegionWidget())

    class Meta(ScopedResource.Meta):
        model = DispatchUnit
        name = "派出单位"
        fields = ("name", "level", "kind", "region")
        import_id_fields = ("region", "name")

    def __init__(self, user=None, request=None, **kwargs):
        super().__init__(user, request, **kwargs)
        regions = Region.objects.for_user(user, "change").filter(level__in=UNIT_REGION_LEVELS)
        self.fields["region"].widget = RegionWidget(regions)

    def load(self, dataset):
        self.units = {}
        for unit in self.get_queryset().select_related("region"):  # a county's units: a few hundred, one query
            self.remember(unit)
            self.units[(unit.region_id, cell.normalize_text(unit.name))] = unit

    def find(self, row):
        name = self.fields["name"].clean(row)
        try:
            region = self.fields["region"].clean(row)
        except ValueError:
            return None  # import_instance() reports the 管理区域 cell; nothing is matched or written
        if not name:
            return None
        self.claim((region.pk, name))
        return self.units.get((region.pk, name))
