"""Review: the new-action page pre-fills the unit from ?unit= only for a plain id (accounts.params.parse_id):
"²" or a 30-digit number pre-fill nothing, and the page opens."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["²", "999999999999999999999999999999", "٣"])
def test_an_odd_unit_id_pre_fills_nothing(world, login, value):
    response = login(world.users.admin).get(reverse("units:action_create"), {"unit": value})
    assert response.status_code == 200
    assert response.context["form"]["unit"].value() is None
    assert f'value="{world.unit.pk}" selected' not in response.content.decode()


def test_a_plain_unit_id_in_scope_still_pre_fills(world, login):
    response = login(world.users.admin).get(reverse("units:action_create"), {"unit": world.unit.pk})
    assert response.status_code == 200
    assert str(response.context["form"]["unit"].value()) == str(world.unit.pk)
    assert f'value="{world.unit.pk}" selected' in response.content.decode()
