from django import forms
from django.core.validators import MaxValueValidator

from accounts.forms import ScopedModelForm

from .models import Village, VillageYearStat


class VillageForm(ScopedModelForm):
    class Meta:
        model = Village
        fields = (*Village.TAG_FIELDS, "note", "latitude", "longitude", "presence_radius")



class VillageYearStatForm(ScopedModelForm):
    """One year's figures of one village; the village comes from the page, never from the form."""

    class Meta:
        model = VillageYearStat
        fields = ("year", "collective_income", "households", "population", "party_members")

    def __init__(self, *args, village, **kwargs):
        super().__init__(*args, **kwargs)
        self.village = village
        self.fields["year"].widget.attrs.update(min=2000, max=2100)
        self.fields["year"].validators.append(MaxValueValidator(2100, "年度不能晚于 2100 年。"))

    def clean_year(self):
        year = self.cleaned_data["year"]
        others = VillageYearStat.objects.filter(village=self.village, year=year).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(f"{self.village}已有 {year} 年的数据，请编辑那一条。")
        return year
