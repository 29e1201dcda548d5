from django.shortcuts import get_object_or_404
from django.urls import reverse

from accounts.views import ScopedCreateView, ScopedDeleteView, ScopedDetailView, ScopedListView, ScopedUpdateView

from .filters import VillageFilter
from .forms import VillageForm, VillageYearStatForm
from .models import Village, VillageYearStat


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
        # Someone who served here and has since moved where the user may not look is a name, not a dead link.
        secretaries = assignments.model.secretary.field.related_model.objects.for_user(self.request.user)
        context["linkable"] = set(secretaries.filter(pk__in=[a.secretary_id for a in assignments])
                                  .values_list("pk", flat=True))
        return context


class VillageUpdate(VillageMixin, ScopedUpdateView):
    pass


class YearStatMixin:
    model = VillageYearStat
    form_class = VillageYearStatForm

    def get_queryset(self):
        return super().get_queryset().select_related("village__region")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["village"] = self.village()
        return kwargs

    def village(self):
        return self.object.village

    def get_success_url(self):
        return reverse("villages:village_detail", args=[self.village().pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["verbose_name"] = f"{self.village()}的年度数据"
        context["cancel_url"] = self.get_success_url()
        return context


class YearStatCreate(YearStatMixin, ScopedCreateView):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        # The village is found through for_user like any object: another township's village is a 404.
        self._village = get_object_or_404(Village.objects.for_user(request.user, "change").select_related("region"),
                                          pk=kwargs["village"])
        return super().dispatch(request, *args, **kwargs)

    def village(self):
        return self._village

    def get_initial(self):
        last = self._village.year_stats.order_by("-year").first()
        return {"year": last.year + 1} if last else {}

    def form_valid(self, form):
        form.instance.village = self._village
        return super().form_valid(form)


class YearStatUpdate(YearStatMixin, ScopedUpdateView):
    pass


class YearStatDelete(YearStatMixin, ScopedDeleteView):
    def get_form_kwargs(self):
        return super(YearStatMixin, self).get_form_kwargs()  # deleting needs only CSRF, no village form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["verbose_name"] = "村年度数据"
        return context
