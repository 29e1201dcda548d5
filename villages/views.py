from accounts.views import ScopedDetailView, ScopedListView, ScopedUpdateView

from .filters import VillageFilter
from .forms import VillageForm
from .models import Village


class VillageMixin:
    model = Village
    form_class = VillageForm


class VillageList(VillageMixin, ScopedListView):
    filterset_class = VillageFilter

    def decorate(self, queryset):
        return queryset.select_related("region__parent").with_current_secretary()


class VillageDetail(VillageMixin, ScopedDetailView):
    def get_queryset(self):
        return super().get_queryset().select_related("region__parent__parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Through for_user: a secretary or unit contact sees only their own people's assignments here.
        assignments = (
            self.object.assignments.model.objects.for_user(self.request.user).filter(village=self.object)
            .select_related("secretary__unit", "batch").order_by("-start_date", "-pk")
        )
        context["assignments"] = assignments
        context["current"] = next((a for a in assignments if a.is_active and a.role == "first_secretary"), None)
        context["year_stats"] = self.object.year_stats.all()
        return context


class VillageUpdate(VillageMixin, ScopedUpdateView):
    pass
