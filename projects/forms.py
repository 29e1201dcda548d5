"""The project form and its three grids (villages and shares, money by source, the six stages' dates).

The grids are plain forms; the rules that span rows (shares sum to 100, disbursed within planned, stages in
order) live in services, whose ValidationError the view puts on top of the page.
"""

from decimal import Decimal

from django import forms

from accounts.forms import ScopedModelForm
from secretaries.models import DispatchUnit
from villages.models import Village

from .choices import FundSource, Stage
from .models import Asset, Project, UpkeepCheck
from .services import DATE_FIELDS, PROJECT_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SHARE_ROWS = 4
ZERO = Decimal(0)
HUNDRED = Decimal(100)



class ProjectForm(ScopedModelForm):
    fund_unit = forms.ModelChoiceField(
        label="派出单位资金的出资单位", queryset=DispatchUnit.objects.none(), required=False,
        help_text="资金来源为“派出单位”时由哪个单位出资；留空则为负责第一书记的派出单位。")

    class Meta:
        model = Project
        fields = PROJECT_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["secretary"]
        field.queryset = field.queryset.select_related("unit")
        field.label_from_instance = lambda s: f"{s.name}（{s.unit.name}）"
        field.widget.attrs["data-search"] = ""
        self.fields["fund_unit"].queryset = DispatchUnit.objects.for_user(self.user).order_by("level", "name")
        self.fields["fund_unit"].widget.attrs["data-search"] = ""
        if self.instance.pk:
            current = self.instance.funds.filter(source=FundSource.UNIT).values_list("unit_id", flat=True).first()
            self.initial.setdefault("fund_unit", current)


class SharesForm(forms.Form):
    """The villages with their share (%): SHARE_ROWS rows, or one more than a project already has. One village
    alone may leave the share empty: 100%."""

    def __init__(self, *args, user, rows=SHARE_ROWS, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_count = rows
        villages = Village.objects.for_user(user).select_related("region__parent").order_by("region__path")
        self.villages = {village.pk: village for village in villages}
        choices = [("", "—")] + [(pk, v.choice_label) for pk, v in self.villages.items()]
        for row in range(rows):
            self.fields[f"village_{row}"] = forms.TypedChoiceField(
                label="村", choices=choices, coerce=int, required=False, empty_value=None)
            self.fields[f"share_{row}"] = forms.DecimalField(
                label="份额（%）", max_digits=5, decimal_places=2, min_value=Decimal("0.01"), max_value=HUNDRED,
                required=False)

    @classmethod
    def for_project(cls, data, *, user, project):
        if project is None:
            return cls(data, user=user)
        shares = list(project.shares.all())
        initial = {}
        for row, share in enumerate(shares):
            initial[f"village_{row}"], initial[f"share_{row}"] = share.village_id, share.share
        return cls(data, user=user, initial=initial, rows=max(SHARE_ROWS, len(shares) + 1))

    def rows(self):
        return [(self[f"village_{row}"], self[f"share_{row}"]) for row in range(self.row_count)]

    def clean(self):
        cleaned = super().clean()
        rows = [(cleaned.get(f"village_{r}"), cleaned.get(f"share_{r}"), r) for r in range(self.row_count)]
        rows = [(village, share, r) for village, share, r in rows if village is not None or share is not None]
        for village, share, row in rows:
            if village is None:
                self.add_error(f"village_{row}", "填写了份额，请选择村。")
            elif share is None and len(rows) > 1:
                self.add_error(f"share_{row}", "联合项目请填写每个村的份额。")
        return cleaned

    def shares(self):
        data = self.cleaned_data
        rows = [(data[f"village_{r}"], data[f"share_{r}"]) for r in range(self.row_count)]
        rows = [(self.villages[pk], share) for pk, share in rows if pk is not None]
        if len(rows) == 1 and rows[0][1] is None:
            rows = [(rows[0][0], HUNDRED)]
        return rows


class FundsForm(forms.Form):
    """Money per source. `names` = ("planned", "disbursed") for county staff, ("disbursed",) for a secretary."""

    def __init__(self, *args, names=("planned", "disbursed"), **kwargs):
        super().__init__(*args, **kwargs)
        self.names = names
        for source in FundSource:
            for name in names:
                self.fields[f"{name}_{source}"] = forms.DecimalField(
                    label=f"{source.label}{'计划' if name == 'planned' else '已拨付'}（万元）", max_digits=12,
                    decimal_places=2, min_value=ZERO, required=False)

    @staticmethod
    def initial_for(project):
        names = ("planned", "disbursed")
        return {f"{name}_{f.source}": getattr(f, name) for f in project.funds.all() for name in names}

    def rows(self):
        return [(source, [self[f"{name}_{source}"] for name in self.names]) for source in FundSource]

    def funds(self):
        """{source: (planned, disbursed)} or, for a secretary's form, {source: disbursed}."""
        def amount(name, source):
            return self.cleaned_data.get(f"{name}_{source}") or ZERO
        if self.names == ("disbursed",):
            return {source: amount("disbursed", source) for source in FundSource}
        return {source: (amount("planned", source), amount("disbursed", source)) for source in FundSource}


class StagesForm(forms.Form):
    """The six stages' dates. `names` = all four for county staff, the two actual dates for a secretary."""

    def __init__(self, *args, names=DATE_FIELDS, **kwargs):
        super().__init__(*args, **kwargs)
        self.names = names
        labels = {"planned_start": "计划开始", "planned_end": "计划完成", "actual_start": "实际开始",
                  "actual_end": "实际完成"}
        for stage in Stage:
            for name in names:
                self.fields[f"{name}_{stage.value}"] = forms.DateField(
                    label=f"{stage.label}{labels[name]}", widget=DATE, required=False)

    @staticmethod
    def initial_for(project):
        return {f"{name}_{s.stage}": getattr(s, name) for s in project.stages.all() for name in DATE_FIELDS}

    def rows(self):
        return [(stage, [self[f"{name}_{stage.value}"] for name in self.names]) for stage in Stage]

    def stages(self):
        return {stage: {name: self.cleaned_data.get(f"{name}_{stage.value}") for name in self.names}
                for stage in Stage}


class AssetForm(forms.ModelForm):
    class Meta:
        model = Asset
        fields = ("name", "value", "village", "custodian", "handed_over", "note")
        widgets = {"handed_over": DATE}

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["village"]
        field.queryset = Village.objects.filter(project_shares__project=project).select_related("region__parent")
        field.label_from_instance = Village.choice_label.fget


class UpkeepCheckForm(forms.ModelForm):
    class Meta:
        model = UpkeepCheck
        fields = ("date", "inspector", "finding", "fixed")
        widgets = {"date": DATE}
