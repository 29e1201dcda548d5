import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from presence import reports, services
from presence.models import Leave, Result
from secretaries.models import Secretary

from .conftest import TODAY, drawn

D = datetime.date


def ask(world, start, end, kind=Leave.Kind.PERSONAL):
    return services.leave_request(user=world.users.secretary, secretary=world.sec_a, kind=kind, start_date=start,
                                  end_date=end, reason="父亲住院陪护")


def test_a_secretary_asks_and_the_township_approves(world):
    leave = ask(world, D(2025, 7, 1), D(2025, 7, 3))
    assert leave.status == Leave.Status.PENDING and leave.village == world.village_a and leave.days == 3
    services.leave_decide(user=world.users.town_a, leave=leave, approve=True, note="同意，注意安全")
    leave.refresh_from_db()
    assert leave.status == Leave.Status.APPROVED and leave.decided_by == world.users.town_a


def test_overlapping_leave_is_refused(world):
    ask(world, D(2025, 7, 1), D(2025, 7, 3))
    with pytest.raises(ValidationError, match="时间重叠"):
        ask(world, D(2025, 7, 3), D(2025, 7, 5))
    assert Leave.objects.count() == 1


def test_a_rejected_or_withdrawn_request_frees_its_dates(world):
    first = ask(world, D(2025, 7, 1), D(2025, 7, 3))
    services.leave_decide(user=world.users.town_a, leave=first, approve=False, note="村里正值麦收，请调整时间")
    second = ask(world, D(2025, 7, 2), D(2025, 7, 2))
    services.leave_cancel(user=world.users.secretary, leave=second)
    assert ask(world, D(2025, 7, 2), D(2025, 7, 4)).status == Leave.Status.PENDING


def test_rejecting_needs_a_reason(world):
    leave = ask(world, D(2025, 7, 1), D(2025, 7, 3))
    with pytest.raises(ValidationError, match="驳回时请填写理由"):
        services.leave_decide(user=world.users.town_a, leave=leave, approve=False, note=" ")


def test_another_township_cannot_decide(world):
    leave = ask(world, D(2025, 7, 1), D(2025, 7, 3))
    with pytest.raises(PermissionDenied):
        services.leave_decide(user=world.users.town_b, leave=leave, approve=True)
    with pytest.raises(PermissionDenied):
        services.leave_decide(user=world.users.secretary, leave=leave, approve=True)


def test_approving_turns_recorded_absences_in_the_period_into_leave(world):
    check = drawn(world.asg_a, D(2025, 7, 2))
    services.check_record(user=world.users.town_a, check=check, result=Result.PRESENT, method="video")
    absent = drawn(world.asg_a, D(2025, 7, 3))
    absent.result = Result.ABSENT
    absent.save()
    services.leave_decide(user=world.users.town_a, leave=ask(world, D(2025, 7, 2), D(2025, 7, 3)), approve=True)
    check.refresh_from_db()
    absent.refresh_from_db()
    assert check.result == Result.PRESENT and absent.result == Result.LEAVE


def test_leave_days_are_summed_per_year_and_flagged_over_the_limit(world, settings):
    settings.PRESENCE_MAX_LEAVE_DAYS = 10
    spans = ((D(2024, 12, 28), D(2025, 1, 3)), (D(2025, 3, 1), D(2025, 3, 5)), (D(2025, 5, 1), D(2025, 5, 2)))
    for start, end in spans:
        Leave.objects.create(secretary=world.sec_a, village=world.village_a, kind=Leave.Kind.REST, reason="公休",
                             start_date=start, end_date=end, status=Leave.Status.APPROVED)
    Leave.objects.create(secretary=world.sec_a, village=world.village_a, kind=Leave.Kind.REST, reason="公休",
                         start_date=D(2025, 6, 1), end_date=D(2025, 6, 30), status=Leave.Status.REJECTED)
    person = reports.leave_days(Secretary.objects.filter(pk=world.sec_a.pk), 2025).get()
    assert reports.days_of(person) == 3 + 5 + 2
    assert reports.over_leave_limit(Secretary.objects.all(), 2025) == []
    settings.PRESENCE_MAX_LEAVE_DAYS = 9
    assert reports.over_leave_limit(Secretary.objects.all(), 2025) == [(world.sec_a, 10)]
    assert reports.for_secretary(world.sec_a, world.users.admin, today=D(2025, 7, 1))["leave_over_limit"]


# --- Pages ---------------------------------------------------------------------------------------------------

def test_the_secretary_asks_through_the_page(world, login):
    client = login(world.users.secretary)
    response = client.post(reverse("presence:leave_create"), {"kind": "sick", "start_date": "2025-07-01",
                                                              "end_date": "2025-07-02", "reason": "发烧就医"})
    leave = Leave.objects.get()
    assert response.status_code == 302 and response.url == leave.get_absolute_url()
    again = client.post(reverse("presence:leave_create"), {"kind": "sick", "start_date": "2025-07-02",
                                                           "end_date": "2025-07-02", "reason": "复查"})
    assert "时间重叠" in again.content.decode()


def test_the_township_decides_on_the_page_and_the_county_sees_it_as_newly_approved(world, login):
    leave = ask(world, TODAY, TODAY)
    detail = login(world.users.town_a).get(leave.get_absolute_url())
    assert "审批" in detail.content.decode()
    response = login(world.users.town_a).post(reverse("presence:leave_decide", args=[leave.pk]),
                                              {"decision": "approve", "decision_note": ""})
    assert response.status_code == 302
    page = login(world.users.admin).get(reverse("presence:leave_list")).content.decode()
    assert "新批准的请假" in page and "张伟" in page


def test_another_township_gets_404(world, login):
    leave = ask(world, TODAY, TODAY)
    client = login(world.users.town_b)
    assert client.get(leave.get_absolute_url()).status_code == 404
    assert client.post(reverse("presence:leave_decide", args=[leave.pk]), {"decision": "approve"}).status_code == 404


def test_deciding_is_post_only(world, login):
    leave = ask(world, TODAY, TODAY)
    assert login(world.users.town_a).get(reverse("presence:leave_decide", args=[leave.pk])).status_code == 405


def test_only_the_applicant_withdraws(world, login):
    leave = ask(world, TODAY, TODAY)
    assert login(world.users.town_a).post(reverse("presence:leave_cancel", args=[leave.pk])).status_code == 403
    login(world.users.secretary).post(reverse("presence:leave_cancel", args=[leave.pk]))
    leave.refresh_from_db()
    assert leave.status == Leave.Status.CANCELLED


def test_a_unit_contact_reads_their_units_leave_only(world, login):
    mine = services.leave_request(user=world.users.admin, secretary=world.sec_b, kind="rest", start_date=TODAY,
                                  end_date=TODAY, reason="公休")
    theirs = ask(world, TODAY, TODAY)
    client = login(world.users.contact)
    assert client.get(mine.get_absolute_url()).status_code == 200
    assert client.get(theirs.get_absolute_url()).status_code == 404
