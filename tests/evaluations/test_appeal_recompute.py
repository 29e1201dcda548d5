"""Accepting an appeal in a large period: the decision and its audit row commit, then the task worker recomputes
the period (services.appeals.RECOMPUTE_INLINE_MAX; lowered here so two people count as large). Idempotent,
retried, and the appeal page says "重新计算中…" until the effects are there."""

import pytest
from django.db import OperationalError
from django.urls import reverse

from accounts.models import AuditLog
from evaluations import scoring, tasks
from evaluations.models import Appeal, Channel, Score, ScoreChange
from evaluations.services import appeals
from jobs import services as job_services
from jobs.models import Job

from .conftest import participant
from .test_appeals import file, grid_post, q2, quarter  # noqa: F401 — the published Q1 and Q2 of test_appeals

pytestmark = pytest.mark.django_db


@pytest.fixture
def large(monkeypatch):
    monkeypatch.setattr(appeals, "RECOMPUTE_INLINE_MAX", 1)


def accept(client, appeal, person, **scores):
    return client.post(reverse("evaluations:appeal_accept", args=[appeal.pk]), grid_post(person, **scores))


def recomputed_rows(period):
    return AuditLog.objects.filter(object_id=str(period.pk), changes__has_key="recomputed")


def test_a_small_period_is_recomputed_in_the_request(world, q2, login):  # noqa: F811
    zhang = participant(q2, world.sec_a)
    appeal = file(world, q2)
    response = accept(login(world.users.admin), appeal, zhang, **{f"org_{d}": "95" for d in range(1, 6)})
    assert response.url == appeal.get_absolute_url() and not Job.objects.exists()
    zhang.refresh_from_db()
    assert zhang.rank_county == 1


def test_a_large_period_is_recomputed_by_the_worker_after_the_decision(world, q2, large, login, run_tasks):  # noqa: F811
    zhang, li = participant(q2, world.sec_a), participant(q2, world.sec_b)
    appeal = file(world, q2)
    admin = login(world.users.admin)
    response = accept(admin, appeal, zhang, **{f"org_{d}": "95" for d in range(1, 6)})
    job = Job.objects.get()
    assert response.url == job.get_absolute_url() and job.link == appeal.get_absolute_url()
    assert (job.kind, job.state, job.args["appeal_id"], job.created_by) == (
        "appeal_recompute", Job.State.QUEUED, appeal.pk, world.users.admin)

    # Committed: the decision, the new scores and the audit row; the results are still those published.
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.ACCEPTED and appeal.effects == []
    assert sorted(Score.objects.filter(participant=zhang, channel=Channel.ORG).values_list("value", flat=True)) \
        == [95] * 5
    assert AuditLog.objects.filter(object_id=str(appeal.pk), changes__status=["待处理", "已采纳"]).exists()
    zhang.refresh_from_db()
    assert (zhang.composite, zhang.rank_county) == (80, 2) and not recomputed_rows(q2).exists()
    page = login(world.users.secretary).get(appeal.get_absolute_url()).content.decode()
    assert "重新计算中…" in page and "排队中" in page and "查看进度" not in page
    page = login(world.users.admin).get(appeal.get_absolute_url()).content.decode()
    assert "重新计算中…" in page and job.get_absolute_url() in page  # the decider follows its progress

    assert run_tasks() == 1
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.message == "已重新计算：2 人的结果有变化。"
    zhang.refresh_from_db()
    li.refresh_from_db()
    assert (zhang.composite, zhang.rank_county, li.rank_county) == (95, 1, 2)
    appeal.refresh_from_db()
    effects = {e["name"]: e for e in appeal.effects}
    assert effects["张伟"]["rank_county"] == [2, 1] and effects["李娜"]["rank_county"] == [1, 2]
    row = recomputed_rows(q2).get()
    assert row.changes["appeals"] == [appeal.pk] and "采纳张伟的申诉后重新计算，2 人" in row.changes["recomputed"]
    page = login(world.users.secretary).get(appeal.get_absolute_url()).content.decode()
    assert "重新计算中…" not in page and "95.00" in page

    # Run again (a retry after the commit, a second worker): nothing changes, no second audit row.
    assert tasks.appeal_recompute(appeal.pk) == "已重新计算（与同期的其他申诉一并完成）。"
    assert recomputed_rows(q2).count() == 1


