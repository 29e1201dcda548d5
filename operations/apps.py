from django.apps import AppConfig
from django.core.exceptions import ValidationError


def _iter_formatting_safely(self):
    """ValidationError.__iter__, except that a message with a literal "%" (e.g. "权重不能超过 100%。" on a
    validator that passes params) is shown as written instead of raising ValueError — a 500 — while the form
    renders its errors. Messages that use %(name)s placeholders are formatted as before."""
    if hasattr(self, "error_dict"):
        for field, errors in self.error_dict.items():
            yield field, list(ValidationError(errors))
    else:
        for error in self.error_list:
            message = error.message
            if error.params:
                try:
                    message %= error.params
                except (ValueError, TypeError, KeyError):
                    pass
            yield str(message)


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "运维"

    def ready(self):
        ValidationError.__iter__ = _iter_formatting_safely
