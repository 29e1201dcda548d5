import datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from villages.models import Region

from .models import Participant, Period, Scheme


class PeriodForm(forms.Form):
    scheme = forms.ModelChoiceField(
        label="考评方案", queryset=Scheme.objects.none(),
        error_messages={"required": "请选择考评方案。", "invalid_choice": "请选择考评方案。"},
    )
    kind = forms.ChoiceField(label="周期类型", choices=Period.Kind.choices)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    number = forms.TypedChoiceField(
        label="期次", coerce=int, initial=1,
        choices=[(Period.Kind(kind).label, [(n, Period.number_label(kind, n)) for n in range(1, top + 1)])
                 for kind, top in Period.MAX_NUMBER.items()],
        help_text="按周期类型选择：月度选月份，季度选第几季度，半年选上半年或下半年，年度选“年度”。",
        error_messages={"invalid_choice": "请选择期次。", "required": "请选择期次。"})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = Scheme.objects.for_user(user)
        self.fields["year"].initial = datetime.date.today().year

    def clean(self):
        data = super().clean()
        kind, number = data.get("kind"), data.get("number")
        if kind and number and number > Period.MAX_NUMBER[kind]:
            self.add_error("number", Period.number_error(kind))
        return data


class ReopenForm(forms.Form):
    reason = forms.CharField(label="重新开启的理由", min_length=4, max_length=200,
                             error_messages={"required": "请填写重新开启的理由。",
                                             "min_length": "请填写重新开启的理由（至少 4 个字）。"})


class MeetingForm(forms.Form):
    name = forms.CharField(label="名称", max_length=60, initial="观摩互评会")
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    township = forms.ModelChoiceField(label="镇街", queryset=Region.objects.none(), required=False,
                                      help_text="选择镇街时，参会人员为该镇街的全部参评第一书记。")
    participants = forms.ModelMultipleChoiceField(
        label="参会人员", queryset=Participant.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text="不按镇街组织时，勾选参会的第一书记（至少 2 人）。",
    )

    def __init__(self, *args, period, user, **kwargs):
        super().__init__(*args, **kwargs)
        mine = Participant.objects.for_user(user).filter(period=period)
        self.fields["township"].queryset = Region.objects.filter(
            pk__in=mine.values("township")).order_by("path")
        self.fields["participants"].queryset = mine.select_related("secretary", "village__region").order_by(
            "village__region__path")
        self.fields["participants"].label_from_instance = lambda p: f"{p.secretary.name}（{p.village}）"

    def clean(self):
        data = super().clean()
        township, chosen = data.get("township"), data.get("participants")
        if township and chosen:
            raise ValidationError("请选择镇街或勾选参会人员，二者选其一。")
        if not township and (not chosen or len(chosen) < 2):
            raise ValidationError("请选择镇街，或勾选至少 2 名参会的第一书记。")
        return data


class ScoreGridForm(forms.Form):
    """One row per person, one cell per dimension: all cells of a row filled, or all left empty."""

    def __init__(self, *args, participants, dimensions, existing, disabled=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.participants = list(participants)
        self.dimensions = dimensions
        self.existing = existing  # {participant_pk: {position: value}}
        for person in self.participants:
            values = existing.get(person.pk, {})
            for position, name in enumerate(dimensions, start=1):
                self.fields[self.key(person, position)] = forms.DecimalField(
                    label=f"{person.secretary.name} {name}", required=False, min_value=Decimal(0),
                    max_value=Decimal(100), max_digits=5, decimal_places=2, initial=values.get(position),
                    disabled=disabled,
                    error_messages={"invalid": "请填写数字", "min_value": "不能小于 0", "max_value": "不能大于 100",
                                    "max_decimal_places": "最多两位小数", "max_digits": "分数应在 0–100 之间",
                                    "max_whole_digits": "分数应在 0–100 之间"},
                    widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100",
                                                    "aria-label": f"{person.secretary.name} {name}"}),
                )

    @staticmethod
    def key(person, position):
        return f"s{person.pk}_{position}"

    def rows(self):
        for person in self.participants:
            yield person, [self[self.key(person, d)] for d in range(1, len(self.dimensions) + 1)], \
                self.row_errors.get(person.pk) if hasattr(self, "row_errors") else None

    def clean(self):
        data = super().clean()
        self.row_errors = {}
        self.scores = {}
        for person in self.participants:
            keys = [self.key(person, d) for d in range(1, len(self.dimensions) + 1)]
            if any(k in self.errors for k in keys):
                continue
            values = [data.get(k) for k in keys]
            filled = [v is not None for v in values]
            if all(filled):
                self.scores[person] = values
            elif any(filled):
                self.row_errors[person.pk] = f"请填写全部 {len(keys)} 项分数，或全部留空。"
            elif person.pk in self.existing:
                self.scores[person] = None  # emptied: the person's scores in this grid are cleared
        if self.row_errors:
            raise ValidationError("有的行只填了部分分数，请补全或清空该行。")
        return data
