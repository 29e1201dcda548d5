import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

import jobs
from jobs.models import Job

from . import sample_tasks

pytestmark = pytest.mark.django_db


def start(world, task="tests.jobs.sample_tasks.make_file", user=None, **args):
    return jobs.start(kind="test", user=user or world.users.admin, region=world.county, task=task, title="测试任务",
                      **args)


def test_a_started_job_waits_in_the_queue_until_a_worker_runs_it(world, run_tasks):
    job = start(world, rows=5)
    assert job.state == Job.State.QUEUED and DBTaskResult.objects.count() == 1
    assert run_tasks() == 1
    job.refresh_from_db()
    assert (job.state, job.progress, job.attempts) == (Job.State.DONE, 100, 1)
    assert bytes(job.file.data).decode() == "行\n" * 5 and job.file.name == "结果5.txt"


def test_the_same_key_twice_starts_one_job(world):
    first = start(world, rows=1, key="report:2025:jx")
    second = start(world, rows=1, key="report:2025:jx")
    assert first.pk == second.pk and DBTaskResult.objects.count() == 1


def test_a_job_run_twice_is_done_once(world, run_tasks):
    job = start(world, rows=2)
    run_tasks()
    from jobs.services import job_run

    job_run(job.pk)  # the queue delivered the same message again
    job.refresh_from_db()
    assert job.attempts == 1 and job.state == Job.State.DONE


def test_a_refusal_fails_at_once_with_its_chinese_reason(world, run_tasks):
    job = start(world, task="tests.jobs.sample_tasks.refuse")
    run_tasks()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and job.error == "没有 2031 年的考评结果。" and job.attempts == 1


def test_an_unexpected_error_is_retried_with_growing_delays_then_fails(world, run_tasks, settings):
    settings.JOB_RETRIES = 2
    sample_tasks.CALLS["flaky"] = 0
    job = start(world, task="tests.jobs.sample_tasks.flaky")
    delays = []
    for _ in range(3):
        run_tasks()
        pending = DBTaskResult.objects.ready().count() + DBTaskResult.objects.filter(status="READY").count()
        waiting = DBTaskResult.objects.filter(status="READY").first()
        if waiting is not None:
            delays.append(round((waiting.run_after - timezone.now()).total_seconds()))
            DBTaskResult.objects.filter(pk=waiting.pk).update(run_after=timezone.now() - datetime.timedelta(seconds=1))
        assert pending >= 0
    job.refresh_from_db()
    assert sample_tasks.CALLS["flaky"] == 3 and job.state == Job.State.FAILED
    assert "已重试 2 次" in job.error
    assert [d // 10 * 10 for d in delays] == [0, 10] or delays[1] > delays[0]


def test_the_job_page_shows_progress_and_offers_the_result(world, login, run_tasks):
    job = start(world, rows=3)
    client = login(world.users.admin)
    page = client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()
    assert "排队中" in page and "jobs-progress.js" in page and "<script>" not in page
    run_tasks()
    status = client.get(reverse("jobs:job_status", args=[job.pk])).json()
    assert status["state"] == "done" and status["progress"] == 100 and status["download"]
    download = client.get(status["download"])
    assert download.status_code == 200 and download.content.decode() == "行\n" * 3
    assert "attachment" in download["Content-Disposition"]
    assert "测试任务" in client.get(reverse("jobs:job_list")).content.decode()


def test_someone_elses_job_is_not_found(world, login, run_tasks):
    job = start(world, rows=1)
    run_tasks()
    for user in (world.users.leader, world.users.admin_ls, world.users.town_a):
        client = login(user)
        for name in ("jobs:job_detail", "jobs:job_status", "jobs:job_download"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404


def test_job_pages_need_a_login_and_refuse_posts(world, client, login):
    job = start(world, rows=1)
    assert client.get(reverse("jobs:job_detail", args=[job.pk])).status_code == 302
    assert client.get(reverse("jobs:job_list")).status_code == 302
    assert login(world.users.admin).post(reverse("jobs:job_detail", args=[job.pk])).status_code == 405


def queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_job_list_runs_a_fixed_number_of_queries(world, login, run_tasks):
    client = login(world.users.admin)
    start(world, rows=1)
    run_tasks()
    client.get(reverse("jobs:job_list"))
    few = queries(client, reverse("jobs:job_list"))
    for rows in range(5):
        start(world, rows=rows + 1)
    start(world, task="tests.jobs.sample_tasks.refuse")
    run_tasks()
    assert queries(client, reverse("jobs:job_list")) == few <= 8