def test_appeals_accepted_before_the_worker_runs_are_recomputed_in_one_pass(world, q2, large, login, run_tasks):  # noqa: F811
    zhang, li = participant(q2, world.sec_a), participant(q2, world.sec_b)
    first = file(world, q2)
    second = appeals.appeal_file(li, user=world.users.admin, reason="镇街点评漏录了本人的一项工作，请核实。")
    admin = login(world.users.admin)
    accept(admin, first, zhang, **{f"org_{d}": "95" for d in range(1, 6)})
    accept(admin, second, li, **{f"org_{d}": "99" for d in range(1, 6)})
    assert Job.objects.filter(state=Job.State.QUEUED).count() == 2

    assert run_tasks() == 2
    assert list(Job.objects.order_by("pk").values_list("message", flat=True)) == [
        "已重新计算：2 人的结果有变化。", "已重新计算（与同期的其他申诉一并完成）。"]
    row = recomputed_rows(q2).get()
    assert row.changes["appeals"] == [first.pk, second.pk]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.effects == second.effects  # one pass: both composites moved, the ranks did not
    assert {e["name"]: [float(v) for v in e["composite"]] for e in first.effects} == {
        "李娜": [90, 99], "张伟": [80, 95]}
    li.refresh_from_db()
    assert (li.composite, li.rank_county) == (99, 1)


def test_a_failing_recomputation_is_retried_writes_nothing_and_can_be_started_again(
        world, q2, large, login, run_tasks, monkeypatch, settings):  # noqa: F811
    settings.JOB_RETRIES = 1
    monkeypatch.setattr(job_services, "RETRY_BASE_SECONDS", 0)  # the retry is due at once
    compute = scoring.compute

    def lost_connection(period, **kwargs):
        compute(period, **kwargs)  # everything written …
        raise OperationalError("server closed the connection unexpectedly")  # … and rolled back

    monkeypatch.setattr(scoring, "compute", lost_connection)
    zhang = participant(q2, world.sec_a)
    appeal = file(world, q2)
    admin = login(world.users.admin)
    accept(admin, appeal, zhang, **{f"org_{d}": "95" for d in range(1, 6)})
    assert run_tasks() == 2  # the first attempt and its retry
    job = Job.objects.get()
    assert job.state == Job.State.FAILED and job.attempts == 2 and "已重试 1 次" in job.error
    zhang.refresh_from_db()
    appeal.refresh_from_db()
    assert zhang.composite == 80 and appeal.effects == [] and not recomputed_rows(q2).exists()
    assert ScoreChange.objects.filter(appeal=appeal).count() == 5  # the decision stands
    page = admin.get(appeal.get_absolute_url()).content.decode()
    assert "重新计算未完成" in page and reverse("evaluations:appeal_recompute", args=[appeal.pk]) in page
    assert "重新计算未完成" in login(world.users.secretary).get(appeal.get_absolute_url()).content.decode()
    assert login(world.users.secretary).post(
        reverse("evaluations:appeal_recompute", args=[appeal.pk])).status_code == 403

    monkeypatch.setattr(scoring, "compute", compute)
    admin = login(world.users.admin)
    response = admin.post(reverse("evaluations:appeal_recompute", args=[appeal.pk]))
    again = Job.objects.latest("pk")
    assert response.url == again.get_absolute_url() and again.state == Job.State.QUEUED
    assert run_tasks() == 1
    again.refresh_from_db()
    zhang.refresh_from_db()
    assert again.state == Job.State.DONE and (zhang.composite, zhang.rank_county) == (95, 1)
    assert admin.post(reverse("evaluations:appeal_recompute", args=[appeal.pk]), follow=True).content.decode() \
        .count("无需重新计算") == 1


def test_the_decision_is_not_written_when_the_job_cannot_be_queued(world, q2, large, login, monkeypatch):  # noqa: F811
    def no_queue(**kwargs):
        raise OperationalError("the queue table is not there")

    monkeypatch.setattr(appeals.jobs, "start", no_queue)
    zhang = participant(q2, world.sec_a)
    appeal = file(world, q2)
    with pytest.raises(OperationalError):
        appeals.appeal_accept(appeal, [(Channel.ORG, None, 1, 95)], user=world.users.admin, note="核实后改分")
    appeal.refresh_from_db()
    assert appeal.is_pending and not ScoreChange.objects.exists()
    assert sorted(Score.objects.filter(participant=zhang).values_list("value", flat=True)) == [80] * 5
    assert not AuditLog.objects.filter(object_id=str(appeal.pk), changes__status=["待处理", "已采纳"]).exists()
