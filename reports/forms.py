from django import forms

from evaluations.models import Period
from villages.filters import area_level
from villages.models import Region

from .yearly_report import periods_with_results


class ReportForm(forms.Form):
    """年度报告: a year whose year period the user sees, and optionally a county or township of theirs."""

    year = forms.TypedChoiceField(label="年度", coerce=int, error_messages={
        "invalid_choice": "没有 %(value)s 年度的年度考评结果（不存在或尚未发布）。",
        "required": "请选择年度。",
    })
    region = forms.ModelChoiceField(label="范围", queryset=Region.objects.none(), required=False,
                                    empty_label="本人管辖的全部区域",
                                    error_messages={"invalid_choice": "所选区域不在您的管辖范围内。"})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        years = (periods_with_results(user).filter(kind=Period.Kind.YEAR).order_by("-year")
                 .values_list("year", flat=True).distinct())
        self.fields["year"].choices = [(year, f"{year}年") for year in years]
        # Choices follow the user's level: a county's townships, but a city's or province's counties only.
        levels = [Region.Level.COUNTY] + ([Region.Level.TOWNSHIP] if area_level(user) == Region.Level.TOWNSHIP else [])
        self.fields["region"].queryset = Region.objects.for_user(user).filter(level__in=levels).order_by("path")
