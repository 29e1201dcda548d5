"""The one mixin every page of a resource uses: login, region scope, then role permission.

Order matters: an object outside the user's region is a 404 before anything else is checked,
so a URL never tells a township official whether another township's record exists.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404

from operations.forms import version_checked

from . import audit
from .forms import add_service_error
from .models import AuditLog

# A unique rule another request won between this form's check and its save, when re-checking names no field.
SAVED_MEANWHILE = "保存时发现他人刚刚提交了相同的内容，这次没有保存。请刷新页面，核对后再提交。"


def unique_error(obj):
    """The ValidationError the unique rules give for `obj` now (after a concurrent request won), else a general one."""
    try:
        obj.validate_unique()
        obj.validate_constraints()
    except ValidationError as error:
        return error
    return ValidationError(SAVED_MEANWHILE)


def save_or_field_error(obj, **kwargs):
    """Save in a savepoint; a unique rule another request won between full_clean() and here is a ValidationError
    (which the view puts on the form), not an IntegrityError (a 500)."""
    try:
        with transaction.atomic():
            obj.save(**kwargs)
    except IntegrityError:
        raise unique_error(obj) from None


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
    """Create and update views: the form gets the user (to narrow its choices); saving leaves an audit record in
    the same transaction. An edit form refuses to save over fields someone else changed since it was opened
    (operations.forms.VersionCheckedForm); a unique rule lost to a concurrent request is a form error, not a 500."""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_form_class(self):
        form_class = super().get_form_class()
        return version_checked(form_class) if getattr(self, "object", None) is not None else form_class

    def form_valid(self, form):
        try:
            with transaction.atomic():  # the row and its audit record together (a savepoint inside the request's)
                return self.save_and_audit(form)
        except IntegrityError:
            add_service_error(form, unique_error(form.instance))
            return self.form_invalid(form)

    def save_and_audit(self, form):
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
