from django import forms
from django.db.models import Q

from projects.models import Project
from secretaries.models import DispatchUnit, Secretary, WorkTeam
from villages.models import Region, Village

from .catalogue import CatalogueEntry
from .models import Activity, Alliance, CoBuild, Expert, ExpertGroup, Member, Need, Resource, Supervision

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TopicMixin:
    """A need or resource is filed under an entry of its county's catalogue (技术服务 › 种植技术); the broad
    category follows from the entry. Without an entry the broad category must be chosen."""

    def narrow_topic(self, user):
        field = self.fields["topic"]
        field.queryset = CatalogueEntry.objects.for_user(user).leaves().select_related("parent").order_by(
            "region__path", "position", "pk")
        field.label, field.widget.attrs["data-search"] = "类别", ""
        field.help_text = "按县委组织部维护的类别目录选择；选了类别无需再选大类。"
        self.fields["category"].required = False
        self.fields["category"].label = "大类（未选类别时填写）"

    def clean(self):
        data = super().clean()
        topic, alliance = data.get("topic"), data.get("alliance")
        if topic is not None:
            if alliance is not None and topic.region_id != alliance.region_id:
                self.add_error("topic", "请选择本联盟所在县的类别。")
            data["category"] = topic.category
            self.instance.category = topic.category
        elif not data.get("category"):
            self.add_error("topic", "请选择类别。")
        return data


class NeedForm(TopicMixin, forms.ModelForm):
    class Meta:
        model = Need
        fields = ("alliance", "topic", "category", "village", "description", "raised_by", "raised_on", "urgency")
        widgets = {"raised_on": DATE}

    def __init__(self, *args, user, alliances, **kwargs):
        super().__init__(*args, **kwargs)
        self.narrow_topic(user)
        self.fields["alliance"].queryset = alliances
        self.fields["village"].queryset = Village.objects.for_user(user).select_related("region__parent") \
            if user.role != "secretary" else Village.objects.filter(region__path__startswith=user.region.path) \
            .select_related("region__parent")
        self.fields["village"].label_from_instance = lambda village: village.choice_label
        self.fields["village"].widget.attrs["data-search"] = ""


class ResourceForm(TopicMixin, forms.ModelForm):
    class Meta:
        model = Resource
        fields = ("alliance", "topic", "category", "description", "amount", "amount_unit", "provider_secretary",
                  "provider_expert", "valid_until", "capacity")
        widgets = {"valid_until": DATE}

    def __init__(self, *args, user, alliances, **kwargs):
        super().__init__(*args, **kwargs)
        self.narrow_topic(user)
        self.fields["alliance"].queryset = alliances
        self.fields["provider_secretary"].queryset = Secretary.objects.for_user(user).select_related("unit")
        self.fields["provider_expert"].queryset = Expert.objects.for_user(user)


class DispatchForm(forms.ModelForm):
    resources = forms.ModelMultipleChoiceField(label="选用资源", queryset=Resource.objects.none(),
                                               widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = CoBuild
        fields = ("resources", "content", "measures", "deadline", "responsible", "expert_group")
        widgets = {"deadline": DATE, "measures": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, need, choosable, **kwargs):
        """`choosable`: the available resources in ranked order (alliances.matching.choosable); the expert groups
        are the need's alliance's own and those of its 总盟."""
        super().__init__(*args, **kwargs)
        self.fields["resources"].queryset = choosable.select_related("provider_secretary__unit", "provider_expert")
        self.fields["resources"].label_from_instance = lambda r: f"{r.description}（{r.provider_label}）"
        self.fields["expert_group"].queryset = ExpertGroup.objects.filter(
            alliance_id__in=[pk for pk in (need.alliance_id, need.alliance.parent_id) if pk])
        self.fields["expert_group"].required = False


class CatalogueEntryForm(forms.ModelForm):
    class Meta:
        model = CatalogueEntry
        fields = ("parent", "name", "category", "words", "position")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = CatalogueEntry.objects.filter(
            region_id=self.instance.region_id, parent__isnull=True).exclude(pk=self.instance.pk or 0)
        self.fields["parent"].empty_label = "（无，作为一级类别）"


class CompleteForm(forms.Form):
    outcome = forms.CharField(label="完成成效", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class AllianceForm(forms.ModelForm):
    class Meta:
        model = Alliance
        fields = ("kind", "name", "number", "parent", "convener", "townships", "founded", "note")
        widgets = {"founded": DATE, "townships": forms.CheckboxSelectMultiple}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Alliance.objects.for_user(user, "change")
        self.fields["convener"].queryset = Secretary.objects.for_user(user)
        self.fields["townships"].queryset = Region.objects.for_user(user).filter(level=Region.Level.TOWNSHIP)


class AllianceProjectsForm(forms.Form):
    projects = forms.ModelMultipleChoiceField(
        label="联盟项目", queryset=Project.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"data-search": "", "size": 12}),
        help_text="联盟统筹实施的帮扶项目（项目仍属于各实施村）；联盟页面按这些项目汇总整合资金和项目数。")

    def __init__(self, *args, user, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["projects"]
        field.queryset = Project.objects.for_user(user).filter(region=alliance.region).order_by("-year", "name")
        field.label_from_instance = lambda p: f"{p.year}年 {p.name}"
        self.initial.setdefault("projects", list(alliance.projects.values_list("pk", flat=True)))


class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = ("kind", "secretary", "team", "unit")

    def __init__(self, *args, user, alliance, **kwargs):
        super().__init__(*args, instance=Member(alliance=alliance), **kwargs)
        self.fields["secretary"].queryset = Secretary.objects.for_user(user).select_related("unit")
        self.fields["secretary"].label_from_instance = lambda s: f"{s.name}（{s.unit.name}）"
        self.fields["team"].queryset = WorkTeam.objects.for_user(user)
        self.fields["unit"].queryset = DispatchUnit.objects.for_user(user)
        for name in ("secretary", "team", "unit"):
            self.fields[name].widget.attrs["data-search"] = ""


class ExpertGroupForm(forms.ModelForm):
    class Meta:
        model = ExpertGroup
        fields = ("name", "category")

    def __init__(self, *args, user, alliance, **kwargs):
        super().__init__(*args, instance=ExpertGroup(alliance=alliance), **kwargs)


class ExpertForm(forms.ModelForm):
    class Meta:
        model = Expert
        fields = ("group", "name", "field", "unit", "phone")

    def __init__(self, *args, user, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = alliance.expert_groups.all()


class ActivityForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = ("kind", "date", "topic", "attendees", "minutes", "outcomes")
        widgets = {"date": DATE, "attendees": forms.CheckboxSelectMultiple}

    def __init__(self, *args, user, alliance, **kwargs):
        super().__init__(*args, instance=Activity(alliance=alliance), **kwargs)
        members = Member.objects.filter(alliance=alliance, kind="secretary").values("secretary_id")
        self.fields["attendees"].queryset = Secretary.objects.filter(
            Q(pk__in=members) | Q(pk=alliance.convener_id or 0))


class SupervisionForm(forms.ModelForm):
    class Meta:
        model = Supervision
        fields = ("need", "resource", "cobuild", "date", "inspector", "finding", "deadline")
        widgets = {"date": DATE, "deadline": DATE}

    def __init__(self, *args, user, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].queryset = alliance.needs.all()
        self.fields["resource"].queryset = alliance.resources.all()
        self.fields["cobuild"].queryset = alliance.cobuilds.all()
        self.fields["need"].help_text = "需求、资源、共建项目三者选填一项。"
