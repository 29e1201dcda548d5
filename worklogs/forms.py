from django import forms

from accounts.forms import ScopedModelForm
from secretaries.forms import DATE
from villages.filters import narrow_area_field
from villages.models import Region, Village

from .models import REFLECTION_LIMIT, TEXT_LIMIT, ServiceRecord, Tag, WorkLog
from .periods import FIRST_DAY, LAST_DAY, in_range


class WorkLogForm(ScopedModelForm):
    """A day's log. The village comes from the secretary's assignment; the date is fixed once written."""

    tags = forms.MultipleChoiceField(label="标签", choices=Tag.choices, required=False,
                                     widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WorkLog
        fields = ("date", "text", "households_visited", "problems_raised", "problems_solved", "tags")
        widgets = {"date": DATE, "text": forms.Textarea(attrs={"rows": 8, "maxlength": TEXT_LIMIT})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["date"]
            self.initial["tags"] = self.instance.tag_list

    def clean_tags(self):
        return ",".join(value for value, _ in Tag.choices if value in self.cleaned_data["tags"])


class ServiceRecordForm(ScopedModelForm):
    """One service activity; the village and the day's log are offered from the secretary's own."""

    class Meta:
        model = ServiceRecord
        fields = ("kind", "date", "village", "title", "people_served", "note", "work_log")
        widgets = {"date": DATE}

    def __init__(self, *args, villages, logs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages.select_related("region__parent").order_by("region__path")
        self.fields["village"].label_from_instance = Village.choice_label.fget
        self.fields["work_log"].queryset = logs
        self.fields["work_log"].label_from_instance = lambda log: f"{log.date:%Y-%m-%d} 的民情日记"
        self.fields["work_log"].help_text = "可选：同一天写过民情日记的，关联上便于对照。"


class ReflectionForm(forms.Form):
    text = forms.CharField(label="体会与打算", max_length=REFLECTION_LIMIT,
                           widget=forms.Textarea(attrs={"rows": 4, "maxlength": REFLECTION_LIMIT}),
                           help_text=f"只写数字说明不了的：体会、困难、下步打算（{REFLECTION_LIMIT} 字以内）。"
                                     "各项数字由民情日记自动汇总，不必重复填写。")


class BoardForm(forms.Form):
    """Which week or month, and (for county staff) which township, the board shows."""

    kind = forms.ChoiceField(label="周期", choices=[("week", "按周"), ("month", "按月")], required=False)
    day = forms.DateField(label="日期", required=False, widget=DATE, help_text="所选日期所在的周或月。")
    township = forms.ModelChoiceField(label="镇（街道）", queryset=Region.objects.none(), required=False,
                                      empty_label="全部")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        narrow_area_field(self.fields["township"], user)

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day is not None and not in_range(day):
            raise forms.ValidationError(f"请选择 {FIRST_DAY.year} 年至 {LAST_DAY.year} 年之间的日期。")
        return day


class OverviewForm(forms.Form):
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100,
                              help_text="留空为派驻以来累计。")
