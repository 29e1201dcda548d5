"""Forms for units' actions, year targets and the rating scheme; choices narrowed to the user in __init__."""

from django import forms
from django.utils import timezone

from projects.choices import FundSource
from projects.models import Project, ProjectFund
from secretaries.models import DispatchUnit, Secretary
from tasks.attachments import ALLOWED_TEXT, validate_upload
from villages.models import Village

from .access import is_staff
from .models import TARGET_KINDS, RatingScheme, UnitAction

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
FIRST_YEAR, LAST_YEAR = 2000, 2100


def recordable_units(user):
    """The units the user may record actions for: any they see (county staff) or their own (unit contact)."""
    units = DispatchUnit.objects.for_user(user)
    return units if is_staff(user) else units.filter(contacts=user)


class UnitActionForm(forms.ModelForm):
    evidence = forms.FileField(label="佐证材料", required=False,
                               help_text=f"会议纪要、照片、签到表等，{ALLOWED_TEXT}，不超过 10 MB。")

    class Meta:
        model = UnitAction
        fields = ("unit", "kind", "date", "villages", "secretaries", "summary", "leader", "people", "amount",
                  "project")
        widgets = {"date": DATE, "villages": forms.SelectMultiple(attrs={"data-search": "", "size": 8}),
                   "secretaries": forms.SelectMultiple(attrs={"data-search": "", "size": 6})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        units = recordable_units(user).order_by("level", "name")
        self.fields["unit"].queryset = units
        if units.count() == 1:
            self.initial.setdefault("unit", units.first().pk)
        self.initial.setdefault("date", timezone.localdate())
        # A unit contact's villages are those where their unit's people serve or served (Village.for_user).
        villages = Village.objects.for_user(user).select_related("region__parent").order_by("region__path")
        self.fields["villages"].queryset = villages
        self.fields["villages"].label_from_instance = Village.choice_label.fget
        people = Secretary.objects.for_user(user).select_related("unit").order_by("name", "pk")
        if not is_staff(user):
            people = people.filter(unit__in=units)
        self.fields["secretaries"].queryset = people
        self.fields["secretaries"].label_from_instance = lambda s: f"{s.name}（{s.unit.name}）"
        funded = ProjectFund.objects.filter(source=FundSource.UNIT, unit__in=units).values("project")
        self.fields["project"].queryset = Project.objects.for_user(user).filter(pk__in=funded).order_by("-year", "name")
        self.fields["project"].label_from_instance = lambda p: f"{p.year}年 {p.name}"
        self.fields["people"].required = False

    def clean_people(self):
        return self.cleaned_data.get("people") or 0

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if upload:
            validate_upload(upload)
        return upload


class TargetsForm(forms.Form):
    """年度目标 for every unit of one level at once."""

    year = forms.IntegerField(label="年度", min_value=FIRST_YEAR, max_value=LAST_YEAR)
    level = forms.ChoiceField(label="单位层级", choices=DispatchUnit.Level.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("year", timezone.localdate().year)
        for kind in TARGET_KINDS:
            self.fields[f"count_{kind.value}"] = forms.IntegerField(
                label=f"{kind.label}（次）", min_value=0, max_value=365, required=False,
                help_text="留空或填 0 表示不设此项目标。")

    def counts(self):
        return {kind.value: self.cleaned_data.get(f"count_{kind.value}") or 0 for kind in TARGET_KINDS}


class SchemeForm(forms.ModelForm):
    class Meta:
        model = RatingScheme
        fields = (*RatingScheme.WEIGHTS, "support_full")


def year_from(request, default):
    """The year asked for in ?year=, or `default` for anything that is not a sensible year."""
    try:
        year = int(request.GET.get("year", default))
    except (TypeError, ValueError):
        return default
    return year if FIRST_YEAR <= year <= LAST_YEAR else default


