import django_filters
from django import forms
from django.db.models import Q

from secretaries.models import Secretary
from secretaries.privacy import reads_diary_text
from villages.filters import ScopedFilterSet
from villages.models import Region

from .models import ServiceKind, ServiceRecord, Tag, WorkLog

DATE = forms.DateInput(attrs={"type": "date"})


class OwnRecordFilter(ScopedFilterSet):
    """What the log and service lists share: search, township, one person (from their page), dates."""

    q = django_filters.CharFilter(label="搜索", method="search")
    township = django_filters.ModelChoiceFilter(label="镇（街道）", queryset=Region.objects.none(), method="in_region")
    # Linked from a secretary's page; a hidden field, so a county's list does not render every name in a select.
    secretary = django_filters.ModelChoiceFilter(queryset=Secretary.objects.all(), widget=forms.HiddenInput)
    date_from = django_filters.DateFilter(label="起始日期", field_name="date", lookup_expr="gte", widget=DATE)
    date_to = django_filters.DateFilter(label="截止日期", field_name="date", lookup_expr="lte", widget=DATE)

    def in_region(self, queryset, name, value):
        return queryset.filter(village__region__path__startswith=value.path)


class WorkLogFilter(OwnRecordFilter):
    tag = django_filters.ChoiceFilter(label="标签", choices=Tag.choices, field_name="tags", lookup_expr="contains")

    class Meta:
        model = WorkLog
        fields = ()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.reads_text = reads_diary_text(user)

    def search(self, queryset, name, value):
        found = Q(secretary__name__contains=value) | Q(village__region__name__contains=value)
        if self.reads_text:  # a search hit would otherwise tell a role what the text it may not read says
            found |= Q(text__contains=value)
        return queryset.filter(found)


class ServiceRecordFilter(OwnRecordFilter):
    kind = django_filters.ChoiceFilter(label="类别", choices=ServiceKind.choices)

    class Meta:
        model = ServiceRecord
        fields = ()

    def search(self, queryset, name, value):
        return queryset.filter(Q(secretary__name__contains=value) | Q(title__contains=value)
                               | Q(village__region__name__contains=value))
