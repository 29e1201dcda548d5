"""The evaluation charts on the county dashboard: server-side SVG, in the user's scope, a fixed number of queries."""

import pytest
from django.urls import reverse

from evaluations import services

from .conftest import five, open_period, participant

pytestmark = pytest.mark.django_db


def published_quarter(world, scheme, number, zhang_score, li_score):
    period = open_period(world, scheme, number=number)
    services.save_grid(period, "org", {participant(period, world.sec_a): five(zhang_score),
                                       participant(period, world.sec_b): five(li_score)}, user=world.users.admin)
    services.lock_accepting_every_gap(period, user=world.users.admin)
    services.honours_confirm(period, user=world.users.admin)
    return services.period_publish(period, user=world.users.admin)


def test_the_dashboard_draws_progress_distribution_trend_and_flags(world, scheme, login):
    published_quarter(world, scheme, 1, 70, 90)
    published_quarter(world, scheme, 2, 80, 60)
    scoring = open_period(world, scheme, number=3)
    services.save_grid(scoring, "org", {participant(scoring, world.sec_a): five(88)}, user=world.users.admin)
    page = login(world.users.admin).get(reverse("dashboards:county")).content.decode()
    assert "五看四评三争考评" in page and "<svg" in page
    assert "2024年第三季度</a> 评分进度" in page and "1/2" in page
    assert "综合得分分布（平均 70.00）" in page
    assert "综合得分平均的走势" in page and "<polyline" in page
    assert "红旗（按镇街）" in page and "icon-flag" in page
    assert "https://" not in page.split("五看四评三争考评")[1]  # nothing loaded from the web


def test_the_charts_run_a_fixed_number_of_queries(world, scheme, login, django_assert_max_num_queries):
    published_quarter(world, scheme, 1, 70, 90)
    published_quarter(world, scheme, 2, 80, 60)
    client = login(world.users.admin)
    client.get(reverse("dashboards:county"))
    from evaluations import charts

    with django_assert_max_num_queries(10):
        charts.dashboard(world.users.admin)
    published_quarter(world, scheme, 3, 85, 65)
    with django_assert_max_num_queries(10):
        charts.dashboard(world.users.admin)
