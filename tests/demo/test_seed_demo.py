"""The demo county: every model filled, valid personal data, safe to run twice, and demo logins that work."""

import datetime
import io
import tempfile

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, F
from django.test import override_settings
from django.urls import reverse

from evaluations import scoring
from evaluations.models import Channel, Participant, Period, Score, SurveyCode, SurveyTally
from secretaries import idcard
from secretaries.models import Assignment, Secretary
from tests.factories import form_login
from villages.models import Region, Village

pytestmark = pytest.mark.django_db

DOMAIN_APPS = ("villages", "secretaries", "accounts", "excel", "tasks", "projects", "presence", "worklogs",
               "evaluations", "jobs", "notifications")


def counts():
    return {m._meta.label: m._default_manager.count() for a in DOMAIN_APPS for m in apps.get_app_config(a).get_models()}


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker):
    """Seed once for the module (seeding takes seconds); each test runs in a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                               MEDIA_ROOT=tempfile.mkdtemp(prefix="seed-media-")):  # the demo attachments
            call_command("seed_demo", "--seed", "7", stdout=io.StringIO())
        # Check the deferred foreign keys now, once: otherwise each test's teardown checks them all again.
        connection.check_constraints()
        yield counts()
        transaction.set_rollback(True)


@pytest.fixture
def seeded(_seeded_once, db):
    return _seeded_once


def test_every_model_is_filled(seeded):
    empty = [label for label, n in seeded.items() if n == 0 and label != "accounts.AuditLog"]
    assert empty == [], empty
    assert seeded["villages.Village"] == 400
    assert Region.objects.filter(level="township").count() == 14
    assert 100 <= seeded["secretaries.Secretary"] <= 160


def test_a_second_run_changes_nothing(seeded):
    call_command("seed_demo", "--seed", "7", stdout=io.StringIO())
    assert counts() == seeded


def test_personal_data_is_valid_and_constraints_hold(seeded):
    for number in Secretary.objects.values_list("id_number", flat=True):
        idcard.parse(number)
    assert not Assignment.objects.active().values("secretary").annotate(n=Count("pk")).filter(n__gt=1).exists()
    for secretary in Secretary.objects.select_related("region"):
        latest = secretary.assignments.order_by("-start_date", "-pk").first()
        assert secretary.region == (latest.village.region if latest else secretary.region)
    vacant = Village.objects.with_current_secretary().filter(needs_secretary=True, current_secretary_id=None)
    assert vacant.exists()  # the dashboard has something to point at


@pytest.mark.parametrize("username, landing", [
    ("county_admin", "/dashboard/"), ("township", "/dashboard/"), ("leader", "/dashboard/"),
    ("secretary", "/"), ("unit_contact", "/"),
])
def test_each_demo_account_logs_in_and_lands_on_its_page(seeded, client, username, landing):
    response = form_login(client, username, "Demo@2024")  # the county admin also enters the second factor
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(landing)


def test_the_demo_import_history_shows_on_the_import_page(seeded, client):
    form_login(client, "county_admin", "Demo@2024")
    page = client.get(reverse("excel:import_start", args=["roster"])).content.decode()
    assert "第一书记花名册.xlsx" in page and "卜集镇报送花名册（初稿）.xlsx" in page
    from excel.models import ImportRecord

    failed = ImportRecord.objects.get(status="failed")
    assert "大王庄村" in client.get(failed.get_absolute_url()).content.decode()


def test_the_latest_full_year_is_evaluated_by_all_four_channels(seeded):
    county = Region.objects.get(name="金乡县")
    periods = list(Period.objects.filter(region=county).order_by("end_date", "kind"))
    assert [(p.kind, p.number, p.status) for p in periods] == [
        ("quarter", 1, "published"), ("quarter", 2, "published"), ("quarter", 3, "published"),
        ("quarter", 4, "published"), ("year", 1, "locked"),  # locked, for the demo admin to publish
    ]
    assert {p.year for p in periods} == {datetime.date.today().year - 1}
    for period in periods:
        people = period.participants.all()
        assert people.count() >= 90
        assert not people.filter(composite=None).exists() and people.filter(rank_county=1).exists()
        for channel in (Channel.ORG, Channel.TOWNSHIP, Channel.SURVEY):
            assert not people.filter(**{f"score_{channel}": None}).exists()
        # One observation meeting per township; someone alone in their township has no peers: 渠道缺失.
        towns = people.values("township").annotate(n=Count("pk"))
        assert period.meetings.count() == towns.filter(n__gte=2).count() >= 10
        alone = people.filter(township__in=towns.filter(n=1).values("township"))
        assert set(people.filter(channels_missing=True)) == set(people.filter(score_peer=None)) == set(alone)


def test_peers_rate_every_other_member_of_their_meeting_and_never_themselves(seeded):
    assert not Score.objects.filter(rater=F("participant")).exists()
    period = Period.objects.get(kind="quarter", number=2)
    meeting = period.meetings.annotate(n=Count("participants")).order_by("-n").first()
    member = meeting.participants.first()
    given = Score.objects.filter(meeting=meeting, participant=member)
    assert given.values("rater").distinct().count() == meeting.n - 1
    assert given.count() == (meeting.n - 1) * 5
    values = list(Score.objects.filter(channel=Channel.PEER).values_list("value", flat=True))
    assert 70 <= min(values) and max(values) <= 98 and max(values) - min(values) > 15


def test_results_are_computed_from_the_scores_and_positions_move_from_q2_on(seeded):
    year = Period.objects.get(kind="year")
    before = dict(year.participants.values_list("pk", "composite"))
    scoring.compute(year)
    assert dict(year.participants.values_list("pk", "composite")) == before
    q1, q2 = Period.objects.filter(kind="quarter", number__in=[1, 2]).order_by("number")
    assert q2.previous == q1 and q1.previous is None
    returning = q2.participants.filter(secretary__in=q1.participants.values("secretary"))
    assert returning.count() >= 90 and not returning.filter(previous_rank=None).exists()
    labels = {p.change_label for p in returning}
    assert any(label.startswith("↑") for label in labels) and any(label.startswith("↓") for label in labels)
    composites = [p.composite for p in Participant.objects.filter(period=year)]
    assert min(composites) < 80 < max(composites)  # a few weaker secretaries among good ones


def test_survey_counts_and_printed_codes(seeded):
    year = Period.objects.get(kind="year")
    imported = SurveyTally.objects.filter(period=year, source="import")
    assert imported.count() == year.participants.count() * 5
    for tally in imported.order_by("pk")[:20]:
        assert 20 <= tally.satisfied + tally.basic + tally.unsatisfied <= 40
        assert tally.satisfied > tally.basic + tally.unsatisfied
    codes = SurveyCode.objects.filter(period=year)
    answered = codes.exclude(used_at=None)
    assert answered.count() == 8 and codes.filter(used_at=None).count() > 8
    assert SurveyTally.objects.filter(period=year, source="online").exists()


def test_the_demo_accounts_see_the_evaluation_pages(seeded, client):
    q2 = Period.objects.get(kind="quarter", number=2)
    year = Period.objects.get(kind="year")
    form_login(client, "county_admin", "Demo@2024")
    ranking = client.get(reverse("evaluations:ranking", args=[q2.pk])).content.decode()
    assert "↑" in ranking and "↓" in ranking  # 位次进退 against Q1
    assert "发布结果" in client.get(year.get_absolute_url()).content.decode()  # the year is the admin's to publish
    assert client.get(reverse("evaluations:survey_print", args=[year.pk])).status_code == 200
    meeting = q2.meetings.first()
    assert client.get(meeting.get_absolute_url()).status_code == 200
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "township", "password": "Demo@2024"})
    assert client.get(reverse("evaluations:ranking", args=[q2.pk])).status_code == 200  # published
    assert client.get(reverse("evaluations:ranking", args=[year.pk])).status_code == 403  # not yet
