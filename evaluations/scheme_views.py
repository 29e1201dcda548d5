"""考评方案 pages: county staff keep their schemes as data; a period copies its scheme when it opens."""

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.views import generic

from accounts import audit
from accounts.forms import add_service_error
from accounts.mixins import ScopedViewMixin
from accounts.models import AuditLog
from accounts.views import ScopedCreateView, ScopedDeleteView, ScopedDetailView, ScopedUpdateView

from . import services
from .models import DEFAULT_CHANNEL_WEIGHTS, DEFAULT_DIMENSIONS, Period, Scheme
from .scheme_forms import ChannelsForm, DimensionFormSet, SchemeCreateForm, SchemeForm, scheme_save


class SchemeMixin:
    model = Scheme
    form_class = SchemeForm


class SchemeList(SchemeMixin, ScopedViewMixin, generic.ListView):
    paginate_by = 50

    def get_queryset(self):
        # Count only the periods this user may see, as the detail page lists them.
        visible = Period.objects.for_user(self.request.user).values("pk")
        return (
            super().get_queryset().select_related("region").prefetch_related("dimensions", "channels")
            .annotate(period_count=Count("periods", filter=Q(periods__in=visible)))
            .order_by("-updated_at", "-pk")  # Meta.ordering does not apply to a grouped query
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        return context


class SchemeDetail(SchemeMixin, ScopedDetailView):
    def get_queryset(self):
        return super().get_queryset().select_related("region").prefetch_related("dimensions", "channels")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scheme, user = self.object, self.request.user
        current = rules_without_name(scheme.rules())
        periods = list(Period.objects.for_user(user).filter(scheme=scheme).select_related("region"))
        for period in periods:
            period.rules_changed = bool(period.rules) and rules_without_name(period.rules) != current
        context["periods"] = periods
        context["channels"] = scheme.channels.all()
        context["may_change"] = user.is_county_admin and Scheme.objects.for_user(user, "change").filter(
            pk=scheme.pk).exists()
        return context


def rules_without_name(rules):
    """A period's copy of the rules compared with the scheme now; renaming the scheme alone changes nothing."""
    return {key: value for key, value in rules.items() if key not in ("scheme", "channel_order")}


class SchemeCreate(SchemeMixin, ScopedCreateView):
    """A new scheme is the 五看 at 20% each with the default channel weights; it is adjusted on the edit page."""

    form_class = SchemeCreateForm
    template_name = "evaluations/scheme_create.html"
    initial = {"name": "五看四评三争考评方案"}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["default_dimensions"] = [name for name, _ in DEFAULT_DIMENSIONS]
        context["default_channels"] = [(c.label, w) for c, w in DEFAULT_CHANNEL_WEIGHTS.items()]
        return context

    def form_valid(self, form):
        try:
            self.object = services.scheme_create_default(self.request.user.region, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        audit.record(user=self.request.user, request=self.request, action=AuditLog.Action.CREATE, obj=self.object)
        messages.success(self.request, "考评方案已按默认设置创建，请核对维度、权重后保存。")
        return redirect("evaluations:scheme_update", self.object.pk)


class SchemeUpdate(SchemeMixin, ScopedUpdateView):
    template_name = "evaluations/scheme_form.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("dimensions", DimensionFormSet(instance=self.object, prefix="dimensions"))
        kwargs.setdefault("channels", ChannelsForm(scheme=self.object, prefix="channels"))
        kwargs["outcome_fields"] = Scheme.OUTCOME_FIELDS
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        dimensions = DimensionFormSet(request.POST, instance=self.object, prefix="dimensions")
        channels = ChannelsForm(request.POST, scheme=self.object, prefix="channels")
        if form.is_valid() & dimensions.is_valid() & channels.is_valid():  # all checked: every mistake at once
            try:
                changed = scheme_save(form, dimensions, channels, user=request.user, request=request)
            except IntegrityError:
                form.add_error(None, "保存时与他人同时进行的修改冲突，未保存任何内容，请刷新后重试。")
            else:
                messages.success(request, "考评方案已保存；已开启的考评周期仍按开启时复制的规则计算。" if changed
                                 else "没有需要保存的修改。")
                return redirect(self.object)
        if form.has_error(NON_FIELD_ERRORS, "conflict"):  # saved by someone else meanwhile: their rows
            dimensions = DimensionFormSet(instance=self.object, prefix="dimensions")
            channels = ChannelsForm(scheme=self.object, prefix="channels")
        return self.render_to_response(self.get_context_data(form=form, dimensions=dimensions, channels=channels))


class SchemeDelete(SchemeMixin, ScopedDeleteView):
    template_name = "evaluations/scheme_confirm_delete.html"
    success_url = reverse_lazy("evaluations:scheme_list")
    protected_message = "该考评方案已被考评周期使用，不能删除；如不再使用，可在名称或说明中注明“停用”。"

    def get_context_data(self, **kwargs):
        # Every period counts here, not only those the user sees: any of them keeps the scheme from deletion.
        return {**super().get_context_data(**kwargs), "period_count": self.object.periods.count()}
