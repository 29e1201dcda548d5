"""The announcement migration on a database with data: an announcement published before it keeps its receipts,
learns how many people it went to, and is linked to the job that sent its messages."""

import pytest
from django.core.management import call_command

from tests.migrating import state

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("notifications", "0001_reach_notifications"), ("jobs", "0003_job_heartbeat")]
AFTER = [("notifications", "0003_fill_announcement_sizes")]


def test_existing_announcements_get_their_audience_size_and_job(world):
    old = state(BEFORE)
    Announcement, Receipt = old.get_model("notifications", "Announcement"), old.get_model("notifications", "Receipt")
    Job = old.get_model("jobs", "Job")
    admin, county = world.users.admin, world.county
    large = Announcement.objects.create(region_id=county.pk, title="全体第一书记", body="请报送。",
                                        created_by_id=admin.pk, to_all_secretaries=True)
    small = Announcement.objects.create(region_id=county.pk, title="胡集镇", body="请报送。", created_by_id=admin.pk)
    empty = Announcement.objects.create(region_id=county.pk, title="无人", body="—", created_by_id=admin.pk)
    for user in (world.users.secretary, world.users.town_a, world.users.contact):
        Receipt.objects.create(announcement_id=large.pk, user_id=user.pk)
    Receipt.objects.create(announcement_id=small.pk, user_id=world.users.town_a.pk)
    job = Job.objects.create(kind="announcement", title="发送通知公告", task="notifications.announcements."
                             "announcement_notify", key=f"announcement:{large.pk}", created_by_id=admin.pk,
                             region_id=county.pk, state="done", args={"announcement_id": large.pk})

    new = state(AFTER)
    rows = {a.pk: a for a in new.get_model("notifications", "Announcement").objects.all()}
    assert (rows[large.pk].audience_size, rows[large.pk].send_job_id) == (3, job.pk)
    assert (rows[small.pk].audience_size, rows[small.pk].send_job_id) == (1, None)
    assert (rows[empty.pk].audience_size, rows[empty.pk].send_job_id) == (0, None)
    assert new.get_model("notifications", "Receipt").objects.count() == 4
    call_command("migrate", verbosity=0)
