"""Writing logs, service records and reflections: once, by the secretary, in their village, within the window."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditLog
from secretaries.models import Assignment
from worklogs import services
from worklogs.models import ServiceKind, ServiceRecord, Summary, WorkLog
from worklogs.periods import MONTH, WEEK, Period

from .. import factories as f
from .conftest import TODAY, log

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def write(world, date=TODAY, **fields):
    fields = {"text": "走访王庄村困难户3户，了解春耕用工需求。", "households_visited": 3, "problems_raised": 2,
              "problems_solved": 1, **fields}
    return services.worklog_create(user=world.users.secretary, secretary=world.sec_a, date=date, today=TODAY,
                                   **fields)


def messages(error):
    return " ".join(error.value.messages)


def test_a_log_goes_to_the_village_served_that_day_and_is_audited(world):
    entry = write(world)
    assert entry.village == world.village_a
    assert AuditLog.objects.filter(action="create", object_id=str(entry.pk)).exists()


def test_a_second_log_for_the_same_day_is_refused(world):
    write(world)
    with pytest.raises(ValidationError) as error:
        write(world, text="另一篇")
    assert "这一天已经写过民情日记" in messages(error)
    assert WorkLog.objects.count() == 1


@pytest.mark.parametrize(("date", "message"), [
    (TODAY + DAY, "不能记录今天以后的日期"),
    (TODAY - 8 * DAY, "只能补记最近 7 天内的记录"),
])
def test_future_and_old_days_are_refused(world, date, message):
    with pytest.raises(ValidationError) as error:
        write(world, date=date)
    assert message in messages(error)


def test_the_last_day_of_the_window_is_still_accepted(world):
    assert write(world, date=TODAY - 7 * DAY).pk


def test_the_window_is_a_setting(world, settings):
    settings.WORKLOG_EDIT_DAYS = 2
    with pytest.raises(ValidationError) as error:
        write(world, date=TODAY - 3 * DAY)
    assert "最近 2 天" in messages(error)


def test_text_over_2000_characters_is_refused(world):
    with pytest.raises(ValidationError) as error:
        write(world, text="字" * 2001)
    assert "不能超过 2000 字" in messages(error)


def test_a_day_outside_any_assignment_is_refused(world):
    with pytest.raises(ValidationError) as error:
        services.worklog_create(user=world.users.admin, secretary=world.sec_idle, date=TODAY, today=TODAY, text="x")
    assert "不在派驻期内" in messages(error)


def test_after_a_rotation_the_days_before_belong_to_the_old_village(world):
    world.asg_a.status, world.asg_a.end_date = Assignment.Status.ROTATED, TODAY - 3 * DAY
    world.asg_a.save()
    f.assign(world.sec_a, world.village_a2, world.batch, start=TODAY - 2 * DAY)
    assert write(world, date=TODAY - 4 * DAY).village == world.village_a
    assert write(world, date=TODAY - DAY).village == world.village_a2


def test_a_correction_within_the_window_is_audited_with_old_and_new_values(world):
    entry = write(world, date=TODAY - 7 * DAY)
    services.worklog_update(user=world.users.secretary, log=entry, today=TODAY, text="改过", households_visited=5,
                            date=TODAY)
    entry.refresh_from_db()
    assert (entry.text, entry.households_visited, entry.date) == ("改过", 5, TODAY - 7 * DAY)  # the date stays
    change = AuditLog.objects.get(action="update", object_id=str(entry.pk))
    assert change.changes["households_visited"] == [3, 5]


def test_a_log_past_the_window_can_be_neither_changed_nor_deleted(world):
    entry = log(world.sec_a, TODAY - 8 * DAY, households=2)
    with pytest.raises(ValidationError) as error:
        services.worklog_update(user=world.users.secretary, log=entry, today=TODAY, households_visited=9)
    assert "修改期限已过" in messages(error) and "截至 2025-06-17" in messages(error)
    with pytest.raises(ValidationError):
        services.worklog_delete(user=world.users.secretary, log=entry, today=TODAY)
    entry.refresh_from_db()
    assert entry.households_visited == 2


def test_deleting_a_log_keeps_its_service_records(world):
    entry = write(world)
    record = services.service_create(user=world.users.secretary, secretary=world.sec_a, date=TODAY,
                                     village=world.village_a, kind=ServiceKind.CLINIC, title="义诊", people_served=40,
                                     work_log=entry, today=TODAY)
    services.worklog_delete(user=world.users.secretary, log=entry, today=TODAY)
    record.refresh_from_db()
    assert record.work_log is None


# --- Service records ---------------------------------------------------------------------------

def record(world, village, **fields):
    fields = {"kind": ServiceKind.VISIT, "title": "走访慰问困难党员", "people_served": 12, "date": TODAY, **fields}
    return services.service_create(user=world.users.secretary, secretary=world.sec_a, village=village, today=TODAY,
                                   **fields)


def test_a_service_record_may_be_in_another_village_of_the_same_township(world):
    assert record(world, world.village_a2).village == world.village_a2


def test_a_service_record_in_another_township_is_refused(world):
    with pytest.raises(ValidationError) as error:
        record(world, world.village_b)
    assert "同一镇（街道）" in messages(error)
    assert not ServiceRecord.objects.exists()


def test_a_service_record_links_only_to_the_own_log_of_the_same_day(world):
    yesterday = log(world.sec_a, TODAY - DAY)
    with pytest.raises(ValidationError) as error:
        record(world, world.village_a, work_log=yesterday)
    assert "同一天" in messages(error)
    assert record(world, world.village_a, work_log=yesterday, date=TODAY - DAY).work_log == yesterday


def test_moving_a_service_record_to_another_township_is_refused(world):
    made = record(world, world.village_a)
    with pytest.raises(ValidationError):
        services.service_update(user=world.users.secretary, record=made, today=TODAY, village=world.village_b)
    made.refresh_from_db()
    assert made.village == world.village_a


# --- Reflections -------------------------------------------------------------------------------

def reflect(world, period, text="本周重点推进香瓜大棚，下周协调冷库用电。", today=TODAY):
    return services.summary_save(user=world.users.secretary, secretary=world.sec_a, period=period, text=text,
                                 today=today)


def test_a_reflection_is_written_once_and_then_corrected(world):
    week = Period.containing(WEEK, TODAY)
    first = reflect(world, week)
    second = reflect(world, week, text="改一改")
    assert first.pk == second.pk and Summary.objects.get().text == "改一改"
    assert first.period_start == datetime.date(2025, 6, 16) and first.village == world.village_a


def test_a_reflection_waits_for_its_period_and_closes_after_the_window(world):
    with pytest.raises(ValidationError) as error:
        reflect(world, Period.containing(WEEK, TODAY + 7 * DAY))
    assert "还没有开始" in messages(error)
    may = Period.containing(MONTH, datetime.date(2025, 5, 1))  # May ends the 31st: open until 7 June
    with pytest.raises(ValidationError) as error:
        reflect(world, may)
    assert "修改期限已过" in messages(error)
    assert reflect(world, may, today=datetime.date(2025, 6, 7)).pk


def test_a_reflection_must_start_its_period(world):
    entry = Summary(secretary=world.sec_a, village=world.village_a, kind="week", period_start=TODAY, text="x")
    with pytest.raises(ValidationError) as error:
        entry.full_clean()
    assert "周一" in messages(error)
