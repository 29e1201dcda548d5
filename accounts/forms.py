from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    username = forms.CharField(label="用户名", max_length=150, widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(label="密码", strip=False, widget=forms.PasswordInput)

    error_messages = {
        "invalid_login": "用户名或密码不正确。连续多次输入错误，账号将被暂时锁定。",
        "inactive": "该账号已停用，请联系县委组织部。",
    }


class ScopedModelForm(forms.ModelForm):
    """A ModelForm given the user: every related-object choice is narrowed with for_user."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and hasattr(queryset, "for_user"):
                field.queryset = queryset.for_user(user).select_related(*getattr(queryset.model, "label_related", ()))
                if hasattr(queryset.model, "choice_label"):  # e.g. "胡集镇 · 王庄村" where 王庄村 may repeat
                    field.label_from_instance = lambda obj: obj.choice_label


def add_service_error(form, error):
    """Put a service's ValidationError on the form: field errors on their fields, the rest on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
