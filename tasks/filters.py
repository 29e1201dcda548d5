"""List filters for plans and task items; every choice list is narrowed to the user's region."""

import django_filters
from django.db.models import Q
from django.utils import timezone

from villages.filters import ScopedFilterSet
from villages.models import Region

from .models import CommonTask, Dimension, Plan, TaskItem
from .querysets import OVERDUE

DUE = "due"
STATE_CHOICES = [*TaskItem.Status.choices, (OVERDUE, "已逾期"), (DUE, "催办（剩余时间不足20%）")]


class TaskFilter(ScopedFilterSet):
    q = django_filters.CharFilter(label="搜索", method="search")
    township = django_filters.ModelChoiceFilter(label="镇（街道）", queryset=Region.objects.none(), method="in_region")
    year = django_filters.NumberFilter(label="年度")
    dimension = django_filters.ChoiceFilter(label="五看维度", choices=Dimension.choices)
    state = django_filters.ChoiceFilter(label="状态", choices=STATE_CHOICES, method="by_state")
    source = django_filters.ChoiceFilter(label="来源", choices=TaskItem.Source.choices)
    common = django_filters.ModelChoiceFilter(label="县统一清单", queryset=CommonTask.objects.all(),
                                              field_name="common_item__common")
    ordering = django_filters.OrderingFilter(
        label="排序",
        fields=(("deadline", "deadline"), ("progress", "progress"), ("secretary__name", "secretary")),
        field_labels={"deadline": "完成时限", "progress": "进度", "secretary__name": "第一书记"},
    )

    class Meta:
        model = TaskItem
        fields = ()

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__contains=value) | Q(secretary__name__contains=value)
                               | Q(village__region__name__contains=value))

    def in_region(self, queryset, name, value):
        return queryset.filter(village__region__path__startswith=value.path)

    def by_state(self, queryset, name, value):
        today = timezone.localdate()
        if value == OVERDUE:
            return queryset.overdue(today)
        if value == DUE:
            return queryset.reminders_due(today)
        if value in TaskItem.OPEN_STATES:
            return queryset.filter(status=value, deadline__gte=today)
        return queryset.filter(status=value)


class PlanFilter(ScopedFilterSet):
    township = django_filters.ModelChoiceFilter(label="镇（街道）", queryset=Region.objects.none(), method="in_region")
    status = django_filters.ChoiceFilter(label="状态", choices=Plan.Status.choices)
    q = django_filters.CharFilter(label="村名", field_name="village__region__name", lookup_expr="contains")

    class Meta:
        model = Plan
        fields = ()

    def in_region(self, queryset, name, value):
        return queryset.filter(village__region__path__startswith=value.path)
