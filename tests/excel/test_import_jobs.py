"""Large imports run as background jobs: one job per import however often 确认导入 is pressed, written once by the
worker, the job's page leading back to the record; a refusal ends the job with the importer's Chinese message and
nothing written. Small imports stay in the request."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse

import jobs
from evaluations import services as evaluation_services
from evaluations.models import Score
from excel.models import ImportRecord
from jobs.models import Job
from secretaries.models import Secretary
from tests import factories as f
from tests.evaluations.conftest import open_period
from tests.evaluations.test_score_import import row as score_row
from tests.evaluations.test_score_import import xlsx as score_xlsx
from tests.secretaries.test_roster_import import person, xlsx
from villages.models import Region

pytestmark = pytest.mark.django_db

NAMES = ["孙丽", "周强", "吴敏", "郑军"]
VILLAGES = ["孙庄村", "周集村", "吴楼村", "郑营村"]


@pytest.fixture
def large(settings, world):
    """Make a four-row file "large" (more rows than the threshold go to the worker); four villages to send to."""
    settings.IMPORT_JOB_MIN_ROWS = 3
    for name in VILLAGES:
        f.village(world.town_a, name, needs_secretary=True)
    return settings


def roster_preview(client):
    data = xlsx([person(name, f.id_number(), village=village) for name, village in zip(NAMES, VILLAGES, strict=True)])
    client.post(reverse("excel:import_start", args=["roster"]), {"file": SimpleUploadedFile("花名册.xlsx", data)})
    return ImportRecord.objects.latest("pk")


def confirm(client, record):
    return client.post(reverse("excel:import_confirm", args=[record.pk]))


def test_a_large_import_posted_twice_makes_one_job_that_writes_once_and_leads_back_to_the_record(
        world, login, large, run_tasks):
    client = login(world.users.admin)
    record = roster_preview(client)
    first, second = confirm(client, record), confirm(client, record)
    job = Job.objects.get()
    assert first.url == second.url == job.get_absolute_url()
    assert job.key == f"import:{record.pk}" and job.link == record.get_absolute_url() and job.title.endswith("（4 行）")
    assert not Secretary.objects.filter(name__in=NAMES).exists()  # nothing written in the request
    queued = client.get(record.get_absolute_url()).content.decode()
    assert "正在后台导入" in queued and job.get_absolute_url() in queued

    assert run_tasks() == 1
    job.refresh_from_db()
    record.refresh_from_db()
    assert job.state == Job.State.DONE, job.error
    assert job.progress == 100 and job.message.startswith("导入完成：新增 4 人")
    assert record.status == ImportRecord.Status.DONE
    assert Secretary.objects.filter(name__in=NAMES).count() == 4

    status = client.get(reverse("jobs:job_status", args=[job.pk])).json()
    assert status["finished"] and status["link"] == record.get_absolute_url()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "查看处理结果" in page and record.get_absolute_url() in page
    assert "导入完成" in client.get(record.get_absolute_url()).content.decode()

    # Pressed once more after the job: the record says it was imported; no second job, nothing written again.
    again = client.post(reverse("excel:import_confirm", args=[record.pk]), follow=True).content.decode()
    assert "该导入已确认" in again and Job.objects.count() == 1
    assert run_tasks() == 0 and Secretary.objects.filter(name__in=NAMES).count() == 4


def test_a_small_import_is_still_written_in_the_request(world, login, large):
    large.IMPORT_JOB_MIN_ROWS = 4
    client = login(world.users.admin)
    record = roster_preview(client)
    page = client.post(reverse("excel:import_confirm", args=[record.pk]), follow=True).content.decode()
    assert "导入完成：新增 4 人" in page and not Job.objects.exists()
    assert Secretary.objects.filter(name__in=NAMES).count() == 4


def test_a_row_broken_after_the_preview_fails_the_job_with_the_importers_message_and_writes_nothing(
        world, login, large, run_tasks):
    client = login(world.users.admin)
    record = roster_preview(client)
    confirm(client, record)
    for name in VILLAGES:  # renamed between the preview and the worker
        Region.objects.filter(name=name).update(name=name.replace("村", "新村"))
    run_tasks()
    job = Job.objects.get()
    assert job.state == Job.State.FAILED
    assert job.error.startswith("数据在预览之后发生了变化，出现了新的错误，未写入任何数据")
    assert "第 2 行「所驻村」" in job.error and "没有名为“孙庄村”的村" in job.error and "等共" in job.error
    assert not Secretary.objects.filter(name__in=NAMES).exists()
    record.refresh_from_db()
    assert record.status == ImportRecord.Status.PENDING and record.problems
    page = client.get(record.get_absolute_url()).content.decode()
    assert "后台导入未完成" in page and "没有名为“郑营村”的村" in page


def test_a_period_locked_before_the_worker_runs_fails_the_job_and_writes_no_score(
        world, scheme, extra_secretaries, login, large, run_tasks):
    period = open_period(world, scheme)
    client = login(world.users.admin)
    people = [world.sec_a, *extra_secretaries[:3]]
    url = reverse("excel:import_start", args=["scores"]) + f"?period={period.pk}"
    data = score_xlsx([score_row(p, "组织考评", 90) for p in people])
    client.post(url, {"file": SimpleUploadedFile("分数.xlsx", data)})
    record = ImportRecord.objects.get()
    assert record.counts["rows"] == 4 and not record.problems
    assert confirm(client, record).url == Job.objects.get().get_absolute_url()
    evaluation_services.lock_accepting_every_gap(period, user=world.users.admin)
    run_tasks()
    job = Job.objects.get()
    assert job.state == Job.State.FAILED and evaluation_services.FROZEN in job.error
    assert not Score.objects.exists()


def test_another_countys_admin_cannot_start_the_job(world, login, large):
    record = roster_preview(login(world.users.admin))
    assert confirm(login(world.users.admin_ls), record).status_code == 404
    assert not Job.objects.exists()


# --- progress from inside the import's transaction ------------------------------------------------------------

SEEN = {}


def progress_inside_a_transaction(*, job):
    """A task that reports progress from inside its own transaction and looks from another connection."""
    with transaction.atomic():
        jobs.progress(40, "已写入一半")

        def look():
            SEEN["progress"] = Job.objects.filter(pk=job.pk).values_list("progress", "message").first()
            connection.close()

        reader = threading.Thread(target=look)
        reader.start()
        reader.join()
    return "好了"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite admits one writer: progress waits for commit")
@pytest.mark.django_db(transaction=True)
def test_progress_written_inside_the_tasks_transaction_is_seen_at_once_on_postgresql(world, run_tasks):
    jobs.start(kind="test", user=world.users.admin, region=world.county,
               task="tests.excel.test_import_jobs.progress_inside_a_transaction")
    run_tasks()
    assert SEEN["progress"] == (40, "已写入一半")
    assert Job.objects.get().state == Job.State.DONE


def test_a_colleague_confirming_the_same_import_joins_the_job_and_stays_on_the_record(world, login, large, run_tasks):
    record = roster_preview(login(world.users.admin))
    confirm(login(world.users.admin), record)
    colleague = f.user("zzb_li", world.users.admin.role, world.county)
    client = login(colleague)
    response = client.post(reverse("excel:import_confirm", args=[record.pk]), follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == record.get_absolute_url()
    assert "已由他人确认，正在后台处理" in page and "刷新本页查看结果" in page
    assert Job.objects.count() == 1
    run_tasks()
    assert Secretary.objects.filter(name__in=NAMES).count() == 4


def test_an_expired_preview_of_a_large_import_is_refused_at_once_without_a_job(world, login, large):
    client = login(world.users.admin)
    record = roster_preview(client)
    ImportRecord.objects.filter(pk=record.pk).update(expires_at=record.created_at)
    page = client.post(reverse("excel:import_confirm", args=[record.pk]), follow=True).content.decode()
    assert "预览已过期" in page and not Job.objects.exists()
