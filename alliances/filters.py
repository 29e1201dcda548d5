"""List filters; choice lists come from for_user, so a filter never names another county's alliance."""

import django_filters
from django.db.models import Q

from villages.filters import ScopedFilterSet
from villages.models import Region

from .models import Alliance, Category, CoBuild, Need, Resource, Urgency

FLOW = [("ordered", "群众下单"), ("dispatched", "联盟派单"), ("accepted", "专家接单"), ("solved", "已解决")]
COBUILD_STATES = [("waiting", "待接单"), ("ongoing", "推进中"), ("overdue", "已逾期"), ("completed", "已完成")]


class NeedFilter(ScopedFilterSet):
    q = django_filters.CharFilter(label="搜索", method="search")
    alliance = django_filters.ModelChoiceFilter(label="联盟", queryset=Alliance.objects.all())
    township = django_filters.ModelChoiceFilter(label="镇（街道）", queryset=Region.objects.none(), method="in_region")
    category = django_filters.ChoiceFilter(label="类别", choices=Category.choices)
    urgency = django_filters.ChoiceFilter(label="紧急程度", choices=Urgency.choices)
    flow = django_filters.ChoiceFilter(label="办理进度", choices=FLOW)

    class Meta:
        model = Need
        fields = ()

    def search(self, queryset, name, value):
        return queryset.filter(Q(description__contains=value) | Q(village__region__name__contains=value)
                               | Q(raised_by__contains=value))

    def in_region(self, queryset, name, value):
        return queryset.filter(village__region__path__startswith=value.path)


class ResourceFilter(ScopedFilterSet):
    q = django_filters.CharFilter(label="资源内容", field_name="description", lookup_expr="contains")
    alliance = django_filters.ModelChoiceFilter(label="联盟", queryset=Alliance.objects.all())
    category = django_filters.ChoiceFilter(label="类别", choices=Category.choices)
    available = django_filters.ChoiceFilter(label="可用情况", choices=[("1", "可用"), ("0", "已过期或已用完")],
                                            method="by_available")

    class Meta:
        model = Resource
        fields = ()

    def by_available(self, queryset, name, value):
        return queryset.filter(available=value == "1")


class CoBuildFilter(ScopedFilterSet):
    q = django_filters.CharFilter(label="共建内容", field_name="content", lookup_expr="contains")
    alliance = django_filters.ModelChoiceFilter(label="联盟", queryset=Alliance.objects.all())
    state = django_filters.ChoiceFilter(label="状态", choices=COBUILD_STATES)

    class Meta:
        model = CoBuild
        fields = ()
