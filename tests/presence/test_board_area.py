"""在岗督查台 above a county: a city or province user chooses a county before the week's sample, its rounds and its
notice drafts are listed (a province's sample is thousands of rows); county staff see theirs at once."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from presence.models import Result, SpotCheck
from tests import factories as f

from .conftest import drawn

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MONDAY = TODAY - datetime.timedelta(days=TODAY.weekday())


@pytest.fixture
def city_admin(world):
    return f.user("city_admin", Role.COUNTY_ADMIN, world.city)


@pytest.fixture
def checks(world):
    return [drawn(world.asg_a, MONDAY), drawn(world.asg_b, MONDAY), drawn(world.asg_c, MONDAY)]


def test_a_city_user_is_asked_for_a_county_first(world, login, city_admin, checks):
    page = login(city_admin).get(reverse("presence:board"))
    html = page.content.decode()
    assert "请先选择县（市、区）" in html
    assert page.context["checks"] == [] and "张伟" not in html and "王强" not in html
    assert {c.name for c in page.context["counties"]} == {"金乡县", "梁山县"}


def test_the_chosen_countys_sample_is_listed_and_saved(world, login, city_admin, checks):
    client = login(city_admin)
    url = reverse("presence:board") + f"?county={world.county.pk}"
    page = client.get(url)
    assert {c.secretary.name for c in page.context["checks"]} == {"张伟", "李娜"}
    assert f"county={world.county.pk}" in page.content.decode()  # the week links keep the county
    zhang = checks[0]
    data = {f"c{zhang.pk}_result": Result.PRESENT, f"c{zhang.pk}_method": "video",
            f"c{zhang.pk}_inspector": "市委组织部", f"c{zhang.pk}_note": ""}
    for check in checks[1:2]:
        data.update({f"c{check.pk}_result": check.result, f"c{check.pk}_method": check.method,
                     f"c{check.pk}_inspector": check.inspector, f"c{check.pk}_note": check.note})
    response = client.post(url, data)
    assert response.status_code == 302 and f"county={world.county.pk}" in response.url
    assert SpotCheck.objects.get(pk=zhang.pk).result == Result.PRESENT


def test_a_county_outside_the_users_region_or_a_bad_value_lists_nothing_else(world, login, city_admin, checks):
    other = login(world.users.admin).get(reverse("presence:board") + f"?county={world.other_county.pk}")
    # County staff see their county at once; the parameter cannot widen it.
    assert {c.secretary.name for c in other.context["checks"]} == {"张伟", "李娜"}
    from villages.services import region_create

    elsewhere = region_create(name="菏泽市", level="city")
    far = region_create(name="曹县", level="county", parent=elsewhere)
    for value in ("abc", str(far.pk), "1\x00"):
        page = login(city_admin).get(reverse("presence:board"), {"county": value})
        assert page.status_code == 200 and page.context["checks"] == [] and page.context["county"] is None


def test_county_staff_see_their_week_without_choosing(world, login, checks):
    page = login(world.users.admin).get(reverse("presence:board"))
    assert "请先选择" not in page.content.decode()
    assert {c.secretary.name for c in page.context["checks"]} == {"张伟", "李娜"}
