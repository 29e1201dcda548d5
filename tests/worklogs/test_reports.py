"""Weekly and monthly summaries, the township board and the county figures are built from the logs."""

import datetime

import pytest

from worklogs import reports
from worklogs.models import ServiceKind, Summary
from worklogs.periods import MONTH, WEEK, Period

from .. import factories as f
from .conftest import TODAY, log, service

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
WEEK_OF_TODAY = Period.containing(WEEK, TODAY)  # Monday 16 June – Sunday 22 June 2025


def test_periods_are_iso_weeks_and_calendar_months():
    assert (WEEK_OF_TODAY.start, WEEK_OF_TODAY.end) == (datetime.date(2025, 6, 16), datetime.date(2025, 6, 22))
    assert WEEK_OF_TODAY.label == "2025年第25周（6月16日—6月22日）"
    feb = Period.containing(MONTH, datetime.date(2024, 2, 10))
    assert (feb.start, feb.end, feb.label) == (datetime.date(2024, 2, 1), datetime.date(2024, 2, 29), "2024年2月")
    assert feb.next().start == datetime.date(2024, 3, 1) and feb.previous().end == datetime.date(2024, 1, 31)


def test_the_weekly_summary_is_built_from_the_logs_of_that_week(world):
    log(world.sec_a, datetime.date(2025, 6, 15), households=50, raised=9)  # Sunday before: not this week
    log(world.sec_a, datetime.date(2025, 6, 16), households=4, raised=3, solved=1)
    log(world.sec_a, datetime.date(2025, 6, 18), households=6, raised=1, solved=2)
    log(world.sec_b, datetime.date(2025, 6, 17), households=30)  # someone else
    service(world.sec_a, datetime.date(2025, 6, 18), ServiceKind.CLINIC, served=45)
    data = reports.secretary_period(world.sec_a, world.users.admin, WEEK_OF_TODAY)
    assert data["totals"] == {"days": 2, "households": 10, "raised": 4, "solved": 3}
    assert data["log_sentence"] == "本周记民情日记2天，走访农户10户，收集问题4个、解决3个。"
    assert data["service_sentence"] == "本周开展义诊活动1场。"
    assert [entry.date.day for entry in data["entries"]] == [16, 18]


def test_the_monthly_summary_covers_the_calendar_month(world):
    for day in (1, 15, 30):
        log(world.sec_a, datetime.date(2025, 6, day), households=2)
    log(world.sec_a, datetime.date(2025, 7, 1), households=2)
    data = reports.secretary_period(world.sec_a, world.users.secretary, Period.containing(MONTH, TODAY))
    assert data["totals"]["days"] == 3 and data["totals"]["households"] == 6


def test_a_summary_shows_only_what_the_reader_may_see(world):
    log(world.sec_a, TODAY, households=4)
    data = reports.secretary_period(world.sec_a, world.users.town_b, WEEK_OF_TODAY)
    assert data["totals"]["days"] == 0 and data["entries"] == []


def test_the_service_sentence_reads_like_the_articles():
    kinds = reports.service_kinds({
        "clinic_count": 62, "opera_count": 15, "visit_count": 80, "visit_served": 1612,
        "reception_count": 0, "appeal_count": 9, "other_count": 0,
    })
    assert reports.service_sentence(kinds) == (
        "累计开展义诊活动62场，组织送戏下乡15场，走访慰问党员、群众1612户，帮助解决群众诉求9件。")
    assert reports.service_sentence(reports.service_kinds({})) == ""


def test_the_board_lists_serving_secretaries_in_village_order_with_a_neutral_count(world, extra_secretaries):
    log(world.sec_a, TODAY, households=5, raised=2, solved=2)
    log(world.sec_a, TODAY - DAY, households=1)
    log(world.sec_b, TODAY, households=7)
    log(world.sec_a, TODAY - 7 * DAY, households=99)  # last week
    service(world.sec_a, TODAY, ServiceKind.VISIT, served=20)
    Summary.objects.create(secretary=world.sec_a, village=world.village_a, kind="week",
                           period_start=WEEK_OF_TODAY.start, text="体会")
    data = reports.board(world.users.town_a, WEEK_OF_TODAY)
    rows = {row["secretary"].name: row for row in data["rows"]}
    assert set(rows) == {"张伟", "刘洋", "陈静", "杨帆", "黄磊", "周敏"}  # 胡集镇 only
    assert (rows["张伟"]["days"], rows["张伟"]["households"], rows["张伟"]["services"]) == (2, 6, 1)
    assert rows["张伟"]["reflected"] and not rows["刘洋"]["reflected"]
    assert data["totals"]["without_log"] == 5 and data["totals"]["with_log"] == 1
    paths = [row["village"].region.path for row in data["rows"]]
    assert paths == sorted(paths)  # by village, never by figures
    county = reports.board(world.users.admin, WEEK_OF_TODAY)
    assert {area["area"].name: area["days"] for area in county["areas"]} == {"胡集镇": 2, "鸡黍镇": 1}


