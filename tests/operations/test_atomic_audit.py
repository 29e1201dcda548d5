"""Every write commits with its audit record or not at all: when the audit insert fails, the user sees a Chinese
error page and the database is exactly as before."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import audit
from accounts.models import AuditLog
from evaluations.models import Period
from presence.models import SpotCheck, SpotCheckRound
from projects.models import Project
from secretaries.models import DispatchUnit, Secretary
from tasks.models import TaskItem

from ..projects.test_views import form_data as project_form
from ..secretaries.test_secretary_views import secretary_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit_fails(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr(audit, "record", broken)


def post_failing(client, url, data):
    client.raise_request_exception = False
    response = client.post(url, data)
    assert response.status_code == 500
    page = response.content.decode()
    assert "系统出错" in page and "没有保存任何内容" in page and response["X-Request-ID"] in page
    return response


def test_a_secretary_is_not_created_without_its_audit_record(world, login, audit_fails):
    post_failing(login(world.users.admin), reverse("secretaries:secretary_create"), secretary_form(world))
    assert not Secretary.objects.filter(name="孙丽").exists()
    assert not AuditLog.objects.exists()


def test_a_secretary_edit_is_not_saved_without_its_audit_record(world, login, audit_fails):
    url = reverse("secretaries:secretary_update", args=[world.sec_a.pk])
    data = secretary_form(world, name="张伟", phone="13905370000", id_number=world.sec_a.id_number)
    post_failing(login(world.users.admin), url, data)
    world.sec_a.refresh_from_db()
    assert world.sec_a.phone != "13905370000"


def test_a_unit_is_not_created_without_its_audit_record(world, login, audit_fails):
    data = {"name": "县审计局", "level": "county", "kind": "party_gov", "region": world.county.pk}
    post_failing(login(world.users.admin), reverse("secretaries:unit_create"), data)
    assert not DispatchUnit.objects.filter(name="县审计局").exists()


def test_a_task_is_not_created_without_its_audit_record(world, login, audit_fails):
    deadline = timezone.localdate() + datetime.timedelta(days=60)
    data = {"dimension": "development", "title": "引进香瓜种植", "description": "", "deadline": deadline.isoformat()}
    post_failing(login(world.users.secretary), reverse("tasks:task_create"), data)
    assert not TaskItem.objects.exists()


def test_a_project_is_not_created_without_its_audit_record(world, login, audit_fails):
    post_failing(login(world.users.admin), reverse("projects:project_create"), project_form(world))
    assert not Project.objects.exists()


def test_a_spot_check_draw_leaves_nothing_without_its_audit_record(world, login, audit_fails):
    post_failing(login(world.users.town_a), reverse("presence:round_draw"),
                 {"region": world.town_a.pk, "rate": "1", "seed": "9"})
    assert not SpotCheckRound.objects.exists() and not SpotCheck.objects.exists()


def test_opening_a_period_is_undone_without_its_audit_record(world, login, scheme, monkeypatch):
    client = login(world.users.admin)
    client.post(reverse("evaluations:period_create"), {"scheme": scheme.pk, "kind": "quarter", "year": 2024,
                                                        "number": 2})
    period = Period.objects.get()

    def broken(**kwargs):
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr(audit, "record", broken)
    post_failing(client, reverse("evaluations:period_action", args=[period.pk, "open"]), {})
    period.refresh_from_db()
    assert period.status == Period.Status.DRAFT and not period.participants.exists()


def test_a_failed_audit_through_the_model_manager_is_undone_too(world, login, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("audit insert refused")

    monkeypatch.setattr(AuditLog.objects, "create", broken)
    data = {"name": "县审计局", "level": "county", "kind": "party_gov", "region": world.county.pk}
    post_failing(login(world.users.admin), reverse("secretaries:unit_create"), data)
    assert not DispatchUnit.objects.filter(name="县审计局").exists()
