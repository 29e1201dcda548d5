import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditLog
from secretaries import services
from secretaries.models import Assignment, DispatchLevel, Secretary

pytestmark = pytest.mark.django_db


def assignment_form(w, secretary, village, **extra):
    return {
        "secretary": secretary.pk, "village": village.pk, "batch": w.batch.pk,
        "dispatch_level": DispatchLevel.COUNTY, "role": Assignment.Duty.FIRST_SECRETARY,
        "start_date": "2025-03-01", "end_date": "2027-02-28", **extra,
    }


def test_a_second_active_first_secretary_for_a_village_is_a_form_error_not_a_500(world, login):
    before = Assignment.objects.count()
    response = login(world.users.admin).post(
        reverse("secretaries:assignment_create"), assignment_form(world, world.sec_idle, world.village_a)
    )
    assert response.status_code == 200
    assert "该村已有在岗的第一书记" in response.content.decode()
    assert Assignment.objects.count() == before


def test_a_secretary_cannot_hold_two_active_assignments(world, login):
    response = login(world.users.admin).post(
        reverse("secretaries:assignment_create"), assignment_form(world, world.sec_a, world.village_a2)
    )
    assert "同一时间只能在一个村任职" in response.content.decode()


def test_an_end_before_the_start_is_rejected(world, login):
    response = login(world.users.admin).post(
        reverse("secretaries:assignment_create"),
        assignment_form(world, world.sec_idle, world.village_a2, end_date="2024-01-01"),
    )
    assert "结束日期不能早于开始日期" in response.content.decode()
    assert not world.sec_idle.assignments.exists()


def test_creating_an_assignment_moves_the_secretary_into_the_villages_scope(world, login):
    response = login(world.users.admin).post(
        reverse("secretaries:assignment_create"), assignment_form(world, world.sec_idle, world.village_a2)
    )
    assert response.status_code == 302
    world.sec_idle.refresh_from_db()
    assert world.sec_idle.region == world.village_a2.region
    assert world.sec_idle in Secretary.objects.for_user(world.users.town_a)
    assert AuditLog.objects.filter(action="create", object_id=str(world.sec_idle.assignments.get().pk)).exists()


def test_the_assignment_form_offers_only_villages_in_the_users_region(world, login):
    response = login(world.users.admin).post(
        reverse("secretaries:assignment_create"), assignment_form(world, world.sec_idle, world.village_c)
    )
    assert "选择一个有效的选项" in response.content.decode()


def test_rotation_ends_the_current_assignment_and_starts_the_next(world):
    new = services.assignment_rotate(
        user=world.users.admin, assignment=world.asg_a, village=world.village_a2,
        start_date=datetime.date(2025, 6, 1), end_date=datetime.date(2027, 5, 31),
    )
    old = Assignment.objects.get(pk=world.asg_a.pk)
    assert (old.status, old.end_date) == (Assignment.Status.ROTATED, datetime.date(2025, 5, 31))
    assert (new.status, new.village, new.secretary) == (Assignment.Status.ACTIVE, world.village_a2, world.sec_a)
    assert new.batch == old.batch and new.role == old.role
    assert list(world.sec_a.assignments.order_by("start_date")) == [old, new]  # history kept
    assert AuditLog.objects.filter(object_id=str(old.pk), action="update").exists()


def test_rotation_into_an_occupied_village_changes_nothing(world):
    with pytest.raises(ValidationError):
        services.assignment_rotate(
            user=world.users.admin, assignment=world.asg_a, village=world.village_b,
            start_date=datetime.date(2025, 6, 1),
        )
    world.asg_a.refresh_from_db()
    assert world.asg_a.status == Assignment.Status.ACTIVE and world.asg_a.end_date == datetime.date(2026, 2, 28)
    assert world.sec_a.assignments.count() == 1


def test_rotation_page_shows_errors_in_chinese_and_succeeds_with_good_input(world, login):
    client = login(world.users.admin)
    url = reverse("secretaries:secretary_rotate", args=[world.sec_a.pk])
    assert "确认轮换" in client.get(url).content.decode()
    bad = client.post(url, {"village": world.village_a2.pk, "start_date": "2023-01-01", "reason": "rotated"})
    assert "轮换日期必须晚于当前派驻的开始日期" in bad.content.decode()
    good = client.post(url, {"village": world.village_a2.pk, "start_date": "2025-06-01", "reason": "rotated"})
    assert good.status_code == 302
    assert world.sec_a.assignments.active().get().village == world.village_a2


def test_rotation_of_a_secretary_without_an_active_assignment_says_so(world, login):
    response = login(world.users.admin).get(reverse("secretaries:secretary_rotate", args=[world.sec_idle.pk]),
                                            follow=True)
    assert "没有在岗的派驻记录" in response.content.decode()


def test_rotate_rejects_other_methods(world, login):
    url = reverse("secretaries:secretary_rotate", args=[world.sec_a.pk])
    assert login(world.users.admin).put(url).status_code == 405


def test_ending_an_assignment_keeps_it_in_the_history_and_frees_the_village(world, login):
    client = login(world.users.admin)
    url = reverse("secretaries:secretary_end", args=[world.sec_a.pk])
    bad = client.post(url, {"end_date": "2020-01-01", "status": "recalled"})
    assert "结束日期不能早于开始日期" in bad.content.decode()
    assert client.post(url, {"end_date": "2025-05-31", "status": "recalled", "note": "因病召回"}).status_code == 302
    ended = Assignment.objects.get(pk=world.asg_a.pk)
    assert (ended.status, str(ended.end_date), ended.note) == ("recalled", "2025-05-31", "因病召回")
    assert not Assignment.objects.active_first_secretaries().filter(village=world.village_a).exists()


def test_a_township_official_may_not_end_assignments(world, login):
    url = reverse("secretaries:secretary_end", args=[world.sec_a.pk])
    assert login(world.users.town_a).get(url).status_code == 403
    assert login(world.users.town_b).get(url).status_code == 404


def test_an_assignment_must_start_within_its_batch(world, login):
    response = login(world.users.admin).post(
        reverse("secretaries:assignment_create"),
        assignment_form(world, world.sec_idle, world.village_a2, start_date="2023-01-01", end_date="2023-12-31"),
    )
    assert "开始日期不在所选派驻批次" in response.content.decode()
    assert not world.sec_idle.assignments.exists()
