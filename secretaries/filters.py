"""List filters. Every choice list comes from for_user, so a filter never names another township's rows."""

import django_filters
from django.db.models import Q

import villages.filters
from villages.filters import TAG_CHOICES, area_level
from villages.models import Region

from . import idcard
from .models import Assignment, Batch, DispatchLevel, DispatchUnit, Secretary, WorkTeam
from .names import name_key
from .privacy import sees_phones


class ScopedFilterSet(villages.filters.ScopedFilterSet):
    """…and a "unit" filter above a county offers only the units kept at that level and above."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if "unit" in self.filters and area_level(user) != Region.Level.TOWNSHIP:
            # Above a county there are thousands of units: offer the ones kept at this level and above;
            # county units are found by the search box (it matches unit names).
            keepers = user.region.ancestor_ids() if user.region else []
            field = self.form.fields["unit"]
            field.queryset = field.queryset.filter(region_id__in=keepers) if keepers else \
                field.queryset.filter(region__level__in=[Region.Level.PROVINCE, Region.Level.CITY])
            field.label = "派出单位（省、市直）"


class SecretaryFilter(ScopedFilterSet):
    q = django_filters.CharFilter(label="搜索", method="search")
    township = django_filters.ModelChoiceFilter(label="镇（街道）", queryset=Region.objects.none(), method="in_region")
    tag = django_filters.ChoiceFilter(label="村标签", choices=TAG_CHOICES, method="village_tag")
    dispatch_level = django_filters.ChoiceFilter(
        label="派驻层级", choices=DispatchLevel.choices, field_name="assignments__dispatch_level", method="active"
    )
    unit = django_filters.ModelChoiceFilter(label="派出单位", queryset=DispatchUnit.objects.all())
    batch = django_filters.ModelChoiceFilter(
        label="派驻批次", queryset=Batch.objects.all(), field_name="assignments__batch", method="active"
    )
    status = django_filters.ChoiceFilter(
        label="在岗情况", choices=[("active", "在岗"), ("idle", "未在岗")], method="by_status"
    )
    ordering = django_filters.OrderingFilter(
        label="排序",
        fields=(("name", "name"), ("unit__name", "unit"), ("region__path", "region")),
        field_labels={"name": "姓名", "unit__name": "派出单位", "region__path": "所在区域"},
    )

    class Meta:
        model = Secretary
        fields = ()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.user = user

    def search(self, queryset, name, value):
        """Names and units by part; a phone or an ID number only whole (through its keyed hash), and only by whom
        may see it: a hit on a guess would otherwise tell what the page does not show."""
        found = Q(name__contains=value) | Q(unit__name__contains=value)
        if name_key(value) != value:
            found |= Q(name__contains=name_key(value))
        compact = value.replace(" ", "").replace("-", "")
        if compact.isdigit() and 7 <= len(compact) <= 12 and sees_phones(self.user):
            found |= Q(phone=value)
        elif len(compact) == 18 and self.user.sees_full_id_numbers:
            found |= Q(id_number=idcard.normalize(value))
        return queryset.filter(found)

    def in_region(self, queryset, name, value):
        return queryset.filter(region__path__startswith=value.path)

    def village_tag(self, queryset, name, value):
        active = Assignment.objects.active().filter(**{f"village__{value}": True})
        return queryset.filter(pk__in=active.values("secretary_id"))

    def active(self, queryset, name, value):
        return queryset.filter(pk__in=Assignment.objects.active().filter(**{name.split("__", 1)[1]: value})
                               .values("secretary_id"))

    def by_status(self, queryset, name, value):
        active = Assignment.objects.active().values("secretary_id")
        return queryset.filter(pk__in=active) if value == "active" else queryset.exclude(pk__in=active)


class AssignmentFilter(ScopedFilterSet):
    q = django_filters.CharFilter(label="搜索", method="search")
    township = django_filters.ModelChoiceFilter(label="镇（街道）", queryset=Region.objects.none(), method="in_region")
    status = django_filters.ChoiceFilter(label="状态", choices=Assignment.Status.choices)
    role = django_filters.ChoiceFilter(label="驻村身份", choices=Assignment.Duty.choices)
    dispatch_level = django_filters.ChoiceFilter(label="派驻层级", choices=DispatchLevel.choices)
    batch = django_filters.ModelChoiceFilter(label="派驻批次", queryset=Batch.objects.all())
    unit = django_filters.ModelChoiceFilter(
        label="派出单位", queryset=DispatchUnit.objects.all(), field_name="secretary__unit"
    )
    ending_within = django_filters.NumberFilter(label="N 天内期满", method="ending")
    overdue = django_filters.ChoiceFilter(label="期满未离任", choices=[("1", "是")], method="by_overdue")
    ordering = django_filters.OrderingFilter(
        label="排序",
        fields=(("end_date", "end_date"), ("start_date", "start_date"), ("secretary__name", "secretary")),
        field_labels={"end_date": "结束日期", "start_date": "开始日期", "secretary__name": "姓名"},
    )

    class Meta:
        model = Assignment
        fields = ()

    def search(self, queryset, name, value):
        return queryset.filter(Q(secretary__name__contains=value) | Q(village__region__name__contains=value))

    def in_region(self, queryset, name, value):
        return queryset.filter(village__region__path__startswith=value.path)

    def by_overdue(self, queryset, name, value):
        return queryset.overdue()

    def ending(self, queryset, name, value):
        if value < 0 or value > 3650:
            return queryset.none()
        return queryset.ending_within(int(value))


class UnitFilter(ScopedFilterSet):
    q = django_filters.CharFilter(label="单位名称", field_name="name", lookup_expr="contains")
    level = django_filters.ChoiceFilter(label="单位层级", choices=DispatchUnit.Level.choices)
    kind = django_filters.ChoiceFilter(label="单位性质", choices=DispatchUnit.Kind.choices)
    ordering = django_filters.OrderingFilter(
        label="排序",
        fields=(("name", "name"), ("secretary_count", "secretary_count")),
        field_labels={"name": "单位名称", "secretary_count": "派出人数"},
    )

    class Meta:
        model = DispatchUnit
        fields = ()


class TeamFilter(ScopedFilterSet):
    q = django_filters.CharFilter(label="工作队名称", field_name="name", lookup_expr="contains")
    dispatch_level = django_filters.ChoiceFilter(label="派驻层级", choices=DispatchLevel.choices)

    class Meta:
        model = WorkTeam
        fields = ()


class BatchFilter(ScopedFilterSet):
    q = django_filters.CharFilter(label="批次名称", field_name="name", lookup_expr="contains")

    class Meta:
        model = Batch
        fields = ()
