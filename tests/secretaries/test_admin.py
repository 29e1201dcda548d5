import pytest
from django.urls import reverse

from accounts.models import AuditLog
from secretaries.models import WorkTeam

pytestmark = pytest.mark.django_db


def test_a_team_leader_must_be_a_member_of_the_team(world, login):
    response = login(world.users.admin).post(reverse("admin:secretaries_workteam_add"), {
        "name": "驻金乡县省派工作队", "region": world.county.pk, "dispatch_level": "province",
        "leader": world.sec_a.pk, "members": [world.sec_b.pk],
    })
    assert response.status_code == 200
    assert "不是本队队员" in response.content.decode()
    assert not WorkTeam.objects.exists()


def test_admin_changes_are_audited_without_the_id_number(world, login):
    url = reverse("admin:secretaries_secretary_change", args=[world.sec_a.pk])
    response = login(world.users.admin).post(url, {
        "name": "张伟", "id_number": "11010519491231002X", "ethnicity": "汉族", "political_status": "cpc",
        "education": "bachelor", "phone": "13805371234", "unit": world.unit.pk, "post": "", "rank": "",
        "region": world.village_a.region.pk, "user": world.users.secretary.pk,
        "assignments-TOTAL_FORMS": 1, "assignments-INITIAL_FORMS": 1, "assignments-MIN_NUM_FORMS": 0,
        "assignments-MAX_NUM_FORMS": 1000, "assignments-0-id": world.asg_a.pk,
        "assignments-0-secretary": world.sec_a.pk,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    log = AuditLog.objects.get(action="update", object_id=str(world.sec_a.pk))
    assert log.changes == {"id_number": ["（已隐藏）", "（已隐藏）"]}
    assert "11010519491231002X" not in str(log.changes)


def test_the_assignment_filter_in_the_admin_lists_only_batches_in_scope(world, login):
    page = login(world.users.admin).get(reverse("admin:secretaries_assignment_changelist")).content.decode()
    assert "2024—2026年派驻批次" in page and "梁山县2024年批次" not in page


def test_a_township_official_sees_only_the_masked_number_in_the_admin(world, login):
    page = login(world.users.town_a).get(reverse("admin:secretaries_secretary_change", args=[world.sec_a.pk]))
    assert page.status_code == 200
    assert world.sec_a.id_number not in page.content.decode()
    assert world.sec_a.masked_id_number in page.content.decode()
