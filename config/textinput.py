"""No control characters in what people type: every form's text field refuses NUL and the other invisible control
characters (tab, line feed and carriage return stay allowed) with a field error in Chinese.

One place for every form of the site, the admin's included: Django gives each forms.CharField (and EmailField,
URLField, SlugField, …) a ProhibitNullCharactersValidator; `install()` (called once from config.apps) widens what
that validator refuses and gives it the Chinese message. A NUL that reaches PostgreSQL outside a form (a reason read
straight from request.POST) is answered by config.middleware with CONTROL_CHARACTERS, not as "out of range".
"""

import re

from django.core import validators
from django.core.exceptions import ValidationError

# C0 controls but \t \n \r, and DEL. Browsers send \r\n for a textarea's line breaks.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MESSAGE = "不能包含控制字符（如 NUL 等不可见字符），请删除后再提交。"
CONTROL_CHARACTERS = "提交的内容包含控制字符（如 NUL 等不可见字符），不能保存，这次没有保存任何内容；请删除后再提交。"


def has_control_characters(value):
    return value is not None and bool(CONTROL.search(str(value)))


def request_has_control_characters(request):
    """Whether anything the request sent (query string or form fields) holds a control character."""
    for data in (request.GET, getattr(request, "POST", {})):
        for _, values in data.lists():
            if any(has_control_characters(value) for value in values):
                return True
    return False


def _refuse_control_characters(self, value):
    if has_control_characters(value):
        raise ValidationError(self.message, code=self.code)


def install():
    validator = validators.ProhibitNullCharactersValidator
    validator.__call__ = _refuse_control_characters
    validator.message = MESSAGE
