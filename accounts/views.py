"""Generic pieces every resource's views build on."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import ProtectedError
from django.shortcuts import redirect
from django.views import generic

from .mixins import AuditedDeleteMixin, AuditedFormMixin, ScopedViewMixin


class ScopedListView(ScopedViewMixin, generic.ListView):
    """A scoped list with a django-filter FilterSet; the filter gets the user to narrow its choices."""

    filterset_class = None
    paginate_by = 50

    def decorate(self, queryset):
        """Joins and annotations the page shows (and the filters may use)."""
        return queryset

    def get_queryset(self):
        queryset = self.decorate(super().get_queryset())
        self.filterset = self.filterset_class(self.request.GET or None, queryset=queryset, user=self.request.user)
        if self.filterset.is_bound and not self.filterset.is_valid():
            # A tampered or stale URL shows the filter's error and an empty page, never a 500.
            return queryset.none()
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_without_page"] = query.urlencode()
        return context


class ScopedDetailView(ScopedViewMixin, generic.DetailView):
    pass


class ScopedCreateView(ScopedViewMixin, AuditedFormMixin, generic.CreateView):
    action = "add"
    template_name = "includes/object_form.html"


class ScopedUpdateView(ScopedViewMixin, AuditedFormMixin, generic.UpdateView):
    action = "change"
    template_name = "includes/object_form.html"


class ScopedDeleteView(ScopedViewMixin, AuditedDeleteMixin, generic.DeleteView):
    action = "delete"
    template_name = "includes/object_confirm_delete.html"
    protected_message = "该记录仍被其他数据引用，不能删除。"

    def get_form_class(self):
        return forms.Form  # the resource mixin's form_class is for create/update; deleting needs only CSRF

    def form_valid(self, form):
        try:
            with transaction.atomic():  # the audit record goes if the delete does not happen
                return super().form_valid(form)
        except ProtectedError:
            messages.error(self.request, self.protected_message)
            return redirect(self.object.get_absolute_url())


def show_errors(request, error):
    """A service's ValidationError as page messages (for actions that redirect rather than show a form)."""
    for message in error.messages:
        messages.error(request, message)
