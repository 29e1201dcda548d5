import re

import django_filters
from django import forms
from django.apps import apps
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Q

from .models import User
from .roles import Role


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


ROLE_CHOICES_CREATED_HERE = [(r.value, r.label) for r in (Role.TOWNSHIP, Role.UNIT_CONTACT, Role.LEADER)]
LOOKS_LIKE_ID_NUMBER = re.compile(r"\d{15}|\d{17}[\dXx]|1\d{10}")


class UserCreateForm(forms.Form):
    """A county administrator's new account for a township official, a unit contact or a leader."""

    username = forms.CharField(label="用户名", max_length=30,
                               help_text="字母、数字或下划线，如 hjz_wang；不要用身份证号或手机号。")
    name = forms.CharField(label="姓名", max_length=50)
    role = forms.ChoiceField(label="角色", choices=ROLE_CHOICES_CREATED_HERE)
    region = forms.ModelChoiceField(label="所属区域", queryset=None, help_text="镇街工作人员选所在镇（街道）。")
    unit = forms.ModelChoiceField(label="派出单位", queryset=None, required=False,
                                  help_text="派出单位联络人必填：他能看到该单位派出的第一书记。")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        Region = apps.get_model("villages", "Region")
        DispatchUnit = apps.get_model("secretaries", "DispatchUnit")
        self.fields["region"].queryset = (Region.objects.for_user(user).exclude(level="village")
                                          .select_related("parent").order_by("path"))
        self.fields["region"].widget.attrs["data-search"] = ""
        self.fields["unit"].queryset = DispatchUnit.objects.for_user(user).order_by("name")
        self.fields["unit"].widget.attrs["data-search"] = ""

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if not re.fullmatch(r"[A-Za-z0-9_.@+-]+", username):
            raise ValidationError("用户名只能用字母、数字和 _ . @ + -。")
        if LOOKS_LIKE_ID_NUMBER.search(username):
            raise ValidationError("用户名不能含身份证号或手机号。")
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError("该用户名已被使用。")
        return username

    def clean(self):
        data = super().clean()
        region, role = data.get("region"), data.get("role")
        if region is not None and role == Role.TOWNSHIP and region.level != "township":
            self.add_error("region", "镇街工作人员的所属区域须是一个镇（街道）。")
        if role == Role.UNIT_CONTACT and not data.get("unit"):
            self.add_error("unit", "派出单位联络人须指定所联络的派出单位。")
        return data


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="用户名或姓名", method="by_text")
    role = django_filters.ChoiceFilter(label="角色", choices=Role.choices)
    region = django_filters.ModelChoiceFilter(label="区域", queryset=None, method="in_region")
    is_active = django_filters.ChoiceFilter(label="状态", choices=[("1", "在用"), ("0", "已停用")], method="by_active")

    class Meta:
        model = User
        fields = ()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        Region = apps.get_model("villages", "Region")
        field = self.form.fields["region"]
        # Above a county the choice stops at counties: a province has 2,000 townships (a 2 MB page). Naming the
        # levels (rather than excluding villages) lets PostgreSQL read them from the (level, path) index.
        levels = ["province", "city", "county", "township"]
        if user.region is not None and user.region.level in ("province", "city"):
            levels.remove("township")
        field.queryset = Region.objects.for_user(user).filter(level__in=levels).order_by("path")
        field.widget.attrs["data-search"] = ""

    def by_text(self, queryset, name, value):
        return queryset.filter(Q(username__icontains=value) | Q(name__contains=value))

    def in_region(self, queryset, name, value):
        return queryset.filter(region__path__startswith=value.path)

    def by_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "1")
