"""Results people can read: the ranking keeps name and composite in view on a laptop and becomes one card per
person on a phone; the dashboard's trend draws the county average and each township over the periods."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from evaluations import charts, services
from evaluations.models import Period

from .conftest import five, open_period, participant
from .test_charts import published_quarter

pytestmark = pytest.mark.django_db


def test_the_ranking_keeps_name_and_composite_in_view_and_labels_every_cell_for_phones(world, scheme, login):
    published_quarter(world, scheme, 1, 70, 90)
    period = Period.objects.get()
    page = login(world.users.admin).get(reverse("evaluations:ranking", args=[period.pk])).content.decode()
    table = page[page.index('<table class="list ranking"'):page.index("</table>", page.index('class="list ranking"'))]
    head = re.findall(r"<th(?:\s[^>]*)?>", table)
    assert head[0] == '<th class="sticky-name">' and head[1] == '<th class="num sticky-composite">'
    rows = re.findall(r"<tr>(.*?)</tr>", table[table.index("<tbody>"):], re.S)
    assert len(rows) == 2
    for row in rows:
        cells = re.findall(r"<td([^>]*)>", row)
        assert 'class="sticky-name"' in cells[0] and "sticky-composite" in cells[1]
        # on a phone each cell is a line of the person's card, introduced by its column's name
        assert all("data-label=" in cell for cell in cells[1:])
    assert 'href="/evaluations/results/' in rows[0] and "李娜" in rows[0] and "90.00" in rows[0]
    assert "css/evaluations.css" in page
    css = open(finders.find("css/evaluations.css"), encoding="utf-8").read()
    assert "position:sticky" in css and "@media (max-width: 640px)" in css
    assert "td[data-label]::before { content:attr(data-label)" in css


def test_the_trend_draws_the_county_average_and_each_township_over_the_periods(world, scheme, login):
    published_quarter(world, scheme, 1, 70, 90)  # 张伟 (胡集镇) 70, 李娜 (鸡黍镇) 90: county 80
    published_quarter(world, scheme, 2, 80, 60)  # county 70
    trend = charts.dashboard(world.users.admin)["trend"]
    assert [label["text"] for label in trend["labels"]] == ["第一季度", "第二季度"]
    assert [value for _x, _y, value in trend["dots"]] == [80.0, 70.0]
    lines = {line["name"]: line["points"].split() for line in trend["townships"]}
    assert set(lines) == {"胡集镇", "鸡黍镇"} and all(len(points) == 2 for points in lines.values())
    y = {name: [float(p.split(",")[1]) for p in points] for name, points in lines.items()}
    assert y["胡集镇"][0] > y["胡集镇"][1]  # 70 → 80: the line rises (SVG y grows downwards)
    assert y["鸡黍镇"][0] < y["鸡黍镇"][1]  # 90 → 60: it falls
    page = login(world.users.admin).get(reverse("dashboards:county")).content.decode()
    assert "<title>胡集镇</title>" in page and "<title>鸡黍镇</title>" in page and "<title>全县</title>" in page

    # A township official's chart holds their own township only.
    town = charts.dashboard(world.users.town_a)["trend"]
    assert [line["name"] for line in town["townships"]] == ["胡集镇"]
    assert [value for _x, _y, value in town["dots"]] == [70.0, 80.0]


def test_the_trend_needs_two_published_periods_of_the_same_kind(world, scheme):
    published_quarter(world, scheme, 1, 70, 90)
    scoring = open_period(world, scheme, number=2)
    services.save_grid(scoring, "org", {participant(scoring, world.sec_a): five(88)}, user=world.users.admin)
    assert charts.dashboard(world.users.admin)["trend"] is None


def test_withdrawing_tells_in_their_messages_only_those_who_opened_the_result(world, scheme, login):
    from notifications.models import Message

    published_quarter(world, scheme, 1, 70, 90)
    period = Period.objects.get()
    assert login(world.users.town_a).get(reverse("evaluations:ranking", args=[period.pk])).status_code == 200
    services.period_withdraw(period, user=world.users.admin, reason="鸡黍镇分数漏录，更正后重新发布")
    told = Message.objects.get(recipient=world.users.town_a, title__contains="撤回")  # after "已发布"
    assert told.title == f"{period}考评结果已撤回" and "鸡黍镇分数漏录" in told.body
    assert not Message.objects.filter(recipient=world.users.town_b, title__contains="撤回").exists()
