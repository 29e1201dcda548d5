"""The demo 三本: realistic gaps, every service kind, the articles' totals; safe to run twice."""

import datetime

import pytest

from demo.worklogs import ensure_demo_worklogs
from worklogs import reports
from worklogs.models import ServiceKind, ServiceRecord, Summary, WorkLog

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def run(world, seed=7):
    accounts = [(world.users.admin, ""), (world.users.secretary, ""), (world.users.contact, "")]
    ensure_demo_worklogs(world.county, accounts, seed=seed, today=TODAY, log=lambda line: None)


def test_logs_have_gaps_and_leave_today_to_the_demo_secretary(world):
    run(world)
    days = (TODAY - WorkLog.objects.earliest("date").date).days
    assert 49 <= days <= 55  # eight weeks back to a Monday
    for person in (world.sec_a, world.sec_b):
        dates = set(WorkLog.objects.filter(secretary=person).values_list("date", flat=True))
        assert 10 < len(dates) < days  # not every day
    mine = set(WorkLog.objects.filter(secretary=world.sec_a).values_list("date", flat=True))
    assert {TODAY - datetime.timedelta(days=1), TODAY - datetime.timedelta(days=3)} <= mine
    assert TODAY not in mine
    assert not WorkLog.objects.filter(village=world.village_c).exists()  # 梁山县 is another county
    assert Summary.objects.filter(kind="week").exists() and Summary.objects.filter(kind="month").exists()


def test_service_records_add_up_to_the_articles_figures(world):
    run(world)
    assert set(ServiceRecord.objects.values_list("kind", flat=True)) == set(ServiceKind.values)
    figures = reports.county_figures(world.users.admin, today=TODAY)
    kinds = {kind["kind"]: kind for kind in figures["services"]}
    assert 60 <= kinds["clinic"]["count"] <= 66 and 1605 <= kinds["visit"]["served"] <= 1660
    assert figures["sentence"].startswith("累计开展义诊活动6")
    for record in ServiceRecord.objects.select_related("village__region", "work_log"):
        township = record.secretary.assignments.get(status="active").village.region.parent_id
        assert record.village.region.parent_id == township
        assert record.work_log is None or record.work_log.date == record.date
    assert ServiceRecord.objects.filter(work_log__isnull=False).exists()


def test_a_second_run_adds_nothing_and_the_seed_decides(world):
    run(world)
    texts = list(WorkLog.objects.order_by("pk").values_list("text", flat=True))
    run(world)
    assert list(WorkLog.objects.order_by("pk").values_list("text", flat=True)) == texts
