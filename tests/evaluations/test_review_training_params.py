"""Review: odd ids in the training pages' parameters (?township=², a grid's _rows with "²") end in the page
as for no choice, never a 500."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluations.models import TrainingAttendance
from evaluations.services import training

pytestmark = pytest.mark.django_db

DAY = datetime.date(timezone.localdate().year, 1, 10)


@pytest.fixture
def session(world):
    return training.session_create(user=world.users.admin, region=world.county, topic="全县驻村第一书记示范培训班",
                                   level="county", organiser="县委组织部", start_date=DAY, end_date=DAY,
                                   hours=Decimal("8"))


@pytest.mark.parametrize("value", ["²", "٣", "¹²"])
def test_a_township_parameter_that_is_not_a_plain_id_is_no_choice(world, login, session, value):
    client = login(world.users.admin)
    for name in ("training_hours", "training_hours_export"):
        response = client.get(reverse(f"evaluations:{name}"), {"township": value})
        assert response.status_code == 200
    response = client.get(reverse("evaluations:training_detail", args=[session.pk]), {"township": value})
    assert response.status_code == 200 and response.context["township"] is None


def test_a_grid_posted_with_an_odd_row_id_saves_the_rows_it_names(world, login, session):
    client = login(world.users.admin)
    url = reverse("evaluations:training_detail", args=[session.pk])
    page = client.get(url).content.decode()
    token = page.split('name="_once" value="')[1].split('"')[0]
    data = {"_once": token, "_rows": "²:abcdef0123,١:abcdef0123", f"status_{world.sec_a.pk}": "present",
            f"hours_{world.sec_a.pk}": "", f"note_{world.sec_a.pk}": ""}
    response = client.post(url, data)
    assert response.status_code == 302
    assert TrainingAttendance.objects.get(session=session).secretary == world.sec_a


def test_a_grid_too_large_to_show_still_sums_the_rows_recorded(world, login, session, monkeypatch):
    from evaluations import training_views

    training.attendance_save(session, {world.sec_a: ("present", Decimal("8"), ""),
                                       world.sec_b: ("present", Decimal("4"), "")}, user=world.users.admin)
    monkeypatch.setattr(training_views, "GRID_LIMIT", 1)  # a county of 400 people, a sign-in sheet imported
    page = login(world.users.admin).get(reverse("evaluations:training_detail", args=[session.pk]))
    assert page.context["too_many"]
    assert page.context["summary"] == {"present": 2, "leave": 0, "absent": 0, "hours": Decimal("12")}
    assert "出勤 2 人" in page.content.decode()


def test_a_superuser_without_a_region_opens_a_session_and_the_training_pages(world, login, session):
    from accounts.models import User

    root = User.objects.create_superuser("ops_admin", password="Xy-12345678", role="county_admin")
    client = login(root)
    for url in (reverse("evaluations:training_detail", args=[session.pk]), reverse("evaluations:training_list"),
                reverse("evaluations:training_hours"), reverse("evaluations:training_hours_export")):
        assert client.get(url).status_code == 200, url
