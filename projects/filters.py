"""Project list filters; the colour and stage filters read the annotations of ProjectQuerySet.with_status."""

import django_filters

from villages.filters import ScopedFilterSet
from villages.models import Region

from .choices import Colour, Kind, Stage
from .models import Project, ProjectVillage

DONE = "done"


class ProjectFilter(ScopedFilterSet):
    q = django_filters.CharFilter(label="项目名称", field_name="name", lookup_expr="contains")
    kind = django_filters.ChoiceFilter(label="项目类型", choices=Kind.choices)
    colour = django_filters.ChoiceFilter(label="进度状态", choices=Colour.choices)
    township = django_filters.ModelChoiceFilter(label="镇（街道）", queryset=Region.objects.none(), method="in_region")
    stage = django_filters.ChoiceFilter(
        label="当前阶段", choices=[(str(s.value), s.label) for s in Stage] + [(DONE, "已全部完成")], method="by_stage")
    year = django_filters.NumberFilter(label="立项年度", field_name="year", min_value=2000, max_value=2100,
                                     decimal_places=0)

    class Meta:
        model = Project
        fields = ()

    def in_region(self, queryset, name, value):
        # A subquery over the share rows: a joint project with two villages in the township is listed once.
        shares = ProjectVillage.objects.filter(village__region__path__startswith=value.path)
        return queryset.filter(pk__in=shares.values("project_id"))

    def by_stage(self, queryset, name, value):
        if value == DONE:
            return queryset.filter(current_stage__isnull=True)
        return queryset.filter(current_stage=int(value))
