"""派出单位总览: 50 units a page in the order of (level, name), scoped to the user's region; the counts at the top
(units, 今年未到村, 未有资金物资支持) come from one aggregate and agree with the rows however many pages there are."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests import factories as f
from units import figures
from units.models import ActionKind
from units.views import OVERVIEW_PAGE_SIZE

from .conftest import TODAY, record

pytestmark = pytest.mark.django_db


def many_units(world, n, town=None, prefix="单位"):
    """n 县直 units named 单位000… each with one serving secretary in a new village of township A (or `town`)."""
    units = []
    for i in range(n):
        unit = f.unit(world.county, f"{prefix}{i:03d}")
        f.assign(f.secretary(world.county, unit), f.village(town or world.town_a), world.batch)
        units.append(unit)
    return units


def names_on(page):
    return [unit.name for unit in page.context["units"]]


def test_the_second_page_shows_the_next_units_in_order(world, login):
    many_units(world, 60)
    client = login(world.users.admin)
    first, second = client.get(reverse("units:overview")), client.get(reverse("units:overview"), {"page": 2})
    expected = [u.name for u in figures.overview_units(world.users.admin)]
    assert len(expected) == 62  # 60 here, 县财政局 and 县农业农村局 from the world
    assert names_on(first) == expected[:OVERVIEW_PAGE_SIZE]
    assert names_on(second) == expected[OVERVIEW_PAGE_SIZE:]
    assert "共 62 条，第 2 / 2 页" in second.content.decode()
    assert "单位000" in first.content.decode() and "单位000" not in second.content.decode()


def test_a_page_past_the_end_or_not_a_number_shows_a_real_page(world, login):
    many_units(world, 55)
    client = login(world.users.admin)
    assert client.get(reverse("units:overview"), {"page": 99}).context["page_obj"].number == 2
    assert client.get(reverse("units:overview"), {"page": "x\x00"}).context["page_obj"].number == 1


def test_pages_are_scoped_to_the_users_region(world, login):
    many_units(world, 3)
    other = f.unit(world.other_county, "梁山县民政局")
    f.assign(f.secretary(world.other_county, other), f.village(world.town_c), world.batch_c)
    many_units(world, 2, town=world.town_b, prefix="鸡黍")
    page = login(world.users.admin).get(reverse("units:overview"))
    assert "梁山县民政局" not in names_on(page) and "梁山县水务局" not in names_on(page)
    # A township official sees the units of the people in their township only: 县财政局 (张伟) and the three.
    town = login(world.users.town_a).get(reverse("units:overview"))
    assert sorted(names_on(town)) == ["单位000", "单位001", "单位002", "县财政局"]
    assert town.context["total"] == 4


def test_the_counts_agree_with_the_rows_of_every_page(world, login):
    units = many_units(world, 57)
    record(world, ActionKind.VISIT, unit=units[0])
    record(world, ActionKind.VISIT, unit=units[55])
    record(world, ActionKind.DONATION, unit=units[56], amount=Decimal("3.5"), summary="捐赠化肥")
    record(world, ActionKind.DONATION, unit=units[1], amount=Decimal("0"), summary="零元捐赠")
    record(world, ActionKind.VISIT, unit=units[2], date=TODAY.replace(year=TODAY.year - 1))  # last year's
    rotated = f.unit(world.county, "单位轮换")  # its person has rotated away: nobody serving, so no 未到村 flag
    f.assign(f.secretary(world.county, rotated), f.village(world.town_a), world.batch, status="rotated")
    client = login(world.users.admin)
    rows = []
    for number in (1, 2):
        rows += client.get(reverse("units:overview"), {"page": number}).context["units"]
    counts = client.get(reverse("units:overview")).context
    assert counts["total"] == len(rows) == 60  # 57, 单位轮换, 县财政局 and 县农业农村局
    assert counts["no_visit"] == sum(1 for u in rows if u.no_visit) == 57 - 2 + 2
    assert counts["no_support"] == sum(1 for u in rows if u.no_support) == 59
    visited = {u.name for u in rows if u.visits}
    assert visited == {"单位000", "单位055"}


@pytest.mark.parametrize("flag", ["no_visit", "no_support"])
def test_a_flag_pages_through_the_flagged_units_only(world, login, flag):
    units = many_units(world, 52)
    record(world, ActionKind.VISIT, unit=units[10])
    record(world, ActionKind.DONATION, unit=units[11], amount=Decimal("1"), summary="捐赠")
    client = login(world.users.admin)
    shown = []
    for number in (1, 2):
        page = client.get(reverse("units:overview"), {"flag": flag, "page": number})
        shown += page.context["units"]
    assert all(getattr(u, flag) for u in shown)
    assert len(shown) == page.context["paginator"].count == page.context[flag]
    assert f"flag={flag}&amp;page=1" in page.content.decode() or f"flag={flag}&page=1" in page.content.decode()
