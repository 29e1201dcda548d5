import django_filters
from django.db.models import Q

from .models import Region, Village

TAG_CHOICES = [(name, Village._meta.get_field(name).verbose_name) for name in Village.TAG_FIELDS]


def township_queryset(user):
    return (
        Region.objects.for_user(user).filter(level=Region.Level.TOWNSHIP)
        .select_related("parent").order_by("parent__path", "code", "name")
    )


def township_label(user):
    """Above county level two townships may share a name: say which county each is in."""
    if user.is_superuser or (user.region and user.region.level in (Region.Level.PROVINCE, Region.Level.CITY)):
        return lambda township: f"{township.parent.name} · {township.name}"
    return str


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
        field_labels={"region": "所在镇", "name": "村名"},
    )

    class Meta:
        model = Village
        fields = ()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["township"].queryset = township_queryset(user)
        self.form.fields["township"].label_from_instance = township_label(user)

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
