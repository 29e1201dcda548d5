"""培训学时 where people read them: the personal archive (page and .docx) and the dispatching unit's page."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from docx import Document

from evaluations.models import TrainingRequirement
from evaluations.services import training

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def record(world, secretary, hours, *, year=YEAR, month=1, status="present", topic="驻村第一书记素质能力提升培训班"):
    session = training.session_create(user=world.users.admin, region=world.county, topic=topic, level="county",
                                      organiser="县委组织部", start_date=datetime.date(year, month, 10),
                                      end_date=datetime.date(year, month, 11), hours=Decimal("16"))
    credited = Decimal(hours) if status == "present" else Decimal(0)
    training.attendance_save(session, {secretary: (status, credited, "")}, user=world.users.admin)
    return session


@pytest.fixture
def hours(world):
    """张伟: 16 + 8 this year, 16 last year; 李娜: 16 this year, absent once; the county asks 30 this year, 12
    last year."""
    record(world, world.sec_a, "16")
    record(world, world.sec_a, "8", month=3, topic="乡村振兴专题培训")
    record(world, world.sec_a, "16", year=YEAR - 1, month=11)
    record(world, world.sec_b, "16")
    record(world, world.sec_b, "0", month=3, status="absent", topic="乡村振兴专题培训")
    TrainingRequirement.objects.create(region=world.county, year=YEAR, min_hours=Decimal("30"))
    TrainingRequirement.objects.create(region=world.county, year=YEAR - 1, min_hours=Decimal("12"))


def archive(client, secretary):
    return client.get(reverse("reports:archive", args=[secretary.pk]))


def test_the_archive_shows_hours_per_year_against_the_minimum(world, hours, login):
    response = archive(login(world.users.admin), world.sec_a)
    years = {y["year"]: (y["sessions"], y["hours"], y["minimum"], y["below"]) for y in
             response.context["training"]["years"]}
    assert years == {YEAR - 1: (1, Decimal("16"), Decimal("12"), False),
                     YEAR: (2, Decimal("24"), Decimal("30"), True)}
    page = response.content.decode()
    assert "九、培训学时" in page and "未达标，还差 6 学时" in page and "乡村振兴专题培训（出勤 8 学时）" in page


def test_a_secretary_reads_their_own_hours_on_their_archive(world, hours, login):
    client = login(world.users.secretary)
    response = archive(client, world.sec_a)
    assert response.status_code == 200 and response.context["training"]["this_year"]["hours"] == Decimal("24")
    assert archive(client, world.sec_b).status_code == 404


def test_someone_without_training_sees_this_year_at_zero(world, login):
    TrainingRequirement.objects.create(region=world.county, year=YEAR, min_hours=Decimal("40"))
    response = archive(login(world.users.admin), world.sec_b)
    assert response.context["training"]["years"] == [
        {"year": YEAR, "sessions": 0, "hours": Decimal("0"), "minimum": Decimal("40"), "below": True,
         "short": Decimal("40")}]


def test_the_archive_queries_do_not_grow_with_sessions(world, hours, login):
    client = login(world.users.admin)
    archive(client, world.sec_a)
    with CaptureQueriesContext(connection) as small:
        archive(client, world.sec_a)
    for month in range(4, 10):
        record(world, world.sec_a, "4", month=month, topic=f"{month}月视频培训")
        record(world, world.sec_a, "4", year=YEAR - 2, month=month, topic=f"{month}月视频培训")
    with CaptureQueriesContext(connection) as large:
        response = archive(client, world.sec_a)
    assert len(large) == len(small)
    assert len(response.context["training"]["years"]) == 3


def test_the_archive_document_carries_the_training_table(world, hours, login):
    response = login(world.users.admin).post(reverse("reports:archive_docx"), {"secretary": world.sec_a.pk})
    document = Document(io.BytesIO(response.content))
    assert "二、培训学时" in [p.text for p in document.paragraphs]
    cells = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    assert [str(YEAR), "2", "24", "30", "未达标（差 6 学时）"] in cells
    assert [str(YEAR - 1), "1", "16", "12", "达标"] in cells


def test_the_unit_page_shows_each_persons_hours_and_flags_those_below(world, hours, login):
    response = login(world.users.admin).get(reverse("units:unit_page", args=[world.unit_b.pk]))
    people = {p.name: (p.training_hours, p.training_minimum, p.training_below) for p in response.context["people"]}
    assert people == {"李娜": (Decimal("16"), Decimal("30"), True)}
    assert "培训学时" in response.content.decode() and "16 / 30 <span class=\"missed\">未达标</span>" in \
        response.content.decode()


def test_the_unit_contact_sees_their_people_hours(world, hours, login):
    response = login(world.users.contact).get(reverse("units:unit_page", args=[world.unit_b.pk]))
    assert [(p.name, p.training_hours) for p in response.context["people"]] == [("李娜", Decimal("16"))]


def test_the_archives_yearly_hours_equal_the_database_aggregate(world, hours, login):
    response = archive(login(world.users.admin), world.sec_a)
    shown = [(y["year"], y["sessions"], y["hours"]) for y in response.context["training"]["years"]]
    assert shown == training.yearly_hours(world.sec_a)


def test_the_demo_records_sessions_attendance_and_the_minimum_once(world):
    from demo.training import MINIMUM, ensure_demo_training
    from evaluations.models import TrainingAttendance, TrainingSession

    accounts = [(world.users.admin, ""), (world.users.town_a, "")]
    world.users.town_a.username = "township"  # the demo's township account
    world.users.town_a.save(update_fields=["username"])
    today = datetime.date(YEAR, 12, 1)
    ensure_demo_training(world.county, accounts, seed=7, today=today, log=lambda line: None)
    sessions = TrainingSession.objects.all()
    assert sessions.count() == 7 and sessions.filter(region=world.town_a, level="township").count() == 1
    # Everyone serving in the county at each county session, 胡集镇's people at its own.
    assert TrainingAttendance.objects.count() == 6 * 2 + 1
    assert set(TrainingAttendance.objects.filter(session__region=world.town_a).values_list("secretary", flat=True)) \
        == {world.sec_a.pk}
    assert TrainingRequirement.objects.get(region=world.county, year=YEAR).min_hours == MINIMUM
    rows = list(TrainingAttendance.objects.order_by("session__start_date", "secretary").values_list(
        "secretary", "status", "hours"))
    TrainingSession.objects.all().delete()
    ensure_demo_training(world.county, accounts, seed=7, today=today, log=lambda line: None)
    assert list(TrainingAttendance.objects.order_by("session__start_date", "secretary").values_list(
        "secretary", "status", "hours")) == rows  # deterministic for a seed
    ensure_demo_training(world.county, accounts, seed=7, today=today, log=lambda line: None)
    assert TrainingSession.objects.count() == 7  # a second run adds nothing


def test_a_secretarys_home_shows_this_years_hours_against_the_minimum(world, hours, login):
    response = login(world.users.secretary).get(reverse("dashboards:home"))
    assert response.context["training"] == {"year": YEAR, "hours": Decimal("24"), "minimum": Decimal("30"),
                                            "short": Decimal("6")}
    assert "还差 6 学时" in response.content.decode()
