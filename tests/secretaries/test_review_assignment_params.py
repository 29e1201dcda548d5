"""Review: the new-assignment page pre-fills the person and the village from ?secretary= and ?village= only for
plain ids (read with accounts.params.parse_id): "²" or a 30-digit number pre-fill nothing, and the page opens."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = "secretaries:assignment_create"


@pytest.mark.parametrize("value", ["²", "99999999999999999999999999", "999999999999999999999999999999", "٣", "-1"])
def test_an_odd_id_pre_fills_nothing(world, login, value):
    response = login(world.users.admin).get(reverse(URL), {"secretary": value, "village": value})
    assert response.status_code == 200
    form = response.context["form"]
    assert form["secretary"].value() is None and form["village"].value() is None
    page = response.content.decode()
    assert f'value="{world.sec_idle.pk}" selected' not in page
    assert f'value="{world.village_a2.pk}" selected' not in page


def test_a_plain_id_in_scope_still_pre_fills_the_person_and_the_village(world, login):
    response = login(world.users.admin).get(reverse(URL), {"secretary": world.sec_idle.pk,
                                                           "village": world.village_a2.pk})
    assert response.status_code == 200
    form = response.context["form"]
    assert (str(form["secretary"].value()), str(form["village"].value())) == (str(world.sec_idle.pk),
                                                                              str(world.village_a2.pk))
    page = response.content.decode()
    assert f'value="{world.sec_idle.pk}" selected' in page and f'value="{world.village_a2.pk}" selected' in page
