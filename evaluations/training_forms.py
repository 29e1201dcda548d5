"""Forms of 培训: a session, the attendance grid (one row per person), and a year's minimum hours."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from accounts.params import parse_id
from villages.models import Region

from .models import TrainingAttendance, TrainingRequirement, TrainingSession
from .models.training import MAX_HOURS, MAX_MINIMUM
from .services import training

HOURS_ERRORS = {"invalid": "请填写数字。", "min_value": "学时不能为负数。", "max_value": f"学时不能超过 {MAX_HOURS}。",
                "max_decimal_places": "学时最多保留一位小数。", "max_digits": f"学时不能超过 {MAX_HOURS}。",
                "max_whole_digits": f"学时不能超过 {MAX_HOURS}。"}
TOO_MANY = f"最低学时不能超过 {MAX_MINIMUM}。"
DATE_ERRORS = {"required": "请填写日期。", "invalid": "请填写正确的日期（如 2025-05-20）。"}


def date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TrainingSessionForm(forms.ModelForm):
    """County staff choose the session's region (their own, or one of their townships) and any level; a township
    official records sessions of their own township (镇级)."""

    class Meta:
        model = TrainingSession
        fields = ("topic", "level", "organiser", "region", "start_date", "end_date", "hours", "place", "notes")
        widgets = {"start_date": date_input(), "end_date": date_input(), "notes": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "topic": {"required": "请填写培训主题。"}, "organiser": {"required": "请填写主办单位。"},
            "region": {"required": "请选择所属区域。", "invalid_choice": "请选择所属区域。"},
            "start_date": DATE_ERRORS, "end_date": DATE_ERRORS,
            "hours": {**HOURS_ERRORS, "required": "请填写学时。", "min_value": "学时至少为 0.5。"},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        region = user.region
        choices = Region.objects.filter(pk=region.pk) if region is not None else Region.objects.none()
        if region is not None and region.level not in (Region.Level.TOWNSHIP, Region.Level.VILLAGE):
            choices = Region.objects.filter(
                Q(pk=region.pk) | Q(path__startswith=region.path, level__in=[Region.Level.COUNTY,
                                                                             Region.Level.TOWNSHIP]))
        self.fields["region"].queryset = choices.order_by("path")
        self.fields["region"].empty_label = None
        if region is not None and region.level == Region.Level.TOWNSHIP:
            self.fields["level"].choices = [(TrainingSession.Level.TOWNSHIP, TrainingSession.Level.TOWNSHIP.label)]
            self.fields["level"].initial = TrainingSession.Level.TOWNSHIP
        self.fields["hours"].widget.attrs.update({"step": "0.5", "min": "0.5", "max": str(MAX_HOURS)})
        self.fields["hours"].help_text = "每天一般按 8 学时计；半天 4 学时。"

    def clean_topic(self):
        topic = self.cleaned_data["topic"].strip()
        if len(topic) < 2:
            raise ValidationError("请填写培训主题（至少 2 个字）。")
        return topic

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "结束日期不能早于开始日期。")
        if start and end and (end - start).days > 366:
            self.add_error("end_date", "一期培训不能超过一年，请分期登记。")
        hours = data.get("hours")
        if start and end and hours is not None and hours > 24 * ((end - start).days + 1):
            self.add_error("hours", "学时超过了培训天数所能容纳的时长，请核对。")
        return data


class AttendanceGridForm(forms.Form):
    """One row per person (an active or last assignment): status, hours credited, note. Rows left 未登记 are not
    recorded (an existing record set back to 未登记 is removed)."""

    STATUS_CHOICES = [("", training.NOT_RECORDED)] + list(TrainingAttendance.Status.choices)

    def __init__(self, *args, session, people, existing, fill_present=False, disabled=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.session, self.people, self.existing = session, people, existing
        self.opened = {}
        for person in people:
            sid = person.secretary_id
            row = existing.get(sid)
            self.opened[sid] = training.fingerprint(training.row_values(row))
            status = row.status if row else (TrainingAttendance.Status.PRESENT if fill_present else "")
            name = person.secretary.name
            self.fields[f"status_{sid}"] = forms.ChoiceField(
                label=f"{name} 出勤情况", choices=self.STATUS_CHOICES, required=False, initial=status,
                disabled=disabled, error_messages={"invalid_choice": "请选择出勤情况。"})
            self.fields[f"hours_{sid}"] = forms.DecimalField(
                label=f"{name} 计入学时", required=False, min_value=Decimal(0), max_value=MAX_HOURS, max_digits=4,
                decimal_places=1, initial=row.hours if row and row.status == TrainingAttendance.Status.PRESENT
                and row.hours != session.hours else None,
                disabled=disabled, error_messages=HOURS_ERRORS,
                widget=forms.NumberInput(attrs={"step": "0.5", "min": "0", "max": str(session.hours),
                                                "placeholder": f"{session.hours.normalize():f}",
                                                "aria-label": f"{name} 计入学时"}))
            self.fields[f"note_{sid}"] = forms.CharField(
                label=f"{name} 备注", required=False, max_length=100, initial=row.note if row else "",
                disabled=disabled, error_messages={"max_length": "备注最多 100 个字。"},
                widget=forms.TextInput(attrs={"aria-label": f"{name} 备注", "size": 16}))

    def rows(self):
        for person in self.people:
            sid = person.secretary_id
            yield (person, self[f"status_{sid}"], self[f"hours_{sid}"], self[f"note_{sid}"],
                   self.row_errors.get(sid) if hasattr(self, "row_errors") else None)

    def opened_version(self):
        """{secretary id: fingerprint} the grid was opened with (posted back), else the rows as they are now."""
        if not self.is_bound:
            return self.opened
        posted = {}
        for part in self.data.get("_rows", "")[:200_000].split(","):
            sid, _, digest = part.partition(":")
            if parse_id(sid) is not None and digest:
                posted[parse_id(sid)] = digest[:10]
        return posted

    def rows_version(self):
        return ",".join(f"{sid}:{digest}" for sid, digest in self.opened.items())

    def clean(self):
        data = super().clean()
        self.row_errors, self.entries = {}, {}
        for person in self.people:
            sid = person.secretary_id
            if any(f"{name}_{sid}" in self.errors for name in ("status", "hours", "note")):
                continue
            status, hours, note = data.get(f"status_{sid}"), data.get(f"hours_{sid}"), data.get(f"note_{sid}", "")
            if not status:
                if hours is not None or note:
                    self.row_errors[sid] = "请先选择出勤情况。"
                else:
                    self.entries[person.secretary] = None
                continue
            try:
                self.entries[person.secretary] = training.resolve(self.session, status, hours, note)
            except ValidationError as error:
                self.row_errors[sid] = error.messages[0]
        if self.row_errors:
            raise ValidationError(f"有 {len(self.row_errors)} 行填写有误，请按提示修改（本次没有保存任何内容）。")
        return data


class RequirementForm(forms.ModelForm):
    class Meta:
        model = TrainingRequirement
        fields = ("year", "min_hours")
        error_messages = {
            "year": {"required": "请填写年度。", "invalid": "请填写年度（如 2025）。"},
            "min_hours": {**HOURS_ERRORS, "required": "请填写最低学时。", "max_value": TOO_MANY,
                          "max_digits": TOO_MANY, "max_whole_digits": TOO_MANY},
        }
        labels = {"min_hours": "每年不少于（学时）"}
