import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


def attempt(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.0.0.8")


def test_a_user_logs_in_and_lands_on_the_dashboard(world, client):
    response = attempt(client, "town_a", f.PASSWORD)
    assert response.status_code == 302
    page = client.get(response.url, follow=True).content.decode()
    assert "胡集镇干部" in page and "总览" in page


def test_a_county_admin_logs_in_and_is_asked_for_the_second_factor(world, client):
    response = attempt(client, "admin_jx", f.PASSWORD)
    response = client.get(response.url)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:otp_setup"))


def test_a_wrong_password_gets_a_chinese_message(world, client):
    response = attempt(client, "admin_jx", "wrong-password")
    assert "用户名或密码不正确" in response.content.decode()


def test_an_account_is_locked_after_repeated_failures_even_with_the_right_password(world, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "town_a", "Wrong@pass1")
    response = attempt(client, "town_a", f.PASSWORD)
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_of_one_account_does_not_lock_another(world, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "town_a", "Wrong@pass1")
    assert attempt(client, "town_b", f.PASSWORD).status_code == 302


@pytest.mark.parametrize("password", ["short1A", "alllowercaseletters", "12345678901", "abcdefgh12"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_password_with_three_kinds_of_characters_is_accepted():
    validate_password("Jinxiang#2024")


def test_password_change_explains_the_rule_in_chinese(world, login):
    response = login(world.users.leader).post(reverse("password_change"), {
        "old_password": f.PASSWORD, "new_password1": "abcdefghij", "new_password2": "abcdefghij",
    })
    assert "至少 3 种" in response.content.decode()


def test_sessions_expire_after_thirty_idle_minutes_by_default(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST


def test_logout_is_post_only_and_ends_the_session(world, login):
    client = login(world.users.leader)
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert client.get(reverse("dashboards:county")).status_code == 302