def test_the_board_takes_four_queries_whatever_the_number_of_people(world, extra_secretaries,
                                                                    django_assert_max_num_queries):
    def run():
        with django_assert_max_num_queries(4):
            return reports.board(world.users.admin, WEEK_OF_TODAY)

    run()
    for person in extra_secretaries:
        log(person, TODAY, households=3)
        service(person, TODAY, ServiceKind.APPEAL)
    more = f.secretary(world.county, world.unit, "吴昊")
    f.assign(more, f.village(world.town_b), world.batch)
    assert len(run()["rows"]) == 8


def test_county_figures_in_two_queries(world, django_assert_max_num_queries):
    log(world.sec_a, TODAY, households=5, raised=3, solved=1)
    log(world.sec_b, TODAY - DAY, households=2)
    log(world.sec_b, datetime.date(2025, 5, 30), households=40)  # last month
    log(world.sec_c, TODAY, households=9)  # 梁山县
    service(world.sec_a, datetime.date(2025, 3, 1), ServiceKind.CLINIC, served=60)
    service(world.sec_b, TODAY, ServiceKind.VISIT, served=25)
    with django_assert_max_num_queries(2):
        figures = reports.county_figures(world.users.admin, today=TODAY)
    assert (figures["logs_this_month"], figures["households_this_month"], figures["writers_this_week"]) == (2, 7, 2)
    assert (figures["problems_raised_this_month"], figures["problems_solved_this_month"]) == (3, 1)
    assert (figures["services_total"], figures["services_this_month"]) == (2, 1)
    assert figures["sentence"] == "累计开展义诊活动1场，走访慰问党员、群众25户。"
    assert figures["month"] == "2025年6月"


def test_for_secretary_in_two_queries(world, django_assert_max_num_queries):
    log(world.sec_a, TODAY, households=5)
    log(world.sec_a, TODAY - 40 * DAY, households=5)
    service(world.sec_a, TODAY, ServiceKind.OPERA, served=300)
    with django_assert_max_num_queries(2):
        box = reports.for_secretary(world.sec_a, world.users.town_a, today=TODAY)
    assert (box["last_log"], box["logs_last_30_days"], box["month_totals"]["households"]) == (TODAY, 1, 5)
    assert box["sentence"] == "累计组织送戏下乡1场。"
    assert box["week_url"] == f"/worklogs/secretaries/{world.sec_a.pk}/week/2025-06-18/"
    assert reports.for_secretary(world.sec_a, world.users.town_b, today=TODAY)["logs_last_30_days"] == 0


def test_the_overview_counts_by_township_and_kind(world, django_assert_max_num_queries):
    service(world.sec_a, TODAY, ServiceKind.CLINIC, served=50)
    service(world.sec_a, TODAY, ServiceKind.VISIT, served=12)
    service(world.sec_b, datetime.date(2024, 12, 1), ServiceKind.VISIT, served=30)
    service(world.sec_c, TODAY, ServiceKind.VISIT, served=99)  # 梁山县
    with django_assert_max_num_queries(2):
        data = reports.service_overview(world.users.admin)
    assert [(row["name"], row["total"], row["households"]) for row in data["rows"]] == [
        ("胡集镇", 2, 12), ("鸡黍镇", 1, 30)]
    assert data["sentence"] == "累计开展义诊活动1场，走访慰问党员、群众42户。"
    this_year = reports.service_overview(world.users.admin, 2025)
    assert this_year["sentence"] == "2025年开展义诊活动1场，走访慰问党员、群众12户。"
