import django_filters
from django.db.models import Q

from .models import Region, Village

TAG_CHOICES = [(name, Village._meta.get_field(name).verbose_name) for name in Village.TAG_FIELDS]


# Steps from a village up to the region of each level (village → township is one step).
STEPS_UP = {Region.Level.TOWNSHIP: 1, Region.Level.COUNTY: 2, Region.Level.CITY: 3, Region.Level.PROVINCE: 4}


def area_level(user):
    """The level a user's lists and dashboards break down by: townships for county staff and below; for a city
    or province user the level under their own, so a dropdown lists 11 counties rather than 150 townships."""
    region = user.region
    if region is None or user.is_superuser:
        return Region.Level.COUNTY
    if region.level == Region.Level.PROVINCE:
        return Region.Level.CITY
    if region.level == Region.Level.CITY:
        return Region.Level.COUNTY
    return Region.Level.TOWNSHIP


def area_lookup(user, prefix="region"):
    """The lookup from a village (through `prefix`, its region) to its area at area_level(user)."""
    return "__".join([prefix] + ["parent"] * STEPS_UP[area_level(user)])


def area_queryset(user):
    return Region.objects.for_user(user).filter(level=area_level(user)).order_by("path")


def chinese_ordering(filterset):
    """django-filter labels descending sorts "… (descending)" (it ships no zh-hans translation): "…（降序）"."""
    for name, flt in filterset.filters.items():
        if isinstance(flt, django_filters.OrderingFilter):
            field = filterset.form.fields[name]
            ascending = {value: label for value, label in field.choices if value and not str(value).startswith("-")}
            field.choices = [(value, f"{ascending.get(str(value)[1:], label)}（降序）" if str(value).startswith("-")
                              else label) for value, label in field.choices]


def narrow_area_field(field, user):
    field.queryset = area_queryset(user)
    field.label = Region.Level(area_level(user)).label


class VillageFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="村名", field_name="region__name", lookup_expr="contains")
    township = django_filters.ModelChoiceFilter(label="镇（街道）", queryset=Region.objects.none(), method="in_region")
    tag = django_filters.ChoiceFilter(label="村标签", choices=TAG_CHOICES, method="by_tag")
    staffed = django_filters.ChoiceFilter(
        label="第一书记", choices=[("yes", "有在岗第一书记"), ("no", "无在岗第一书记"), ("missing", "需选派但空缺")],
        method="by_staffed",
    )
    ordering = django_filters.OrderingFilter(
        label="排序",
        fields=(("region__path", "region"), ("region__name", "name")),
        field_labels={"region__path": "所在镇", "region__name": "村名"},
    )

    class Meta:
        model = Village
        fields = ()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        narrow_area_field(self.form.fields["township"], user)
        chinese_ordering(self)

    def in_region(self, queryset, name, value):
        return queryset.filter(region__path__startswith=value.path)

    def by_tag(self, queryset, name, value):
        return queryset.filter(**{value: True})

    def by_staffed(self, queryset, name, value):
        staffed = Q(current_secretary_id__isnull=False)
        if value == "yes":
            return queryset.filter(staffed)
        if value == "no":
            return queryset.exclude(staffed)
        return queryset.filter(needs_secretary=True).exclude(staffed)


class ScopedFilterSet(django_filters.FilterSet):
    """A FilterSet for a user: every model choice comes from for_user, and a "township" filter offers the areas
    the user may break down by (townships for county staff, counties for a city …)."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        for name, flt in self.filters.items():
            queryset = flt.extra.get("queryset")
            if queryset is not None and hasattr(queryset, "for_user"):
                self.form.fields[name].queryset = queryset.for_user(user)
        if "township" in self.filters:
            narrow_area_field(self.form.fields["township"], user)
        chinese_ordering(self)
