import django_filters
from django.db.models import Q

from alliances.models import Alliance
from secretaries.models import DispatchLevel
from villages.filters import ScopedFilterSet
from villages.models import Region

from .models import Period


class PeriodFilter(ScopedFilterSet):
    year = django_filters.NumberFilter(label="年度")
    kind = django_filters.ChoiceFilter(label="周期类型", choices=Period.Kind.choices)
    status = django_filters.ChoiceFilter(label="状态", choices=Period.Status.choices)

    class Meta:
        model = Period
        fields = ["year", "kind", "status"]


class RankingFilter(django_filters.FilterSet):
    """Filters of one period's ranking; the township choices are the period's townships the user may see."""

    q = django_filters.CharFilter(label="姓名或单位", method="search")
    township = django_filters.ModelChoiceFilter(label="镇（街道）", queryset=Region.objects.none(), method="by_area")
    alliance = django_filters.ModelChoiceFilter(label="分盟", queryset=Alliance.objects.none())
    dispatch_level = django_filters.ChoiceFilter(label="派驻层级", choices=DispatchLevel.choices)
    missing = django_filters.ChoiceFilter(label="渠道缺失", choices=[("1", "是"), ("0", "否")], empty_label="全部",
                                          method="by_missing")

    def __init__(self, *args, townships, alliances, area_label="镇（街道）", **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["township"].queryset = townships
        self.form.fields["township"].label = area_label
        self.form.fields["alliance"].queryset = alliances

    def by_area(self, queryset, name, value):
        """A township, or a county or city (for users above the county): everyone whose township lies in it."""
        if value.level == Region.Level.TOWNSHIP:
            return queryset.filter(township=value)
        return queryset.filter(township__path__startswith=value.path)

    def by_missing(self, queryset, name, value):
        return queryset.filter(channels_missing=value == "1")

    def search(self, queryset, name, value):
        return queryset.filter(Q(secretary__name__contains=value) | Q(unit_name__contains=value))
