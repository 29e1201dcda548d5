"""Review of worklogs/: each test shows a defect found in review and fails until it is fixed."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize("raw", ["²", "①", "9" * 30])  # str.isdigit() says yes, int() says no
def test_a_non_ascii_digit_log_id_on_the_service_form_is_not_a_500(world, login, raw):
    response = login(world.users.secretary).get(reverse("worklogs:service_create"), {"log": raw})
    assert response.status_code == 200


@pytest.mark.parametrize(("kind", "start"), [("week", "9999-12-31"), ("month", "9999-12-31"),
                                             ("week", "0001-01-01"), ("month", "0001-01-01")])
def test_a_summary_at_the_ends_of_the_calendar_is_not_a_500(world, login, kind, start):
    url = reverse("worklogs:summary", args=[world.sec_a.pk, kind, start])
    assert login(world.users.secretary).get(url).status_code in (200, 404)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_board_at_the_ends_of_the_calendar_is_not_a_500(world, login, day):
    assert login(world.users.town_a).get(reverse("worklogs:board"), {"day": day}).status_code == 200


def test_the_board_says_why_a_day_out_of_range_is_not_shown(world, login):
    response = login(world.users.town_a).get(reverse("worklogs:board"), {"day": "2101-01-01"})
    assert "2000 年至 2100 年" in response.content.decode()
