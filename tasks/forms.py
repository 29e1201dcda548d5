from django import forms
from django.utils import timezone

from accounts.params import parse_id
from secretaries.models import Assignment, Secretary
from villages.filters import area_queryset
from villages.models import Region, Village

from .models import CommonTask, CommonTaskItem, Plan, TaskItem

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})



class PlanForm(forms.ModelForm):
    """A plan's text; the village and year are chosen only when it is created (and only by county staff)."""

    village = forms.ModelChoiceField(label="村", queryset=Village.objects.none())

    class Meta:
        model = Plan
        fields = ("year", "overview", "goal_party", "goal_development", "goal_governance", "goal_service",
                  "goal_appearance")
        widgets = {name: TEXT for name in fields[1:]}

    def __init__(self, *args, user, villages=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["village"], self.fields["year"]
            return
        self.fields["year"].initial = timezone.localdate().year
        self.fields["village"].queryset = (villages if villages is not None else Village.objects.for_user(user)
                                           ).select_related("region__parent")
        self.fields["village"].label_from_instance = Village.choice_label.fget
        self.order_fields(["village", "year"])


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=300, widget=forms.TextInput(attrs={"size": 40}))


class TaskForm(forms.ModelForm):
    """A task item's wording and deadline; county staff also choose whose item it is."""

    secretary = forms.ModelChoiceField(label="第一书记", queryset=Secretary.objects.none())

    class Meta:
        model = TaskItem
        fields = ("dimension", "title", "description", "deadline")
        widgets = {"deadline": DATE, "description": TEXT}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk or not user.is_county_admin:
            del self.fields["secretary"]
        else:
            serving = Assignment.objects.active().values("secretary_id")
            self.fields["secretary"].queryset = Secretary.objects.for_user(user).filter(pk__in=serving)
            self.order_fields(["secretary"])


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label="完成进度（%）", min_value=0, max_value=100)
    evidence = forms.CharField(label="进展及佐证说明", required=False, widget=TEXT)


class CloseForm(forms.Form):
    evidence = forms.CharField(label="办结情况及佐证说明", widget=TEXT,
                               help_text="写明完成了什么、有哪些佐证材料（可另行上传附件）。提交后由镇街确认销号。")


class AttachmentForm(forms.Form):
    file = forms.FileField(label="附件", help_text="PDF、Word、Excel、JPG 或 PNG，不超过 10 MB。")


class CommonTaskForm(forms.ModelForm):
    class Meta:
        model = CommonTask
        fields = ("year", "title", "note")
        widgets = {"note": TEXT}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class CommonItemForm(forms.ModelForm):
    class Meta:
        model = CommonTaskItem
        fields = ("dimension", "title", "description", "deadline")
        widgets = {"deadline": DATE, "description": forms.Textarea(attrs={"rows": 2})}


class IdChoices(forms.ModelMultipleChoiceField):
    """Ids that are not plain digits of a sane length are refused before the query (a forged 20-digit id would
    raise OverflowError on SQLite, which the stock field does not catch)."""

    def _check_values(self, value):
        if any(parse_id(v) is None for v in value or ()):
            raise forms.ValidationError("所选镇街无效，请重新选择。", code="invalid_choice")
        return super()._check_values(value)


class IssueForm(forms.Form):
    townships = IdChoices(
        label="下发到", queryset=Region.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="不选则下发给全部在岗第一书记。已收到的任务不会重复下发。",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["townships"].queryset = area_queryset(user).filter(level=Region.Level.TOWNSHIP)

