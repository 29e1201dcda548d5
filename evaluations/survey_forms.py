"""Forms of the 党员群众测评 channel: generating codes (county staff) and answering with one (anyone)."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from villages.models import Region

from .models import CODE_LENGTH, Answer, Channel, normalize_code

MAX_CODES_AT_ONCE = 100_000  # one request writes at most this many rows; a bigger county goes township by township


class SurveyCodesForm(forms.Form):
    township = forms.ModelChoiceField(label="镇街", queryset=Region.objects.none(), required=False,
                                      empty_label="全部镇街", help_text="留空则为本周期全部参评第一书记生成。")
    per_person = forms.IntegerField(
        label="每人生成数量", initial=20,
        validators=[MinValueValidator(1, "每人至少生成 1 个测评码。"),
                    MaxValueValidator(500, "每人最多生成 500 个测评码。")],
        help_text="一般按参加述职测评会的党员群众人数确定，1–500。",
    )
    valid_days = forms.IntegerField(
        label="有效天数", initial=30,
        validators=[MinValueValidator(1, "有效天数至少为 1 天。"), MaxValueValidator(365, "有效天数最多为 365 天。")],
    )

    channel = forms.ChoiceField(label="测评类型", choices=(), required=False)

    def __init__(self, *args, period, **kwargs):
        super().__init__(*args, **kwargs)
        self.period = period
        names = dict(period.channel_list())
        choices = [(Channel.SURVEY.value, names.get(Channel.SURVEY.value, Channel.SURVEY.label))]
        if Channel.VILLAGE in names and period.village_input == "codes":
            choices.append((Channel.VILLAGE.value, f"{names[Channel.VILLAGE.value]}（村两委和群众代表）"))
        self.fields["channel"].choices = choices
        self.fields["township"].queryset = Region.objects.filter(
            pk__in=period.participants.values("township_id")
        ).order_by("path")

    def participants(self):
        """The period's participants in the chosen township (or all of them)."""
        chosen = self.period.participants.all()
        if self.cleaned_data.get("township"):
            chosen = chosen.filter(township=self.cleaned_data["township"])
        return chosen

    def clean(self):
        data = super().clean()
        data["channel"] = data.get("channel") or Channel.SURVEY.value
        if data.get("per_person"):
            people = self.participants().count()
            if people * data["per_person"] > MAX_CODES_AT_ONCE:
                raise forms.ValidationError(
                    f"一次最多生成 {MAX_CODES_AT_ONCE} 个测评码（现为 {people} 人 × {data['per_person']} 个），"
                    "请按镇街分批生成。"
                )
        return data


class SurveyCodeForm(forms.Form):
    code = forms.CharField(
        label="测评码", max_length=CODE_LENGTH * 2, error_messages={"required": "请输入测评码。"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                                      "placeholder": "XXXX-XXXX-XXXX", "class": "survey-code-input"}),
    )

    def clean_code(self):
        code = normalize_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError("请输入测评码（纸条上的 12 位字母和数字）。")
        return code


CHOOSE_ONE = "请选择“满意”“基本满意”或“不满意”。"


class SurveyAnswerForm(forms.Form):
    """One 满意 / 基本满意 / 不满意 question per dimension of the period's own rules."""

    def __init__(self, *args, period, **kwargs):
        super().__init__(*args, **kwargs)
        for position, dimension in enumerate(period.rules.get("dimensions", []), start=1):
            self.fields[f"d{position}"] = forms.ChoiceField(
                label=dimension["name"], help_text=dimension.get("criteria", ""), choices=Answer.choices,
                widget=forms.RadioSelect, error_messages={"required": CHOOSE_ONE, "invalid_choice": CHOOSE_ONE},
            )

    def answers(self):
        """The answers in dimension order, as the service takes them."""
        return [self.cleaned_data[name] for name in self.fields]
