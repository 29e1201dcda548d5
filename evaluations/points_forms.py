"""Forms of 积分制: a catalogue item (county staff) and one event (county or township staff)."""

from django import forms

from secretaries.models import Assignment

from .models import PointItem


class PointItemForm(forms.ModelForm):
    class Meta:
        model = PointItem
        fields = ("name", "points", "source", "note")


class PointEventForm(forms.Form):
    item = forms.ModelChoiceField(label="积分项目", queryset=PointItem.objects.none(),
                                  error_messages={"required": "请选择积分项目。", "invalid_choice": "请选择积分项目。"})
    assignment = forms.ModelChoiceField(label="第一书记", queryset=Assignment.objects.none(),
                                        error_messages={"required": "请选择第一书记。",
                                                        "invalid_choice": "请选择第一书记。"})
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}),
                           error_messages={"required": "请填写日期。", "invalid": "请填写正确的日期。"})
    evidence = forms.CharField(label="事实依据", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
                               error_messages={"required": "请写明事实依据。"})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = PointItem.objects.for_user(user).filter(
            active=True, source=PointItem.Source.MANUAL)
        self.fields["item"].label_from_instance = lambda item: f"{item.name}（{item.points:+}）"
        self.fields["assignment"].queryset = (
            Assignment.objects.for_user(user).active_first_secretaries()
            .select_related("secretary", "village__region__parent").order_by("village__region__path"))
        self.fields["assignment"].label_from_instance = (
            lambda a: f"{a.secretary.name}（{a.village.region.parent.name} · {a.village.region.name}）")
        self.fields["assignment"].widget.attrs["data-search"] = ""


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", min_length=4, max_length=300,
                             error_messages={"required": "请填写理由。", "min_length": "请填写理由（至少 4 个字）。"})



