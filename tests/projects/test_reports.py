"""The dashboard's project figures: scoped, a joint project counted once, a fixed number of queries."""

import pytest

from projects import reports, services
from projects.models import Asset

from .conftest import TODAY, D, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects(world):
    red = make_project(world, name="香瓜大棚", late=31, funds={"county": (100, 40)})
    make_project(world, name="道路硬化", villages=[world.village_b], secretary=world.sec_b, late=30,
                 funds={"city": (50, 50)})
    joint = make_project(world, name="飞地抱团冷库", villages=[world.village_a, world.village_a2, world.village_b],
                         shares=[50, 25, 25], done=6, total=600, funds={"province": (300, 300), "social": (100, 20)})
    make_project(world, name="梁山项目", villages=[world.village_c], secretary=world.sec_c, late=90,
                 user=world.users.admin_ls)
    services.asset_create(user=world.users.admin, project=joint, today=TODAY, name="冷库 2 座", value=D(380),
                          village=world.village_a, custodian="王建国", handed_over=TODAY)
    return red, joint


def test_county_figures_count_each_project_once(world, projects, django_assert_num_queries):
    with django_assert_num_queries(3):
        figures = reports.county_figures(world.users.admin, today=TODAY)
    assert figures == {
        "projects": 3, "red": 1, "yellow": 1, "blue": 1, "investment": D("1000.00"),
        "planned": D("550.00"), "disbursed": D("410.00"), "assets": 1, "asset_value": D("380.00"),
    }


def test_county_figures_are_scoped(world, projects):
    town_b = reports.county_figures(world.users.town_b, today=TODAY)
    assert (town_b["projects"], town_b["planned"], town_b["assets"]) == (2, D("450.00"), 1)
    other = reports.county_figures(world.users.admin_ls, today=TODAY)
    assert (other["projects"], other["red"], other["planned"]) == (1, 1, D("100.00"))
    contact = reports.county_figures(world.users.contact, today=TODAY)  # 县农业农村局: 李娜's road
    assert (contact["projects"], contact["yellow"], contact["planned"]) == (1, 1, D("50.00"))


def test_county_figures_queries_do_not_grow(world, projects, django_assert_num_queries):
    for n in range(5):
        make_project(world, name=f"项目{n}", villages=[world.village_a, world.village_b], shares=[50, 50])
    Asset.objects.create(project=projects[1], name="分拣线", value=D(20), village=world.village_b,
                         custodian="李四", handed_over=TODAY)
    with django_assert_num_queries(3):
        assert reports.county_figures(world.users.admin, today=TODAY)["projects"] == 8


def test_an_empty_scope_gives_zeros(world):
    figures = reports.county_figures(world.users.town_a, today=TODAY)
    assert figures["projects"] == 0 and figures["planned"] == D("0.00") and figures["assets"] == 0
