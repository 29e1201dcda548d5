"""A township official reading the county's unit actions learns nothing of another township's villages or people."""

import pytest
from django.urls import reverse

from tests.units.conftest import record
from units.models import ActionKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit_in_b(world):
    return record(world, ActionKind.VISIT, villages=[world.village_b], secretaries=[world.sec_b],
                  summary="局长到前进村调研")


@pytest.mark.parametrize("page", ["list", "unit", "detail"])
def test_a_township_official_does_not_see_another_townships_village_or_secretary_on_unit_actions(
        world, login, visit_in_b, page):
    url = {"list": reverse("units:action_list"), "unit": reverse("units:unit_page", args=[world.unit_b.pk]),
           "detail": reverse("units:action_detail", args=[visit_in_b.pk])}[page]
    response = login(world.users.town_a).get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "前进村" not in body.replace("局长到前进村调研", "")
    assert "李娜" not in body


def test_county_staff_still_see_every_village_and_secretary_of_an_action(world, login, visit_in_b):
    body = login(world.users.admin).get(reverse("units:action_detail", args=[visit_in_b.pk])).content.decode()
    assert "鸡黍镇 · 前进村" in body and "李娜" in body


def test_the_action_form_offers_no_project_of_another_county_funded_by_a_shared_city_unit(world, login):
    from projects.models import ProjectFund
    from secretaries.models import DispatchUnit
    from tests import factories as f
    from tests.projects.conftest import make_project

    city_unit = f.unit(world.city, "市委办公室", level=DispatchUnit.Level.CITY)
    there = f.secretary(world.other_county, city_unit, "孙悦")
    village = f.village(world.town_c, "新村")
    f.assign(there, village, world.batch_c)
    project = make_project(world, name="梁山县水产养殖项目", villages=[village], secretary=there,
                           funds={"unit": (50, 10)}, user=world.users.admin_ls)
    assert ProjectFund.objects.filter(project=project, unit=city_unit).exists()
    body = login(world.users.admin).get(reverse("units:action_create")).content.decode()
    assert "市委办公室" in body and "梁山县水产养殖项目" not in body
