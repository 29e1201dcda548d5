from accounts.forms import ScopedModelForm

from .models import Village


class VillageForm(ScopedModelForm):
    class Meta:
        model = Village
        fields = (*Village.TAG_FIELDS, "note", "latitude", "longitude", "presence_radius")

