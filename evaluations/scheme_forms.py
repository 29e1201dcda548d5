"""Forms for 考评方案: the scheme's own fields, its dimensions as an inline formset, and saving both at once."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import audit
from accounts.forms import ScopedModelForm
from accounts.models import AuditLog

from .models import CHANNEL_INPUT, MAX_DIMENSIONS, Channel, Dimension, Scheme, SchemeChannel

LAST = 100  # the sort key of a row left without a number: after every numbered one


def percent(value):
    """20.00 → "20", 33.33 → "33.33": weights as people write them."""
    return f"{Decimal(value).normalize():f}"


class SchemeForm(ScopedModelForm):
    class Meta:
        model = Scheme
        fields = ("name", "note", "trim_min_raters", "points_base", *Scheme.OUTCOME_FIELDS)
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


class ChannelsForm(forms.Form):
    """The scheme's channels: one row per kind of input; a weight makes it one of the scheme's channels (blank:
    not used). Names are the county's own (鱼台: 村级评价 / 镇级评价 / 县级评价)."""

    def __init__(self, *args, scheme, **kwargs):
        super().__init__(*args, **kwargs)
        current = {c.channel: c for c in scheme.channels.all()} if scheme.pk else {}
        for channel in Channel:
            mine = current.get(channel.value)
            self.fields[f"{channel.value}-weight"] = forms.DecimalField(
                label=f"{channel.label}权重（%）", required=False, min_value=0, max_value=100, decimal_places=2,
                initial=percent(mine.weight) if mine else None,
                widget=forms.NumberInput(attrs={"step": "0.01", "class": "weight"}),
                error_messages={"max_decimal_places": "权重最多两位小数。", "min_value": "权重不能为负数。",
                                "max_value": "权重不能超过 100%。", "invalid": "请填写数字。"})
            self.fields[f"{channel.value}-name"] = forms.CharField(
                label=f"{channel.label}名称", required=False, max_length=20,
                initial=mine.name if mine else channel.label)
        village = current.get(Channel.VILLAGE.value)
        self.fields["village-input"] = forms.ChoiceField(
            label="村级评价方式", choices=SchemeChannel.Input.choices,
            initial=village.input if village else SchemeChannel.Input.GRID)

    @property
    def village_input_field(self):
        return self["village-input"]

    def rows(self):
        """For the template: (channel, how it comes in, weight field, name field)."""
        return [(channel, CHANNEL_INPUT[channel], self[f"{channel.value}-weight"], self[f"{channel.value}-name"])
                for channel in Channel]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        used = self.used()
        if not used:
            raise ValidationError("考评方案至少需要一个评价渠道（填写权重即启用）。")
        total = sum((weight for _, _, weight, _ in used), Decimal(0))
        if total != 100:
            raise ValidationError(f"评价渠道的权重之和应为 100%，现在是 {percent(total)}%。")
        return data

    def used(self):
        """[(position, channel, weight, name)] of the channels given a weight, in the order shown."""
        rows = []
        for channel in Channel:
            weight = self.cleaned_data.get(f"{channel.value}-weight")
            if weight is not None:
                name = (self.cleaned_data.get(f"{channel.value}-name") or "").strip() or channel.label
                rows.append((len(rows) + 1, channel.value, weight, name))
        return rows


def channel_changes(old, new, village_before, village_after):
    """Plain sentences for the audit log: channels added, removed, renamed or reweighted."""
    before = {c.channel: c for c in old}
    after = {channel: (weight, name) for _, channel, weight, name in new}
    changes = []
    for channel, (weight, name) in after.items():
        was = before.get(channel)
        if was is None:
            changes.append(f"启用渠道“{name}”（权重 {percent(weight)}%）")
        elif (was.weight, was.name) != (weight, name):
            changes.append(f"渠道“{was.name}”：" + "，".join(
                ([f"名称改为“{name}”"] if was.name != name else [])
                + ([f"权重 {percent(was.weight)}% → {percent(weight)}%"] if was.weight != weight else [])))
    changes.extend(f"停用渠道“{c.name}”" for c in old if c.channel not in after)
    if Channel.VILLAGE in after and village_before != village_after:
        changes.append(f"村级评价方式改为“{SchemeChannel.Input(village_after).label}”")
    return changes


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
def scheme_save(form, dimensions, channels=None, *, user, request=None):
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
    old_channels = list(SchemeChannel.objects.filter(scheme=scheme).order_by("position"))
    new_channels = channels.used() if channels is not None else [
        (c.position, c.channel, c.weight, c.name) for c in old_channels]
    village_before = next((c.input for c in old_channels if c.channel == Channel.VILLAGE), "grid")
    village_after = channels.cleaned_data["village-input"] if channels is not None else village_before
    channel_summary = channel_changes(old_channels, new_channels, village_before, village_after)
    if not changes and not summary and not channel_summary:
        return False
    form.save()
    if channel_summary:
        SchemeChannel.objects.filter(scheme=scheme).delete()
        SchemeChannel.objects.bulk_create(
            SchemeChannel(scheme=scheme, position=position, channel=channel, weight=weight, name=name,
                          input=village_after if channel == Channel.VILLAGE else "")
            for position, channel, weight, name in new_channels)
        changes["channels"] = channel_summary
    Dimension.objects.filter(scheme=scheme).delete()
    Dimension.objects.bulk_create(
        Dimension(scheme=scheme, position=i, name=name, criteria=criteria, weight=weight)
        for i, (_, name, criteria, weight) in enumerate(new, start=1)
    )
    if summary:
        changes["dimensions"] = summary
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=scheme, changes=changes)
    return True
