"""The pages a user passes on the way in: second factor (verify, enrol, recovery codes) and password change."""

from urllib.parse import urlencode

import django_otp
from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from . import audit, otp
from .middleware import password_change_due
from .models import AuditLog


class TokenForm(forms.Form):
    token = forms.CharField(label="验证码", max_length=16, strip=True,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True,
                                                          "inputmode": "text"}),
                            help_text="手机令牌上的 6 位数字，或一个恢复码。")

    def clean_token(self):
        return self.cleaned_data["token"].replace(" ", "").lower()


def next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("dashboards:home")


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    """Enter the code the phone shows (or a recovery code) to finish logging in."""
    user = request.user
    if otp.is_verified(user) or not otp.needs_second_factor(user):
        return redirect(next_url(request))
    if not user.otp_enabled:
        return redirect(f"{reverse('accounts:otp_setup')}?{urlencode({'next': next_url(request)})}")
    form = TokenForm(request.POST or None)
    if form.is_valid():
        device = django_otp.match_token(user, form.cleaned_data["token"])
        if device is not None:
            django_otp.login(request, device)
            if device.name == otp.RECOVERY_NAME:
                left = otp.recovery_codes_left(user)
                messages.warning(request, f"已使用一个恢复码，还剩 {left} 个。用完前请在“账号安全”重新生成。")
            return redirect(next_url(request))
        form.add_error("token", "验证码不正确或已使用过。多次输错后须稍等再试。")
    return render(request, "accounts/otp_verify.html", {"form": form, "next": next_url(request)})


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    """Enrol a phone: scan the QR code (or type the secret), then confirm with the code it shows."""
    user = request.user
    if user.otp_enabled and not otp.is_verified(user):
        # Knowing the password is not enough to replace a device: prove the old one first.
        return redirect(f"{reverse('accounts:otp_verify')}?{urlencode({'next': reverse('accounts:otp_setup')})}")
    device = otp.pending_device(user)
    form = TokenForm(request.POST or None)
    if form.is_valid():
        codes = otp.totp_confirm(user=user, device=device, token=form.cleaned_data["token"], request=request)
        if codes is not None:
            django_otp.login(request, device)
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url(request),
                                                                     "enrolled": True})
        form.add_error("token", "验证码不正确：请确认手机时间准确，并输入令牌当前显示的 6 位数字。")
    return render(request, "accounts/otp_setup.html", {
        "form": form, "qr": otp.qr_svg(device), "secret": otp.secret_text(device), "next": next_url(request),
        "required": otp.second_factor_required(user),
    })


@login_required
@require_http_methods(["GET"])
def security(request):
    """账号安全: the state of the second factor and what the user may do about it."""
    user = request.user
    return render(request, "accounts/security.html", {
        "required": otp.second_factor_required(user), "codes_left": otp.recovery_codes_left(user),
    })


@login_required
@require_POST
def recovery_codes_new(request):
    if not request.user.otp_enabled:
        return redirect("accounts:security")
    codes = otp.recovery_codes_reset(user=request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("accounts:security")})


@login_required
@require_POST
def otp_disable(request):
    if otp.second_factor_required(request.user):
        messages.error(request, "您的角色必须使用两步验证，不能关闭。")
    elif request.user.otp_enabled:
        otp.second_factor_disable(user=request.user, request=request)
        messages.success(request, "已关闭两步验证。")
    return redirect("accounts:security")


class ChineseOldPasswordForm(PasswordChangeForm):
    error_messages = {**PasswordChangeForm.error_messages, "password_incorrect": "原密码不正确，请重新输入。"}


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change the password; when the change was forced (initial or aged password), land on the home page after."""

    form_class = ChineseOldPasswordForm
    template_name = "registration/password_change_form.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "reason": password_change_due(self.request.user)}

    def form_valid(self, form):
        form.save()
        audit.record(user=form.user, request=self.request, action=AuditLog.Action.UPDATE, obj=form.user,
                     changes={"password": "本人修改密码"})
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, "密码已修改。")
        return redirect(next_url(self.request))
