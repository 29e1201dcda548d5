"""An announcement to every secretary of a province (21,000 people): the publish request with everything written in
it (the path of a small audience, forced) and as it is (the audience fixed in the request, each person's receipt and
message written by the task worker's job), the job itself, the publisher's page while it runs and once sent (the
counts, the first page, filtered pages), and the export of who has not read.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_x .venv/bin/pytest tests/perf/test_announcement_perf.py -m perf -s
    #   ANNOUNCE_PEOPLE=21000
"""

import os
import time

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from jobs.models import Job
from notifications.models import Announcement, Message, Receipt

pytestmark = [pytest.mark.perf, pytest.mark.django_db]

PEOPLE = int(os.environ.get("ANNOUNCE_PEOPLE", "21000"))


@pytest.fixture(autouse=True)
def _only_when_selected(request):
    if "perf" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("benchmark: run with -m perf")


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def publish(client, title):
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("notifications:announcement_create"),
                               {"title": title, "body": "请各位第一书记于7月5日前报送半年工作总结。",
                                "to_all_secretaries": "on"})
    seconds = time.perf_counter() - started
    assert response.status_code == 302, response.content.decode()[:500]
    return seconds, len(queries)


def test_a_province_wide_announcement_is_published_in_the_request_and_sent_by_the_worker(world, login, run_tasks,
                                                                                          settings):
    password = make_password(None)
    User.objects.bulk_create([User(username=f"perf_sec_{n}", name=f"书记{n}", role=Role.SECRETARY,
                                   region=world.village_a.region, password=password) for n in range(PEOPLE)],
                             batch_size=5000)
    client = login(world.users.admin)

    settings.NOTIFY_INLINE_MAX = 10**9  # before: everything in the request
    before, before_queries = publish(client, "之前：全部在请求中发送")
    first = Announcement.objects.get(title="之前：全部在请求中发送")
    sent_inline = Message.objects.filter(dedupe_key=f"announcement:{first.pk}").count()

    settings.NOTIFY_INLINE_MAX = 500  # after: the default
    after, after_queries = publish(client, "之后：后台发送")
    second = Announcement.objects.get(title="之后：后台发送")
    assert not second.receipts.exists()  # nothing per person in the request
    assert Message.objects.filter(dedupe_key=f"announcement:{second.pk}").count() == 0
    assert f"正在发送给 {PEOPLE + 1} 人" in client.get(second.get_absolute_url()).content.decode()
    started = time.perf_counter()
    run_tasks()
    job_seconds = time.perf_counter() - started
    job = Job.objects.get(key=f"announcement:{second.pk}")
    sent = Message.objects.filter(dedupe_key=f"announcement:{second.pk}").count()
    assert job.state == Job.State.DONE and sent == sent_inline == second.receipts.count() >= PEOPLE
    assert f"已发送完毕，共送达 {sent} 人" in client.get(second.get_absolute_url()).content.decode()
    # A third of the people have read it by now, one in nine acknowledged: county staff chase the rest.
    ids = list(second.receipts.order_by("pk").values_list("pk", flat=True))
    now = timezone.now()
    Receipt.objects.filter(pk__in=ids[::3]).update(read_at=now)
    Receipt.objects.filter(pk__in=ids[::9]).update(acknowledged_at=now, note="已收到")
    unread = sent - len(ids[::3])
    last = -(-unread // 50)
    pages = [("first page", "", f"回执情况：共 {sent} 人，已读 {len(ids[::3])}（未读 {unread}）"),
             ("unread, page 1", "?state=unread", f"共 {unread} 条，第 1 / "),
             ("unread, page 2", "?state=unread&page=2", f"共 {unread} 条，第 2 / "),
             ("acknowledged, p.1", "?state=acknowledged", f"已回执 {len(ids[::9])}"),
             ("unread, last page", f"?state=unread&page={last}", f"共 {unread} 条，第 {last} / {last} 页")]
    timings = []
    for label, query, expected in pages:
        seconds, queries, page = [], 0, ""
        for _ in range(3):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                page = client.get(second.get_absolute_url() + query).content.decode()
            seconds.append(time.perf_counter() - started)
            queries = len(captured)
        assert expected in page, (label, expected)
        timings.append((label, sorted(seconds)[1], queries))
    started = time.perf_counter()
    export = client.get(reverse("notifications:announcement_export", args=[second.pk]) + "?state=unread")
    size = len(b"".join(export.streaming_content))
    export_seconds = time.perf_counter() - started
    print(f"\nannouncement to {sent:,} people on {connection.vendor} (load average {load()}):")
    print(f"  all in the request: publish {before:6.2f} s ({before_queries} queries), receipts and messages in it")
    print(f"  as it is:           publish {after:6.2f} s ({after_queries} queries); the job {job_seconds:.2f} s "
          f"(receipts and messages in batches of 2,000)")
    print("  the publisher's page once sent (counts in one aggregate, 50 recipients a page; median of 3):")
    for label, seconds, queries in timings:
        print(f"    {label:18} {seconds:6.3f} s ({queries} queries)")
    print(f"  export of the {unread:,} who have not read: {export_seconds:.2f} s ({size / 1024:.0f} kB)")
