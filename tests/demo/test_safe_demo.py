"""Demo data and demo accounts only ever go into an empty database or one the demo filled."""

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from accounts.roles import Role
from demo.models import DemoMark
from demo.seed import database_state
from demo.users import ensure_demo_users
from secretaries.models import Assignment, Secretary
from villages.models import Region

pytestmark = pytest.mark.django_db



def test_an_empty_database_is_empty_and_a_superuser_makes_it_real():
    assert database_state() == "empty"
    User.objects.create_superuser("root", password="Xy-12345678")
    assert database_state() == "real"


def test_seed_demo_refuses_a_database_with_a_real_county(world):
    before = (Region.objects.count(), User.objects.count(), Secretary.objects.count())
    with pytest.raises(CommandError, match="不是由演示数据生成的"):
        call_command("seed_demo", stdout=io.StringIO())
    assert (Region.objects.count(), User.objects.count(), Secretary.objects.count()) == before
    assert not User.objects.filter(username="county_admin").exists()
    assert not DemoMark.objects.exists()


def test_seed_demo_refuses_a_database_holding_only_the_first_superuser():
    User.objects.create_superuser("root", password="Xy-12345678")
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=io.StringIO())
    assert list(User.objects.values_list("username", flat=True)) == ["root"]
    assert not Region.objects.exists()


def test_make_runs_if_empty_leaves_a_real_database_untouched_and_says_so(world):
    users = set(User.objects.values_list("username", "password", "region_id", "role"))
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)  # exits normally: make run goes on to serve the data
    assert "不写入演示数据" in out.getvalue()
    assert set(User.objects.values_list("username", "password", "region_id", "role")) == users


def test_demo_logins_prints_no_password_for_a_real_database(world):
    out = io.StringIO()
    call_command("demo_logins", "--url", "http://127.0.0.1:8123/", stdout=out)
    text = out.getvalue()
    assert "不是演示库" in text and "http://127.0.0.1:8123/" in text
    assert "Demo@2024" not in text


def test_demo_logins_prints_the_address_it_is_given():
    DemoMark.objects.create(seed=1, scale="county")
    out = io.StringIO()
    call_command("demo_logins", "--url", "http://0.0.0.0:9001/", stdout=out)
    assert "网址：http://0.0.0.0:9001/" in out.getvalue()


def test_the_demo_secretary_login_keeps_pointing_at_the_same_person(world):
    ensure_demo_users(world.county, log=lambda *a: None)
    first = Secretary.objects.get(user__username="secretary")
    # Their assignment ends and the township's first village gets someone else: the login must not move.
    Assignment.objects.filter(secretary=first).update(status="rotated")
    ensure_demo_users(world.county, log=lambda *a: None)
    assert Secretary.objects.get(user__username="secretary") == first
    assert User.objects.get(username="secretary").role == Role.SECRETARY
