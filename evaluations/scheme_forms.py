"""Forms for 考评方案: the scheme's own fields, its dimensions as an inline formset, and saving both at once."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import audit
from accounts.forms import ScopedModelForm
from accounts.models import AuditLog

from .models import Dimension, Scheme

MAX_DIMENSIONS = 10
LAST = 100  # the sort key of a row left without a number: after every numbered one


def percent(value):
    """20.00 → "20", 33.33 → "33.33": weights as people write them."""
    return f"{Decimal(value).normalize():f}"


class SchemeForm(ScopedModelForm):
    class Meta:
        model = Scheme
        fields = ("name", "note", "trim_min_raters", "weight_org", "weight_township", "weight_peer", "weight_survey",
                  *Scheme.OUTCOME_FIELDS)
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def clean_name(self):
        # The (region, name) constraint is not checked by the form, since region is not one of its fields.
        name = self.cleaned_data["name"]
        region = self.instance.region if self.instance.pk else self.user.region
        if Scheme.objects.filter(region=region, name=name).exclude(pk=self.instance.pk).exists():
            raise ValidationError("该区域已有同名的考评方案。")
        return name


class SchemeCreateForm(SchemeForm):
    """A new scheme starts from the defaults (services.scheme_create_default); only its name and note are asked."""

    class Meta(SchemeForm.Meta):
        fields = ("name", "note")

    def clean(self):
        if self.user.region is None:
            raise ValidationError("您的账号没有所属区域，不能制定考评方案。")
        return super().clean()


class DimensionForm(forms.ModelForm):
    position = forms.IntegerField(label="序号", min_value=1, max_value=99, required=False,
                                  widget=forms.NumberInput(attrs={"style": "width:4.5em"}))

    class Meta:
        model = Dimension
        fields = ("position", "name", "criteria", "weight")
        widgets = {
            "name": forms.TextInput(attrs={"style": "width:7em"}),
            "criteria": forms.Textarea(attrs={"rows": 2, "cols": 60}),
            "weight": forms.NumberInput(attrs={"step": "0.01", "style": "width:6em"}),
        }

    def clean_position(self):
        return self.cleaned_data["position"] or LAST


class BaseDimensionFormSet(forms.BaseInlineFormSet):
    """The dimensions as one list: checked together, since positions and names are renumbered on saving."""

    def clean(self):
        # Replaces the model formset's per-row uniqueness checks: rows are rewritten in their new order,
        # so swapping two names or positions is a valid edit, not a clash.
        if any(self.errors):
            return
        kept = self.kept_forms()
        if not kept:
            raise ValidationError("考评方案至少需要一个考评维度。")
        if len(kept) > MAX_DIMENSIONS:
            raise ValidationError(f"考评维度最多 {MAX_DIMENSIONS} 个，现在是 {len(kept)} 个。")
        seen = set()
        for form in kept:
            name = form.cleaned_data["name"]
            if name in seen:
                raise ValidationError(f"维度名称“{name}”重复，同一方案中维度名称不能重复。")
            seen.add(name)
        total = sum((form.cleaned_data["weight"] for form in kept), Decimal(0))
        if total != 100:
            raise ValidationError(f"考评维度的权重之和应为 100%，现在是 {percent(total)}%。")

    def kept_forms(self):
        """The rows to save, in their new order: by position, ties in the order shown."""
        kept = [form for form in self.forms if form.cleaned_data and not self._should_delete_form(form)]
        return sorted(kept, key=lambda form: form.cleaned_data["position"])


DimensionFormSet = forms.inlineformset_factory(
    Scheme, Dimension, form=DimensionForm, formset=BaseDimensionFormSet, extra=1, max_num=MAX_DIMENSIONS,
    can_delete=True,
)


def dimension_changes(old, new):
    """Plain sentences for the audit log: dimensions added, removed, changed and reordered.

    old: the saved Dimension rows in order; new: (pk or None, name, criteria, weight) in the new order.
    """
    before = {d.pk: d for d in old}
    changes = []
    for pk, name, criteria, weight in new:
        was = before.get(pk)
        if was is None:
            changes.append(f"新增维度“{name}”（权重 {percent(weight)}%）")
            continue
        parts = []
        if was.name != name:
            parts.append(f"名称改为“{name}”")
        if was.weight != weight:
            parts.append(f"权重 {percent(was.weight)}% → {percent(weight)}%")
        if was.criteria != criteria:
            parts.append("考评内容已修改")
        if parts:
            changes.append(f"维度“{was.name}”：{'，'.join(parts)}")
    kept = {pk for pk, *_ in new}
    changes.extend(f"删除维度“{d.name}”" for d in old if d.pk not in kept)
    old_order = [d.pk for d in old if d.pk in kept]
    new_order = [pk for pk, *_ in new if pk in before]
    if old_order != new_order:
        changes.append("维度顺序调整为：" + "、".join(name for _, name, _, _ in new))
    return changes


def _shown(value):
    return percent(value) if isinstance(value, Decimal) else value


@transaction.atomic
def scheme_save(form, dimensions, *, user, request=None):
    """Write the scheme and its dimensions together and audit what changed; False when nothing did.

    Dimensions are rewritten in their new order (positions 1, 2, 3…): rows updated one by one would clash
    with the unique names and positions halfway through a swap. Nothing refers to a dimension row by id.
    """
    scheme = form.instance
    Scheme.objects.select_for_update().filter(pk=scheme.pk).first()  # two people saving at once take turns
    old = list(Dimension.objects.filter(scheme=scheme).order_by("position"))
    new = [(f.instance.pk, f.cleaned_data["name"], f.cleaned_data["criteria"], f.cleaned_data["weight"])
           for f in dimensions.kept_forms()]
    changes = audit.diff({name: _shown(form.initial.get(name)) for name in form.changed_data},
                         {name: _shown(form.cleaned_data[name]) for name in form.changed_data}, form.changed_data)
    summary = dimension_changes(old, new)
    if not changes and not summary:
        return False
    form.save()
    Dimension.objects.filter(scheme=scheme).delete()
    Dimension.objects.bulk_create(
        Dimension(scheme=scheme, position=i, name=name, criteria=criteria, weight=weight)
        for i, (_, name, criteria, weight) in enumerate(new, start=1)
    )
    if summary:
        changes["dimensions"] = summary
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=scheme, changes=changes)
    return True
