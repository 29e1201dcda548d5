from django import forms

from accounts.forms import ScopedModelForm
from villages.models import Region, Village

from . import idcard
from .models import Assignment, Batch, DispatchUnit, Secretary, WorkTeam
from .names import normalize_name

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SecretaryForm(ScopedModelForm):
    class Meta:
        model = Secretary
        fields = ("name", "id_number", "ethnicity", "political_status", "education", "phone", "unit", "post", "rank",
                  "region")
        widgets = {"id_number": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.user.sees_full_id_numbers:
            # Who may not see the number may not change it either.
            del self.fields["id_number"]
        if self.instance.pk:
            # Where a secretary serves is set by assignments and rotations, not typed in.
            del self.fields["region"]
        else:
            self.fields["region"].queryset = self.fields["region"].queryset.filter(
                level__in=[Region.Level.COUNTY, Region.Level.TOWNSHIP]
            )
            self.fields["region"].label = "管理区域（县或镇）"

    def clean_id_number(self):
        number = idcard.parse(self.cleaned_data["id_number"]).number
        # The unique constraint is on the hash column, which the form does not show: check here, not by a 500.
        taken = Secretary.objects.filter(id_number=number).exclude(pk=self.instance.pk)
        if taken.exists():
            if taken.for_user(self.user).exists():
                raise forms.ValidationError("该身份证号已登记。")
            raise forms.ValidationError(ELSEWHERE)
        return number

    def clean_name(self):
        return normalize_name(self.cleaned_data["name"])


ELSEWHERE = ("该身份证号不能登记为新人员：如该同志此前由其他县（市、区）登记，须由市委组织部办理调转；"
             "否则请核对号码。")


class DispatchUnitForm(ScopedModelForm):
    class Meta:
        model = DispatchUnit
        fields = ("name", "level", "kind", "region")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = self.fields["region"].queryset.exclude(
            level__in=[Region.Level.TOWNSHIP, Region.Level.VILLAGE]
        )


def person_label(secretary):
    return f"{secretary.name}（{secretary.unit.name}）"


class BatchForm(ScopedModelForm):
    class Meta:
        model = Batch
        fields = ("name", "start_date", "end_date", "region")
        widgets = {"start_date": DATE, "end_date": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A batch is organised by a county (or a city, a province), never by a township.
        self.fields["region"].queryset = self.fields["region"].queryset.filter(
            level__in=[Region.Level.PROVINCE, Region.Level.CITY, Region.Level.COUNTY])


class WorkTeamForm(ScopedModelForm):
    """工作队: the leader and the liaison are members of the team; people are listed as 姓名（单位）."""

    class Meta:
        model = WorkTeam
        fields = ("name", "region", "dispatch_level", "batch", "leader", "liaison", "members")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = self.fields["region"].queryset.filter(
            level__in=[Region.Level.COUNTY, Region.Level.TOWNSHIP])
        self.fields["region"].label = "驻地区域（县或镇）"
        for name in ("leader", "liaison", "members"):
            field = self.fields[name]
            field.queryset = field.queryset.select_related("unit")
            field.label_from_instance = person_label
            field.widget.attrs["data-search"] = ""
        self.fields["members"].help_text = "可输入姓名搜索；按住 Ctrl 可多选。队长和联络员须为本队队员。"

    def clean_members(self):
        # Members who have since moved out of this user's sight are not offered, and must not be dropped either.
        chosen = set(self.cleaned_data["members"])
        if self.instance.pk:
            offered = self.fields["members"].queryset
            chosen |= set(self.instance.members.exclude(pk__in=offered.values("pk")))
        return list(chosen)

    def clean(self):
        cleaned = super().clean()
        members = set(cleaned.get("members") or [])
        for role in ("leader", "liaison"):
            person = cleaned.get(role)
            if person is not None and person not in members:
                self.add_error(role, f"{person} 不是本队队员，请先把他/她加入队员。")
        if cleaned.get("leader") is not None and cleaned.get("leader") == cleaned.get("liaison"):
            self.add_error("liaison", "队长和联络员应由不同的同志担任。")
        return cleaned


class AssignmentForm(ScopedModelForm):
    class Meta:
        model = Assignment
        fields = ("secretary", "village", "batch", "dispatch_level", "role", "start_date", "end_date", "note")
        widgets = {"start_date": DATE, "end_date": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = self.fields["village"].queryset.select_related("region__parent")
        self.fields["village"].label_from_instance = Village.choice_label.fget
        self.fields["secretary"].queryset = self.fields["secretary"].queryset.select_related("unit")



class RotationForm(forms.Form):
    village = forms.ModelChoiceField(label="新的所驻村", queryset=Village.objects.none())
    start_date = forms.DateField(label="到岗日期", widget=DATE)
    end_date = forms.DateField(label="计划期满日期", widget=DATE, required=False)
    batch = forms.ModelChoiceField(label="派驻批次", queryset=Batch.objects.none(), required=False,
                                   help_text="留空则沿用当前批次。")
    reason = forms.ChoiceField(
        label="原派驻的结束方式",
        choices=[(s.value, s.label) for s in (Assignment.Status.ROTATED, Assignment.Status.ADJUSTED)],
    )
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = Village.objects.for_user(user).select_related("region__parent")
        self.fields["village"].label_from_instance = Village.choice_label.fget
        self.fields["batch"].queryset = Batch.objects.for_user(user)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "计划期满日期不能早于到岗日期。")
        return cleaned


class EndAssignmentForm(forms.Form):
    end_date = forms.DateField(label="离任日期", widget=DATE)
    status = forms.ChoiceField(
        label="离任原因",
        choices=[(s.value, s.label) for s in Assignment.Status if s != Assignment.Status.ACTIVE],
    )
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):  # the same signature as the rotation form; no choices to narrow
        super().__init__(*args, **kwargs)


class IdLookupForm(forms.Form):
    """Find a secretary by ID number. Sent by POST so the number never lands in a URL or an access log."""

    id_number = forms.CharField(label="身份证号", max_length=30)

    def clean_id_number(self):
        return idcard.parse(self.cleaned_data["id_number"]).number
