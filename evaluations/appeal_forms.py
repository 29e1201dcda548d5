"""Forms of 申诉: filing one, rejecting it, accepting it by changing scores, and filtering the list."""

from dataclasses import dataclass, field
from decimal import Decimal

import django_filters
from django import forms

from villages.filters import ScopedFilterSet

from .models import Appeal, Channel, Participant, Period, Score
from .services import APPEAL_REASON_MIN

SCORE_ERRORS = {"invalid": "请填写数字", "min_value": "不能小于 0", "max_value": "不能大于 100",
                "max_decimal_places": "最多两位小数", "max_digits": "分数应在 0–100 之间",
                "max_whole_digits": "分数应在 0–100 之间"}


class AppealForm(forms.ModelForm):
    class Meta:
        model = Appeal
        fields = ("reason",)
        widgets = {"reason": forms.Textarea(attrs={"rows": 6, "maxlength": 2000})}
        help_texts = {"reason": f"请具体说明对哪一项结果有异议及理由（至少 {APPEAL_REASON_MIN} 个字）。"}
        error_messages = {"reason": {"required": "请写明申诉理由。"}}

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < APPEAL_REASON_MIN:
            raise forms.ValidationError(f"请写明申诉理由（至少 {APPEAL_REASON_MIN} 个字）。")
        return reason


class RejectForm(forms.Form):
    reason = forms.CharField(label="驳回理由", min_length=4, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "请填写驳回理由。",
                                             "min_length": "请填写驳回理由（至少 4 个字）。"})


@dataclass
class ScoreRow:
    """One row of the appellant's scores: a channel, and in peer review one rater."""

    key: str
    label: str
    channel: str
    rater: Participant | None = None
    values: dict = field(default_factory=dict)  # {dimension position: value}


def score_rows(person):
    """组织考评 and 镇街点评 (even if empty: a forgotten row can be filled in), then one row per peer rater;
    党员群众测评 is not here, since it is computed from the villagers' answers. One query."""
    rows = {"org": ScoreRow("org", Channel.ORG.label, Channel.ORG),
            "township": ScoreRow("township", Channel.TOWNSHIP.label, Channel.TOWNSHIP)}
    scores = (Score.objects.filter(participant=person).exclude(channel=Channel.SURVEY)
              .select_related("rater__secretary").order_by("channel", "rater__secretary__name", "rater", "dimension"))
    for score in scores:
        key = score.channel if score.rater_id is None else f"peer{score.rater_id}"
        if key not in rows:
            rows[key] = ScoreRow(key, f"{Channel.PEER.label}：{score.rater.secretary.name}", Channel.PEER,
                                 score.rater)
        rows[key].values[score.dimension] = score.value
    return list(rows.values())


class AcceptForm(forms.Form):
    """The appellant's scores with their present values; the cells county staff change become the appeal's score
    changes (`changes`, for services.appeal_accept). A peer rater's empty cell stays empty."""

    note = forms.CharField(label="修改说明", min_length=4, max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="写明核实情况和修改依据，将记入操作日志并在个人实绩档案中显示。",
                           error_messages={"required": "请填写修改说明。",
                                           "min_length": "请填写修改说明（至少 4 个字）。"})

    def __init__(self, *args, rows, dimensions, **kwargs):
        super().__init__(*args, **kwargs)
        self.score_rows, self.dimensions = rows, dimensions
        for row in rows:
            for position, name in enumerate(dimensions, start=1):
                current = row.values.get(position)
                self.fields[self.key(row, position)] = forms.DecimalField(
                    label=f"{row.label} {name}", required=False, min_value=Decimal(0), max_value=Decimal(100),
                    max_digits=5, decimal_places=2, initial=current, error_messages=SCORE_ERRORS,
                    disabled=row.channel == Channel.PEER and current is None,
                    widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100",
                                                    "aria-label": f"{row.label} {name}"}),
                )

    @staticmethod
    def key(row, position):
        return f"{row.key}_{position}"

    def grid(self):
        for row in self.score_rows:
            yield row, [self[self.key(row, d)] for d in range(1, len(self.dimensions) + 1)]

    def clean(self):
        data = super().clean()
        self.changes = []
        for row in self.score_rows:
            for position in range(1, len(self.dimensions) + 1):
                key = self.key(row, position)
                if key in self.errors:
                    continue
                value, current = data.get(key), row.values.get(position)
                if value is None and current is not None:
                    self.add_error(key, "原有分数不能清空")
                elif value is not None and value != current:
                    self.changes.append((row.channel, row.rater, position, value))
        return data


class AppealFilter(ScopedFilterSet):
    q = django_filters.CharFilter(label="姓名", method="search")
    status = django_filters.ChoiceFilter(label="状态", choices=Appeal.Status.choices)
    period = django_filters.ModelChoiceFilter(label="考评周期", field_name="participant__period",
                                              queryset=Period.objects.filter(status=Period.Status.PUBLISHED)
                                              .select_related("region"))

    class Meta:
        model = Appeal
        fields = ["q", "status", "period"]

    def search(self, queryset, name, value):
        return queryset.filter(participant__secretary__name__contains=value)
