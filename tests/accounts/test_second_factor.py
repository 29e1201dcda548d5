"""Who can see everything logs in with a second factor; passwords age and do not come back."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditLog, User
from accounts.otp import current_token
from tests import factories as f

pytestmark = pytest.mark.django_db


def log_in(client, username, password=f.PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.0.0.9")


def enrol(client):
    """Scan the QR code (read the pending device) and confirm with its code; returns the page with the codes."""
    client.get(reverse("accounts:otp_setup"))
    device = TOTPDevice.objects.get(confirmed=False)
    return client.post(reverse("accounts:otp_setup"), {"token": current_token(device), "next": "/dashboard/"})


def test_a_county_admin_with_only_a_password_is_sent_to_enrol_a_phone(world, client):
    log_in(client, "admin_jx")
    for url in (reverse("dashboards:county"), reverse("secretaries:secretary_list"), reverse("admin:index")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:otp_setup"))
    page = client.get(reverse("accounts:otp_setup")).content.decode()
    assert "<svg" in page and "启用两步验证" in page
    assert "http://" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]  # drawn inline, nothing fetched


def test_enrolling_shows_ten_recovery_codes_once_and_opens_the_site(world, client):
    log_in(client, "admin_jx")
    page = enrol(client).content.decode()
    assert "只显示这一次" in page
    admin = User.objects.get(username="admin_jx")
    codes = StaticToken.objects.filter(device__user=admin)
    assert codes.count() == 10 and all(code.token in page for code in codes)
    assert admin.otp_enabled and TOTPDevice.objects.get(user=admin).confirmed
    assert client.get(reverse("dashboards:county")).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200
    assert AuditLog.objects.filter(object_id=str(admin.pk), changes__has_key="otp_enabled").exists()


def test_wrong_codes_slow_down_guessing(world, client):
    device = f.totp_device(world.users.admin)
    log_in(client, "admin_jx")
    client.post(reverse("accounts:otp_verify"), {"token": "123456"})
    # Right code straight after a wrong one: refused until the wait (1 s, doubling with each failure) is over.
    page = client.post(reverse("accounts:otp_verify"), {"token": current_token(device)}).content.decode()
    assert "验证码不正确" in page
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1


def test_a_wrong_enrolment_code_is_refused_in_chinese(world, client):
    log_in(client, "admin_jx")
    client.get(reverse("accounts:otp_setup"))
    page = client.post(reverse("accounts:otp_setup"), {"token": "000000"}).content.decode()
    assert "验证码不正确" in page
    assert not User.objects.get(username="admin_jx").otp_enabled


def test_an_enrolled_admin_enters_the_phones_code_at_every_login(world, client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code otherwise makes the next try wait a second
    device = f.totp_device(world.users.admin)
    response = log_in(client, "admin_jx")
    assert client.get(response.url).url.startswith(reverse("accounts:otp_verify"))
    assert "验证码不正确" in client.post(reverse("accounts:otp_verify"), {"token": "123456"}).content.decode()
    response = client.post(reverse("accounts:otp_verify"), {"token": current_token(device), "next": "/dashboard/"})
    assert response.status_code == 302 and response.url == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_a_code_cannot_be_used_twice(world, client):
    device = f.totp_device(world.users.admin)
    code = current_token(device)
    log_in(client, "admin_jx")
    client.post(reverse("accounts:otp_verify"), {"token": code})
    client.post(reverse("logout"))
    log_in(client, "admin_jx")
    assert "验证码不正确" in client.post(reverse("accounts:otp_verify"), {"token": code}).content.decode()


def test_a_recovery_code_works_once(world, client):
    log_in(client, "admin_jx")
    codes = StaticToken.objects.filter(device__user=world.users.admin)
    enrol(client)
    code = codes.first().token
    client.post(reverse("logout"))
    log_in(client, "admin_jx")
    response = client.post(reverse("accounts:otp_verify"), {"token": code.upper()}, follow=True)
    assert "还剩 9 个" in response.content.decode()
    client.post(reverse("logout"))
    log_in(client, "admin_jx")
    assert "验证码不正确" in client.post(reverse("accounts:otp_verify"), {"token": code}).content.decode()


def test_knowing_the_password_is_not_enough_to_replace_the_phone(world, client):
    f.totp_device(world.users.admin)
    log_in(client, "admin_jx")
    response = client.get(reverse("accounts:otp_setup"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:otp_verify"))


def test_a_township_official_logs_in_with_a_password_and_may_opt_in(world, client):
    log_in(client, "town_a")
    assert client.get(reverse("dashboards:county")).status_code == 200
    assert "启用两步验证" in client.get(reverse("accounts:security")).content.decode()
    enrol(client)
    client.post(reverse("logout"))
    log_in(client, "town_a")
    assert client.get(reverse("dashboards:county")).url.startswith(reverse("accounts:otp_verify"))
    device = TOTPDevice.objects.get(user=world.users.town_a)
    client.post(reverse("accounts:otp_verify"), {"token": current_token(device)})
    client.post(reverse("accounts:otp_disable"))
    assert not User.objects.get(username="town_a").otp_enabled


def test_an_admin_cannot_turn_the_second_factor_off(world, login):
    client = login(world.users.admin)
    response = client.post(reverse("accounts:otp_disable"), follow=True)
    assert "不能关闭" in response.content.decode()
    assert User.objects.get(username="admin_jx").otp_enabled


def test_regenerating_recovery_codes_voids_the_old_ones(world, login):
    client = login(world.users.admin)
    old = set(StaticToken.objects.filter(device__user=world.users.admin).values_list("token", flat=True))
    page = client.post(reverse("accounts:recovery_codes_new")).content.decode()
    new = set(StaticToken.objects.filter(device__user=world.users.admin).values_list("token", flat=True))
    assert len(new) == 10 and not old & new and all(code in page for code in new)


def test_the_second_factor_pages_need_a_login(client, world):
    for name in ("otp_verify", "otp_setup", "security"):
        response = client.get(reverse(f"accounts:{name}"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert client.get(reverse("accounts:otp_disable")).status_code in (302, 405)


def test_an_initial_password_must_be_changed_first_and_then_leads_home(world, client):
    User.objects.filter(pk=world.users.leader.pk).update(must_change_password=True)
    log_in(client, "leader")
    response = client.get(reverse("dashboards:county"))
    assert response.status_code == 302 and response.url.startswith(reverse("password_change"))
    assert "初始密码" in client.get(response.url).content.decode()
    response = client.post(reverse("password_change"), {
        "old_password": f.PASSWORD, "new_password1": "Jinxiang#2025", "new_password2": "Jinxiang#2025",
    })
    assert response.status_code == 302 and response.url == reverse("dashboards:home")
    assert client.get(reverse("dashboards:county")).status_code == 200
    assert not User.objects.get(pk=world.users.leader.pk).must_change_password


def test_a_password_older_than_ninety_days_must_be_changed(world, client, settings):
    assert settings.PASSWORD_MAX_AGE_DAYS == 90
    User.objects.filter(pk=world.users.leader.pk).update(
        password_changed_at=timezone.now() - datetime.timedelta(days=91))
    log_in(client, "leader")
    response = client.get(reverse("dashboards:county"))
    assert response.url.startswith(reverse("password_change"))
    assert "超过 90 天" in client.get(response.url).content.decode()


def test_none_of_the_last_five_passwords_may_come_back(world, login):
    client = login(world.users.leader)
    passwords = [f.PASSWORD] + [f"Jinxiang#{year}" for year in range(2020, 2026)]
    for old, new in zip(passwords, passwords[1:], strict=False):
        response = client.post(reverse("password_change"), {"old_password": old, "new_password1": new,
                                                            "new_password2": new})
        assert response.status_code == 302, response.content.decode()
    current = passwords[-1]
    for reused in passwords[-5:]:
        page = client.post(reverse("password_change"), {"old_password": current, "new_password1": reused,
                                                        "new_password2": reused}).content.decode()
        assert "最近 5 次" in page
    # The sixth-last is allowed again.
    response = client.post(reverse("password_change"), {"old_password": current, "new_password1": passwords[-6],
                                                        "new_password2": passwords[-6]})
    assert response.status_code == 302


def test_demo_logins_prints_a_recovery_code_the_demo_admin_can_log_in_with(world, client):
    import io

    from django.core.management import call_command

    from demo.models import DemoMark

    DemoMark.objects.create(seed=2024, scale="county")  # demo_logins speaks only of a database seed_demo filled
    f.user("county_admin", f.Role.COUNTY_ADMIN, world.county)
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    factor_table = text.split("一次性恢复码", 2)[2]  # after the note and the table's header
    code = next(line for line in factor_table.splitlines() if line.startswith("county_admin")).split()[1]
    log_in(client, "county_admin")
    response = client.post(reverse("accounts:otp_verify"), {"token": code, "next": "/dashboard/"})
    assert response.status_code == 302 and client.get("/dashboard/").status_code == 200
    assert "leader" not in factor_table  # only accounts behind the factor get one


def test_a_lost_phone_is_reset_in_the_admin_and_enrolled_again(world, login, client):
    device = f.totp_device(world.users.town_a)
    admin_client = login(world.users.admin)
    admin_client.post(reverse("admin:accounts_user_changelist"), {
        "action": "reset_second_factor", "_selected_action": [world.users.town_a.pk],
    })
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not User.objects.get(pk=world.users.town_a.pk).otp_enabled
    assert AuditLog.objects.filter(object_id=str(world.users.town_a.pk), changes__has_key="otp_enabled").exists()
