from django.urls import path

from . import security_views

app_name = "accounts"

urlpatterns = [
    path("otp/", security_views.otp_verify, name="otp_verify"),
    path("otp/setup/", security_views.otp_setup, name="otp_setup"),
    path("security/", security_views.security, name="security"),
    path("security/recovery-codes/", security_views.recovery_codes_new, name="recovery_codes_new"),
    path("security/disable/", security_views.otp_disable, name="otp_disable"),
]
