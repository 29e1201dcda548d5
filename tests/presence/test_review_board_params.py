"""Review: odd ?county= values on the 在岗督查台 of a city user end in the page asking for a county, never a 500."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["²", "١٢", "99999999999999999999999"])
def test_a_county_parameter_that_is_not_a_plain_id_asks_for_a_county(world, login, value):
    city_admin = f.user("city_admin", Role.COUNTY_ADMIN, world.city)
    page = login(city_admin).get(reverse("presence:board"), {"county": value})
    assert page.status_code == 200 and page.context["county"] is None and page.context["checks"] == []
