"""年度报告 for large regions: built by the background worker with progress, downloaded from the job's page."""

import io
import threading

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jobs.models import Job
from reports import yearly_report
from tests.reports.test_yearly_report import build_year

pytestmark = pytest.mark.django_db


@pytest.fixture
def year(world):
    return build_year(world)


def test_a_report_job_builds_the_workbook_in_the_worker(world, year, login, run_tasks):
    client = login(world.users.admin)
    response = client.post(reverse("reports:report_job"), {"year": 2024})
    job = Job.objects.get()
    assert response.url == job.get_absolute_url() and job.state == Job.State.QUEUED
    run_tasks()
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.progress == 100, job.error
    download = client.get(reverse("jobs:job_download", args=[job.pk]))
    book = openpyxl.load_workbook(io.BytesIO(download.content))
    assert book.sheetnames == ["汇总", "排名", "明细", "派出单位考核"] and book["明细"].max_row == 1 + 120
    assert job.file.name == yearly_report.build(2024, user=world.users.admin).filename


def test_a_second_click_while_it_runs_joins_the_same_job(world, year, login):
    client = login(world.users.admin)
    client.post(reverse("reports:report_job"), {"year": 2024})
    client.post(reverse("reports:report_job"), {"year": 2024})
    assert Job.objects.count() == 1


def test_a_report_that_cannot_be_made_fails_with_the_reason(world, login, run_tasks):
    job = yearly_report_job(world)
    run_tasks()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "2031" in job.error


def yearly_report_job(world):
    import jobs

    return jobs.start(kind="yearly_report", user=world.users.admin, region=world.county,
                      task="reports.yearly_report.build_workbook", year=2031, user_id=world.users.admin.pk)


def test_large_regions_are_sent_to_the_background(world, year, login, settings):
    settings.REPORT_SYNC_MAX_PEOPLE = 3
    response = login(world.users.admin).get(reverse("reports:report_export"), {"year": 2024}, follow=True)
    assert "后台生成" in response.content.decode() and response.redirect_chain


def test_the_report_job_refuses_personal_roles_bad_input_and_get(world, year, login):
    assert login(world.users.contact).post(reverse("reports:report_job"), {"year": 2024}).status_code == 403
    response = login(world.users.admin).post(reverse("reports:report_job"), {"year": "x"}, follow=True)
    assert "没有 x 年度" in response.content.decode() and not Job.objects.exists()
    assert login(world.users.admin).get(reverse("reports:report_job")).status_code == 405


def test_the_detail_query_orders_by_indexed_keys_only(world, year):
    report = yearly_report.build(2024, user=world.users.admin)
    with CaptureQueriesContext(connection) as captured:
        list(report.detail_rows())
    details = [q["sql"] for q in captured if "evaluations_score" in q["sql"] or "surveytally" in q["sql"]]
    assert details
    for sql in details:
        order = sql.rsplit("ORDER BY", 1)[1]
        assert "name" not in order and "path" not in order and "end_date" not in order


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_detail_is_read_ahead_by_a_thread_and_comes_out_the_same(world):
    """The worker builds a workbook outside any transaction: a thread of its own reads 明细 while the rows before
    are written. The rows, their order and the workbook are those of the in-line reading."""
    build_year(world)
    report = yearly_report.build(2024, user=world.users.admin)
    in_line = list(report.detail_rows())
    assert not connection.in_atomic_block and len(in_line) > 50
    threads = []
    original = yearly_report.threading.Thread
    yearly_report.threading.Thread = lambda **kw: threads.append(original(**kw)) or threads[-1]
    try:
        read = list(yearly_report.read_ahead(report.detail_rows(), batch=7, depth=2))
    finally:
        yearly_report.threading.Thread = original
    assert len(threads) == 1 and not threads[0].is_alive()
    assert read == in_line


@pytest.mark.django_db(transaction=True)
def test_a_failure_while_reading_ahead_reaches_the_writer_and_stops_the_thread(world):
    def rows():
        yield [1]
        raise ValueError("读取失败")

    with pytest.raises(ValueError, match="读取失败"):
        list(yearly_report.read_ahead(rows(), batch=1))
    consumed = yearly_report.read_ahead(iter([[i] for i in range(1000)]), batch=1, depth=1)
    assert next(consumed) == [0]
    consumed.close()  # the writer gave up: the thread ends rather than waiting forever on a full queue
    assert not [t for t in threading.enumerate() if t.name == "report-read-ahead"]
