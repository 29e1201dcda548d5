"""Two guards every form shares, carried in hidden fields that `{% form_guard %}` renders next to the CSRF token.

- `_once`: a one-time token per rendered form. The request that posts it first claims it (in the request's
  transaction, see config.middleware); a second post of the same form — a double click, a resent request — finds it
  taken and is sent where the first one went, so nothing is created twice.
- `_version`: for edit forms, a fingerprint of each field's value when the form was opened. Saving compares it,
  with the row locked, against the row as it is now: a field someone else changed meanwhile is a conflict, shown
  with its new value, and nothing is overwritten.
"""

import hashlib
import re
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.forms.models import model_to_dict
from django.http import QueryDict

from .models import FormToken

ONCE_FIELD = "_once"
VERSION_FIELD = "_version"
TOKEN_PATTERN = re.compile(r"[0-9a-f]{32}")
HIDDEN_VALUE = "（已隐藏）"
SECRET_FIELDS = {"id_number", "password", "password1", "password2"}


def new_token():
    return uuid.uuid4().hex


def posted_token(request):
    token = request.POST.get(ONCE_FIELD, "") if request.method == "POST" else ""
    return token if TOKEN_PATTERN.fullmatch(token) else None


def claim(token, request):
    """Take the token for this request; the FormToken of an earlier submission when it is already taken.

    Runs inside the request's transaction: a concurrent second request waits here until the first commits
    (then finds the token) or rolls back (then takes it).
    """
    user = request.user if request.user.is_authenticated else None
    try:
        with transaction.atomic():
            FormToken.objects.create(token=token, user=user, path=request.path[:300])
    except IntegrityError:
        return FormToken.objects.filter(token=token).first()
    return None


def settle(token, response):
    """Keep the token when the form succeeded (a redirect), so the same form cannot be sent again; else free it."""
    if 300 <= response.status_code < 400 and response.get("Location"):
        FormToken.objects.filter(token=token).update(location=response["Location"][:500])
    else:
        FormToken.objects.filter(token=token).delete()


# --- versions of edit forms -----------------------------------------------------------------------------------

def _digest(value):
    if isinstance(value, models.Model):
        value = value.pk
    elif isinstance(value, (list, tuple, set, models.QuerySet)):
        value = sorted(str(getattr(item, "pk", item)) for item in value)
    elif isinstance(value, Decimal):
        value = value.normalize()
    elif hasattr(value, "name") and hasattr(value, "storage"):  # a file field: its stored name
        value = value.name
    return hashlib.sha256(repr(value).encode()).hexdigest()[:12]


def fingerprint(instance, names):
    """{field: digest} of the model fields among `names`, as the instance holds them."""
    values = model_to_dict(instance, fields=names)
    return {name: _digest(values[name]) for name in sorted(values)}


def encode(prints):
    return ",".join(f"{name}:{digest}" for name, digest in prints.items())


def decode(text):
    prints = {}
    for part in (text or "")[:5000].split(","):
        name, _, digest = part.partition(":")
        if name and digest:
            prints[name] = digest
    return prints


def display(instance, form, name):
    """A field's current value as the form's user would read it."""
    if name in SECRET_FIELDS:
        return HIDDEN_VALUE
    field = instance._meta.get_field(name)
    if field.many_to_many:
        return "、".join(str(item) for item in getattr(instance, name).all()) or "（空）"
    if field.choices:
        value = getattr(instance, f"get_{name}_display")()
    else:
        value = getattr(instance, name)
    if value is None or value == "":
        return "（空）"
    return str(value)[:200]


class VersionCheckedForm:
    """Mixed into an edit view's ModelForm: refuses to save over fields someone else changed since it was opened."""

    version_token = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            self.version_token = self.opened_version()
        elif self.instance.pk is not None:
            self.version_token = encode(fingerprint(self.instance, list(self.fields)))

    def opened_version(self):
        return self.data.get(VERSION_FIELD, "") if self.is_bound else ""

    def clean(self):
        cleaned = super().clean()
        opened = decode(self.opened_version())
        if not opened or self.instance.pk is None:
            return cleaned
        current = type(self.instance)._default_manager
        if connection.in_atomic_block:  # POSTs run in one transaction (config.middleware): hold the row till saved
            current = current.select_for_update()
        current = current.filter(pk=self.instance.pk).first()
        if current is None:
            raise ValidationError("这条记录已被他人删除，无法保存。")
        now = fingerprint(current, list(self.fields))
        changed = [name for name, digest in now.items() if name in opened and opened[name] != digest]
        if not changed:
            return cleaned
        self.version_token = encode(now)  # shown again with the new values: saving once more is deliberate
        parts = []
        for name in changed:
            value = display(current, self, name)
            parts.append(f"{self.fields[name].label or name}：{value}")
            untouched = name in self.cleaned_data and _digest(self.cleaned_data[name]) == opened[name]
            if untouched:  # only the other person changed it: the form now shows their value, so it is kept
                self._show_current(name, current)
            else:
                self.add_error(name, f"他人已将此项改为：{value}（您填写的内容仍保留在表单中，再次保存将以您的为准）")
        raise ValidationError(
            "在您打开此页之后，有人修改了这条记录，您的修改没有保存。他人改动的内容：" + "；".join(parts)
            + "。表单已更新为他人保存的值（您自己改过的项除外），请核对后重新提交。", code="conflict")

    def _show_current(self, name, current):
        if isinstance(self.data, QueryDict) and not self.data._mutable:
            self.data = self.data.copy()
        key = self.add_prefix(name)
        value = model_to_dict(current, fields=[name])[name]
        if isinstance(value, (list, tuple)):
            self.data.setlist(key, [str(getattr(item, "pk", item)) for item in value])
        elif isinstance(value, bool):
            if value:
                self.data[key] = "on"
            else:
                self.data.pop(key, None)
        else:
            self.data[key] = "" if value is None else value


def version_checked(form_class):
    """The form class with the version check mixed in (cached per class)."""
    if issubclass(form_class, VersionCheckedForm):
        return form_class
    cached = _classes.get(form_class)
    if cached is None:
        cached = type(form_class.__name__, (VersionCheckedForm, form_class), {"__module__": form_class.__module__})
        _classes[form_class] = cached
    return cached


_classes = {}


