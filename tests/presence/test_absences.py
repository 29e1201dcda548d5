import datetime

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import AuditLog
from presence import reports, services
from presence.models import Leave, Notice, Result
from secretaries.models import WorkTeam
from tests import factories as f

from .conftest import TODAY, drawn, record

DAYS = [TODAY + datetime.timedelta(days=n) for n in (1, 4, 8, 11, 15)]
ABSENT, PRESENT = Result.ABSENT, Result.PRESENT


def run_of(world, results):
    for day, result in zip(DAYS, results, strict=False):
        record(world.users.town_a, world.asg_a, day, result)


def test_three_consecutive_absences_make_one_draft(world):
    run_of(world, [ABSENT, ABSENT, ABSENT])
    notice = Notice.objects.get()
    assert notice.status == Notice.Status.DRAFT and notice.secretary == world.sec_a
    assert notice.checks.count() == 3
    assert "张伟" in notice.title and "连续3次" in notice.title
    assert notice.unit_leader == "县财政局分管领导"


def test_a_fourth_absence_in_the_same_run_makes_no_second_draft(world):
    run_of(world, [ABSENT, ABSENT, ABSENT, ABSENT])
    notice = Notice.objects.get()
    assert notice.checks.count() == 4


def test_two_absences_make_none(world):
    run_of(world, [ABSENT, ABSENT])
    assert not Notice.objects.exists()


def test_presence_in_between_breaks_the_run(world):
    run_of(world, [ABSENT, ABSENT, PRESENT, ABSENT, ABSENT])
    assert not Notice.objects.exists()


def test_leave_in_between_breaks_the_run(world):
    Leave.objects.create(secretary=world.sec_a, village=world.village_a, kind=Leave.Kind.PERSONAL, reason="家中有事",
                         start_date=DAYS[1], end_date=DAYS[1], status=Leave.Status.APPROVED)
    run_of(world, [ABSENT, ABSENT, ABSENT])  # the second is on a day of approved leave
    assert not Notice.objects.exists()


def test_absent_during_approved_leave_is_recorded_as_on_leave(world):
    Leave.objects.create(secretary=world.sec_a, village=world.village_a, kind=Leave.Kind.SICK, reason="住院",
                         start_date=TODAY, end_date=DAYS[0], status=Leave.Status.APPROVED)
    check = record(world.users.town_a, world.asg_a, DAYS[0], ABSENT)
    assert check.result == Result.LEAVE


def test_leave_approved_afterwards_turns_absences_into_leave_and_withdraws_the_draft(world):
    run_of(world, [ABSENT, ABSENT, ABSENT])
    leave = services.leave_request(user=world.users.secretary, secretary=world.sec_a, kind=Leave.Kind.SICK,
                                   start_date=DAYS[1], end_date=DAYS[1], reason="突发疾病就医，补办请假")
    services.leave_decide(user=world.users.town_a, leave=leave, approve=True)
    assert not Notice.objects.exists()
    withdrawn = AuditLog.objects.get(action=AuditLog.Action.DELETE)
    assert "撤回" in withdrawn.changes["原因"]


def test_a_corrected_result_withdraws_the_draft(world):
    run_of(world, [ABSENT, ABSENT, ABSENT])
    middle = world.sec_a.spot_checks.get(date=DAYS[1])
    services.check_record(user=world.users.admin, check=middle, result=Result.OFFICIAL, method="field",
                          note="经核实在县里参加培训")
    assert not Notice.objects.exists()


def test_the_notice_names_the_work_team_leader(world):
    leader = f.secretary(world.county, world.unit, "队长老王")
    team = WorkTeam.objects.create(name="省派乡村振兴服务队", region=world.county, dispatch_level="province",
                                   leader=leader)
    team.members.add(world.sec_a)
    run_of(world, [ABSENT, ABSENT, ABSENT])
    notice = Notice.objects.get()
    assert notice.team_leader == leader and "工作队队长队长老王" in notice.body


def test_the_count_is_configurable(world, settings):
    settings.PRESENCE_ABSENCE_RUN = 2
    run_of(world, [ABSENT, ABSENT])
    assert Notice.objects.count() == 1


def test_a_pending_check_neither_counts_nor_breaks(world):
    record(world.users.town_a, world.asg_a, DAYS[0], ABSENT)
    drawn(world.asg_a, DAYS[1])  # drawn, result not entered yet
    record(world.users.town_a, world.asg_a, DAYS[2], ABSENT)
    record(world.users.town_a, world.asg_a, DAYS[3], ABSENT)
    assert Notice.objects.get().checks.count() == 3


def test_a_county_admin_issues_it_and_it_is_on_the_record(world):
    run_of(world, [ABSENT, ABSENT, ABSENT])
    notice = Notice.objects.get()
    with pytest.raises(PermissionDenied):
        services.notice_issue(user=world.users.town_a, notice=notice)
    services.notice_issue(user=world.users.admin, notice=notice)
    notice.refresh_from_db()
    assert notice.is_issued and notice.issued_by == world.users.admin
    assert AuditLog.objects.filter(object_id=str(notice.pk), action=AuditLog.Action.UPDATE).exists()
    assert reports.for_secretary(world.sec_a, world.users.admin, today=DAYS[2])["notices"] == [notice]
    assert reports.has_notice([world.sec_a.pk, world.sec_b.pk], DAYS[0], DAYS[2]) == {world.sec_a.pk}
    assert reports.has_notice([world.sec_a.pk], DAYS[3], DAYS[4]) == set()


def test_a_draft_is_not_on_the_secretarys_record(world):
    run_of(world, [ABSENT, ABSENT, ABSENT])
    assert reports.for_secretary(world.sec_a, world.users.secretary, today=DAYS[2])["notices"] == []
    assert reports.has_notice([world.sec_a.pk], DAYS[0], DAYS[4]) == set()


def test_an_issued_notice_survives_a_later_correction_and_a_new_run_gets_its_own(world):
    run_of(world, [ABSENT, ABSENT, ABSENT])
    services.notice_issue(user=world.users.admin, notice=Notice.objects.get())
    record(world.users.town_a, world.asg_a, DAYS[3], PRESENT)
    for day in (DAYS[4], DAYS[4] + datetime.timedelta(days=3), DAYS[4] + datetime.timedelta(days=7)):
        record(world.users.town_a, world.asg_a, day, ABSENT)
    assert Notice.objects.filter(status=Notice.Status.ISSUED).count() == 1
    assert Notice.objects.filter(status=Notice.Status.DRAFT).count() == 1


def test_a_township_official_cannot_record_another_townships_check(world):
    check = drawn(world.asg_b, DAYS[0])
    with pytest.raises(PermissionDenied):
        services.check_record(user=world.users.town_a, check=check, result=PRESENT, method="video")
