"""send_reminders: one line per recipient with their items, logged so the same reminder is not sent twice a day."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from tasks.models import ReminderLog, TaskItem
from tests import factories as f

from .conftest import make_task

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 6, 1)


def send(*args):
    out = io.StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def due(world):
    """张伟's item, 80% of its time gone on DAY; 李娜's, overdue; a closed one and an early one, not due."""
    make_task(world.sec_a, title="党支部晋星", created_on=DAY - datetime.timedelta(days=8),
              deadline=DAY + datetime.timedelta(days=2))
    make_task(world.sec_b, title="香瓜大棚", created_on=DAY - datetime.timedelta(days=30),
              deadline=DAY - datetime.timedelta(days=1), status=TaskItem.Status.IN_PROGRESS)
    make_task(world.sec_a, title="已申请办结", created_on=DAY - datetime.timedelta(days=30), deadline=DAY,
              status=TaskItem.Status.PENDING)
    make_task(world.sec_a, title="还早", created_on=DAY - datetime.timedelta(days=7),
              deadline=DAY + datetime.timedelta(days=3))


def test_dry_run_prints_one_line_per_recipient_and_records_nothing(world, due):
    out = send("--dry-run", "--today", DAY.isoformat())
    lines = out.strip().splitlines()
    by_user = {line.split("，")[1].split("）")[0]: line for line in lines[:-1]}
    assert set(by_user) == {"sec_a", "town_a", "town_b"}  # the secretaries with a login, and their townships
    assert "党支部晋星" in by_user["sec_a"] and "还早" not in by_user["sec_a"] and "已申请办结" not in out
    assert "【已逾期】香瓜大棚" in by_user["town_b"]
    assert "将提醒 3 人、3 条（演练，未记录）" in lines[-1]
    assert not ReminderLog.objects.exists()


def test_a_reminder_is_sent_once_a_day(world, due):
    assert "已提醒 3 人、3 条" in send("--today", DAY.isoformat())
    assert ReminderLog.objects.count() == 3
    again = send("--today", DAY.isoformat())
    assert again.strip() == f"{DAY:%Y-%m-%d}：已提醒 0 人、0 条。"
    # The next day they are due again, and 还早 has become due too (to 张伟 and to 胡集镇).
    assert "已提醒 3 人、5 条" in send("--today", (DAY + datetime.timedelta(days=1)).isoformat())


def test_a_new_official_of_the_township_is_reminded_too(world, due):
    send("--today", DAY.isoformat())
    f.user("town_a2", "township", world.town_a)
    out = send("--today", DAY.isoformat())
    assert "town_a2" in out and "已提醒 1 人、1 条" in out


def test_a_bad_date_is_a_clear_error(world):
    with pytest.raises(CommandError, match="日期“2025-13-01”无效"):
        send("--today", "2025-13-01")
