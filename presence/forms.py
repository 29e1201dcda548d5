import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from villages.filters import area_level
from villages.models import Region

from .models import Leave, Method, Notice, Result, SpotCheck

METHOD_CHOICES = [("", "—")] + Method.choices
FIRST_DAY, LAST_DAY = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)


class DrawForm(forms.Form):
    region = forms.ModelChoiceField(label="抽查范围", queryset=Region.objects.none(), empty_label=None)
    rate = forms.DecimalField(label="抽查比例", min_value=0.01, max_value=1, max_digits=3, decimal_places=2,
                              initial=settings.PRESENCE_DEFAULT_RATE, help_text="如 0.2 即抽取 20%。",
                              error_messages={"min_value": "抽查比例应大于 0。",
                                              "max_value": "抽查比例不能超过 1（100%）。",
                                              "invalid": "请填写 0.01 到 1 之间的小数。",
                                              "max_decimal_places": "最多两位小数。",
                                              "max_digits": "请填写 0.01 到 1 之间的小数。"})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices follow the user's level: a county's townships, but a city's or province's counties only.
        levels = [Region.Level.COUNTY] + ([Region.Level.TOWNSHIP] if area_level(user) == Region.Level.TOWNSHIP else [])
        self.fields["region"].queryset = Region.objects.for_user(user).filter(level__in=levels).order_by("path")


class ResultGridForm(forms.Form):
    """The board's grid: one row per drawn secretary; only the rows changed are saved."""

    COLUMNS = ("result", "method", "inspector", "note")

    def __init__(self, *args, checks, **kwargs):
        super().__init__(*args, **kwargs)
        self.checks = list(checks)
        for check in self.checks:
            name = check.secretary.name
            self.fields[self.key(check, "result")] = forms.ChoiceField(
                label=f"{name} 结果", choices=Result.choices, initial=check.result)
            self.fields[self.key(check, "method")] = forms.ChoiceField(
                label=f"{name} 方式", choices=METHOD_CHOICES, initial=check.method, required=False)
            self.fields[self.key(check, "inspector")] = forms.CharField(
                label=f"{name} 督查人", max_length=60, initial=check.inspector, required=False,
                widget=forms.TextInput(attrs={"size": 8}))
            self.fields[self.key(check, "note")] = forms.CharField(
                label=f"{name} 情况说明", max_length=300, initial=check.note, required=False)
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = field.label

    @staticmethod
    def key(check, column):
        return f"c{check.pk}_{column}"

    def rows(self):
        errors = getattr(self, "row_errors", {})
        for check in self.checks:
            yield check, [self[self.key(check, column)] for column in self.COLUMNS], errors.get(check.pk)

    def entries(self):
        """[(check, fields)] for the rows the user changed."""
        changed = set(self.changed_data)
        return [
            (check, {column: self.cleaned_data[self.key(check, column)] for column in self.COLUMNS})
            for check in self.checks
            if any(self.key(check, column) in changed for column in self.COLUMNS)
        ]


class CheckForm(forms.ModelForm):
    photo = forms.FileField(label="现场照片", required=False, help_text="JPG 或 PNG，不超过 8 MB。")

    class Meta:
        model = SpotCheck
        fields = ("result", "method", "inspector", "note")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input multiple>: cleaned one by one, returned as a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            if not data:
                return super().clean(None, initial) and []
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)]


class EvidenceForm(forms.Form):
    photo = MultipleFileField(label="水印相机照片",
                              help_text="可一次选择多张（最多 9 张），JPG 或 PNG，每张不超过 8 MB；"
                                        "请保留照片的拍摄时间和位置信息。",
                              error_messages={"required": "请选择要上传的照片。"})
    spot_check = forms.ModelChoiceField(label="对应抽查", queryset=SpotCheck.objects.none(), required=False,
                                        empty_label="（不关联）")
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, secretary, user, **kwargs):
        super().__init__(*args, **kwargs)
        since = timezone.localdate() - datetime.timedelta(days=60)
        # Through the user's scope: a county round not yet recorded must not show up here either.
        self.fields["spot_check"].queryset = (
            SpotCheck.objects.for_user(user).filter(secretary=secretary, date__gte=since).order_by("-date", "-pk")
        )
        self.fields["spot_check"].label_from_instance = lambda c: f"{c.date:%Y-%m-%d} {c.get_result_display()}"


class LeaveForm(forms.ModelForm):
    class Meta:
        model = Leave
        fields = ("kind", "start_date", "end_date", "reason")
        widgets = {"start_date": forms.DateInput(attrs={"type": "date"}),
                   "end_date": forms.DateInput(attrs={"type": "date"})}

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            raise ValidationError({"end_date": "结束日期不能早于开始日期。"})
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="审批", choices=[("approve", "批准"), ("reject", "驳回")],
                                 widget=forms.RadioSelect)
    decision_note = forms.CharField(label="审批意见（驳回时必填）", max_length=300, required=False)


class NoticeForm(forms.ModelForm):
    class Meta:
        model = Notice
        fields = ("title", "body", "unit_leader")
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}


class TalkForm(forms.ModelForm):
    """约谈 record: prefilled with whom the notice says to talk to."""

    class Meta:
        model = Notice
        fields = ("talk_on", "talk_by", "talk_with", "talk_outcome")
        widgets = {"talk_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "talk_outcome": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"talk_with": "通报要求约谈的工作队队长、派出单位分管领导，以及第一书记本人。"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.Meta.fields:
            self.fields[name].required = True
        notice = self.instance
        if not notice.talk_with:
            people = [notice.team_leader and f"工作队队长{notice.team_leader.name}", notice.unit_leader,
                      f"第一书记{notice.secretary.name}"]
            self.initial["talk_with"] = "、".join(filter(None, people))
        self.initial["talk_on"] = notice.talk_on or timezone.localdate()


class RangeForm(forms.Form):
    start = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise ValidationError("结束日期不能早于开始日期。")
        if start and end and (end - start).days > 3660:
            raise ValidationError("日期范围不能超过十年。")
        return data


def date_range(request, today):
    """The range in the query string, or this month so far; a bad range is an error shown with this month."""
    form = RangeForm(request.GET or None, initial={"start": today.replace(day=1), "end": today})
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"]
    return form, today.replace(day=1), today


def parse_day(text, default):
    """A date from the query string, or `default` when it is not one or lies outside 2000–2100 (a week or month
    at either end of the calendar cannot be stepped through)."""
    try:
        day = datetime.date.fromisoformat(text) if text else default
    except ValueError:
        return default
    return day if FIRST_DAY <= day <= LAST_DAY else default
