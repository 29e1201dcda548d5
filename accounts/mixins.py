"""The one mixin every page of a resource uses: login, region scope, then role permission.

Order matters: an object outside the user's region is a 404 before anything else is checked,
so a URL never tells a township official whether another township's record exists.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from . import audit
from .models import AuditLog


class ScopedViewMixin(LoginRequiredMixin):
    model = None
    action = "view"  # view / add / change / delete

    def get_queryset(self):
        return self.model._default_manager.for_user(self.request.user, self.action)

    def permission(self):
        return f"{self.model._meta.app_label}.{self.action}_{self.model._meta.model_name}"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if "pk" in kwargs:
            self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        if not request.user.has_perm(self.permission()):
            raise PermissionDenied("您的角色无权进行此操作。")
        return super().dispatch(request, *args, **kwargs)

    def get_object(self, queryset=None):
        return self.object

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["verbose_name"] = self.model._meta.verbose_name
        return context


class AuditedFormMixin:
    """Create and update views: the form gets the user (to narrow its choices); saving leaves an audit record."""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        creating = form.instance.pk is None
        before = {name: form.initial.get(name) for name in form.changed_data}
        response = super().form_valid(form)
        if creating:
            audit.record(user=self.request.user, request=self.request, action=AuditLog.Action.CREATE, obj=self.object)
        elif form.changed_data:
            after = {name: form.cleaned_data.get(name) for name in form.changed_data}
            audit.record(
                user=self.request.user, request=self.request, action=AuditLog.Action.UPDATE, obj=self.object,
                changes=audit.diff(before, after, form.changed_data),
            )
        return response


class AuditedDeleteMixin:
    def form_valid(self, form):
        audit.record(user=self.request.user, request=self.request, action=AuditLog.Action.DELETE, obj=self.object)
        return super().form_valid(form)
