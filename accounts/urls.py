from django.urls import path

from . import manage_views, security_views

app_name = "accounts"

urlpatterns = [
    # Logging in: the second factor and the account's own security page.
    path("otp/", security_views.otp_verify, name="otp_verify"),
    path("otp/setup/", security_views.otp_setup, name="otp_setup"),
    path("security/", security_views.security, name="security"),
    path("security/recovery-codes/", security_views.recovery_codes_new, name="recovery_codes_new"),
    path("security/disable/", security_views.otp_disable, name="otp_disable"),
    # 账号管理 (county administrators).
    path("users/", manage_views.UserListView.as_view(), name="user_list"),
    path("users/new/", manage_views.user_create, name="user_create"),
    path("users/<int:pk>/deactivate/", manage_views.user_set_active, {"active": False}, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", manage_views.user_set_active, {"active": True}, name="user_reactivate"),
    path("users/<int:pk>/reset/", manage_views.user_reset, name="user_reset"),
    path("users/secretary-logins/", manage_views.secretary_logins, name="secretary_logins"),
    path("users/slips/", manage_views.slips, name="slips"),
    path("users/slips/print/", manage_views.slips_print, name="slips_print"),
    path("users/slips/xlsx/", manage_views.slips_xlsx, name="slips_xlsx"),
    path("users/slips/done/", manage_views.slips_done, name="slips_done"),
]
