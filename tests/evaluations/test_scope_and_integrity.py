"""Review of issue 4's evaluations app: each test shows one finding and fails until it is fixed."""


import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluations import scoring, services
from evaluations.models import Channel, PeerMeeting, Period, SurveyTally
from evaluations.templatetags.scores import score as shown

from .. import factories as f
from .conftest import five, open_period, participant

pytestmark = pytest.mark.django_db


def city_period(world, scheme):
    """A city-level period (allowed: 县（市、区）及以上) whose roster spans both counties."""
    created = services.period_create(user=world.users.admin, region=world.city, scheme=scheme,
                                     kind=Period.Kind.QUARTER, year=2024, number=1)
    return services.period_open(created, user=world.users.admin)


def second_in(world, township, county, unit, batch):
    person = f.secretary(county, unit)
    f.assign(person, f.village(township), batch)
    return person


# 1. Scope ------------------------------------------------------------------------------------------------

def test_meeting_of_another_county_is_404_for_a_county_admin_in_a_city_period(world, scheme, login):
    """PeerMeeting scopes by period__region with ancestors: a county sees every meeting of a city period."""
    second_in(world, world.town_c, world.other_county, world.unit_c, world.batch_c)
    period = city_period(world, scheme)
    meeting = services.meeting_create(period, user=None, name="馆驿镇互评", date=period.start_date,
                                      township=world.town_c)
    for user in (world.users.admin, world.users.leader):
        client = login(user)
        assert client.get(meeting.get_absolute_url()).status_code == 404, user
        assert "馆驿镇互评" not in client.get(period.get_absolute_url()).content.decode(), user
        rater = meeting.participants.first()
        assert client.get(reverse("evaluations:peer_grid", args=[meeting.pk, rater.pk])).status_code == 404, user


def test_unpublished_results_of_a_city_period_are_not_shown_to_a_county_admin(world, scheme, login):
    """sees_results is `is_county_admin`, not "runs this period": a county below sees a city's trial ranking."""
    period = city_period(world, scheme)
    services.save_grid(period, Channel.ORG, {participant(period, world.sec_a): five(90)}, user=None)
    scoring.compute(period)
    client = login(world.users.admin)  # 金乡县: does not run the city's period
    assert client.get(reverse("evaluations:ranking", args=[period.pk])).status_code == 403
    assert client.get(reverse("evaluations:ranking_export", args=[period.pk])).status_code == 403


# 2. Numbers ----------------------------------------------------------------------------------------------

def test_composite_is_rounded_once_from_full_precision(world, scheme):
    """Stored at 6 decimals, then rounded again to 2: 81.5049998… is shown as 81.51 (double rounding)."""
    period = open_period(world, scheme)
    zhang = participant(period, world.sec_a)
    services.save_grid(period, Channel.ORG, {zhang: five("67.15")}, user=None)
    services.save_grid(period, Channel.TOWNSHIP, {zhang: five("96.63")}, user=None)
    counts = [(25, 1, 0), (23, 7, 3), (15, 0, 0), (8, 5, 3), (50, 0, 1)]  # imported tallies, one per dimension
    SurveyTally.objects.bulk_create(
        SurveyTally(period=period, participant=zhang, dimension=d, source=SurveyTally.Source.IMPORT,
                    satisfied=s, basic=b, unsatisfied=u) for d, (s, b, u) in enumerate(counts, start=1))
    scoring.compute(period)
    zhang.refresh_from_db()
    # (0.40 × 67.15 + 0.30 × 96.63 + 0.15 × survey) / 0.85 = 81.504999879… → 81.50 rounded half up
    assert shown(zhang.composite) == "81.50"


# 3. Bad input → 500 --------------------------------------------------------------------------------------

@pytest.fixture
def no_raise(client):
    client.raise_request_exception = False
    return client


def test_print_page_with_a_non_ascii_digit_township_is_404_not_500(world, scheme, login, no_raise):
    """`"²".isdigit()` is True but int("²") fails: the print page's ?township= check lets it through."""
    period = open_period(world, scheme)
    url = reverse("evaluations:survey_print", args=[period.pk]) + "?township=²"
    assert login(world.users.admin).get(url).status_code == 404


@pytest.mark.parametrize("view", ["import_start", "import_template"])
def test_score_import_with_a_non_ascii_digit_period_is_404_not_500(world, scheme, login, no_raise, view):
    """ScoreImporter.options_from_request checks raw.isdigit(), which accepts "²"."""
    open_period(world, scheme)
    url = reverse(f"excel:{view}", args=["scores"]) + "?period=²"
    assert login(world.users.admin).get(url).status_code == 404


# 4. Locked periods ---------------------------------------------------------------------------------------

def test_meeting_create_service_refuses_a_locked_period(world, scheme, extra_secretaries):
    """The view checks the status on the period it read without a lock; the service itself never does."""
    period = open_period(world, scheme)
    services.lock_accepting_every_gap(period, user=world.users.admin)
    period.refresh_from_db()
    with pytest.raises(ValidationError, match="锁定"):
        services.meeting_create(period, user=None, name="锁定后", date=period.start_date, township=world.town_a)
    assert not PeerMeeting.objects.filter(period=period).exists()


def test_a_secretary_attends_one_peer_meeting_per_period(world, scheme, extra_secretaries):
    """Peer scores are one per (person, rater) in a period; a second meeting with the same people would share
    them, so it is refused and names who is already taken."""
    period = open_period(world, scheme)
    services.meeting_create(period, user=None, name="第一次", date=period.start_date, township=world.town_a)
    with pytest.raises(ValidationError, match="每人每期只参加一次：.*刘洋（第一次）"):
        services.meeting_create(period, user=None, name="第二次", date=period.start_date, township=world.town_a)
    assert period.meetings.count() == 1


# 5. Query counts -----------------------------------------------------------------------------------------

def test_period_page_queries_do_not_grow_with_meetings(world, scheme, extra_secretaries, login):
    """period_detail lists meetings and prints m.township without select_related: one query per meeting."""
    period = open_period(world, scheme)
    client = login(world.users.admin)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(period.get_absolute_url()).status_code == 200
        return len(queries)

    people = list(period.participants.order_by("pk"))  # seven: three meetings of two
    services.meeting_create(period, user=None, name="互评1", date=period.start_date, participants=people[0:2])
    count()
    before = count()
    for n in (2, 3):
        services.meeting_create(period, user=None, name=f"互评{n}", date=period.start_date,
                                participants=people[2 * n - 2:2 * n])
    assert count() == before

