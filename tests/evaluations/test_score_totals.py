"""The totals the computation reads (ScoreTotal, ContestTotal) are, after any write, the GROUP BY of the scores:
the database keeps them, whoever writes — a service, a bare query, a cascade, two people at once."""

import datetime
import random
import threading
import time
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, connections, models, transaction
from django.db.models import Count, Max, Min, Sum
from django.test import RequestFactory

from config import errors as config_errors
from config.middleware import error_response
from evaluations import scoring, services, totals
from evaluations.models import Channel, ContestScore, ContestTotal, PeerMeeting, Score, ScoreTotal
from tests.migrating import state

from .conftest import D, five, open_period, participant

pytestmark = pytest.mark.django_db


def assert_totals_match():
    """What the computation reads equals what the scores say, row for row."""
    expected = {(r["period"], r["participant"], r["channel"], r["dimension"]): (r["n"], r["total"], r["high"], r["low"])
                for r in Score.objects.values("period", "participant", "channel", "dimension").annotate(
                    n=Count("id"), total=Sum("value"), high=Max("value"), low=Min("value"))}
    kept = {(t.period_id, t.participant_id, t.channel, t.dimension): (t.n, t.total, t.high, t.low)
            for t in ScoreTotal.objects.all()}
    assert kept == expected
    expected = {(r["contest"], r["speaker"], r["dimension"]): (r["n"], r["total"])
                for r in ContestScore.objects.values("contest", "speaker", "dimension").annotate(
                    n=Count("id"), total=Sum("value"))}
    kept = {(t.contest_id, t.speaker_id, t.dimension): (t.n, t.total) for t in ContestTotal.objects.all()}
    assert kept == expected


@pytest.fixture
def period(world, scheme, extra_secretaries):
    """金乡县 2024 Q1 with 张伟, 李娜 and five more (raters)."""
    return open_period(world, scheme)


@pytest.fixture
def people(world, period, extra_secretaries):
    return [participant(period, s) for s in [world.sec_a, world.sec_b, *extra_secretaries]]


def test_the_grid_the_peer_meeting_and_their_corrections_keep_the_totals(world, period, people):
    zhang, li, *raters = people
    admin = world.users.admin
    services.save_grid(period, Channel.ORG, {zhang: D(90, 85, 80, 88, 92), li: five(80)}, user=admin)
    assert ScoreTotal.objects.get(participant=zhang, channel="org", dimension=2).total == Decimal("85")
    services.save_grid(period, Channel.ORG, {zhang: D(91, 85, 80, 88, 92), li: None}, user=admin)  # corrected, cleared
    assert not ScoreTotal.objects.filter(participant=li).exists()
    meeting = PeerMeeting.objects.create(period=period, name="观摩会", date=datetime.date(2024, 3, 1))
    for rater, value in zip(raters, [95, 90, 88, 85, 70], strict=True):
        services.save_grid(period, Channel.PEER, {zhang: five(value)}, user=admin, rater=rater, meeting=meeting)
    peer = ScoreTotal.objects.get(participant=zhang, channel="peer", dimension=1)
    assert (peer.n, peer.total, peer.high, peer.low) == (5, Decimal("428"), Decimal("95"), Decimal("70"))
    services.save_grid(period, Channel.PEER, {zhang: five(60)}, user=admin, rater=raters[0], meeting=meeting)
    peer = ScoreTotal.objects.get(participant=zhang, channel="peer", dimension=1)  # recomputed: a new row
    assert (peer.n, peer.total, peer.high, peer.low) == (5, Decimal("393"), Decimal("90"), Decimal("60"))
    assert_totals_match()

    meeting.delete()  # the meeting's scores go with it, and so do their totals
    assert not ScoreTotal.objects.filter(channel="peer").exists()
    assert_totals_match()


def test_any_query_on_the_scores_keeps_the_totals(world, period, people):
    """Bulk inserts, updates of values, of dimensions and of people, and deletes, in a random order."""
    rng = random.Random(13)
    taken = set()
    for _round in range(12):
        new = []
        for _ in range(rng.randint(1, 15)):
            person, dimension = rng.choice(people), rng.randint(1, 5)
            channel = rng.choice(["org", "township", "village"])
            if (person.pk, channel, dimension) not in taken:
                taken.add((person.pk, channel, dimension))
                new.append(Score(period=period, participant=person, channel=channel, dimension=dimension,
                                 value=Decimal(rng.randrange(0, 201)) / 2))
        Score.objects.bulk_create(new)
        scores = list(Score.objects.all())
        Score.objects.filter(pk__in=[s.pk for s in rng.sample(scores, min(4, len(scores)))]).update(
            value=Decimal(rng.randrange(0, 201)) / 2)
        moved = rng.choice(scores)
        free = [d for d in range(1, 6) if (moved.participant_id, moved.channel, d) not in taken]
        if free:
            taken.discard((moved.participant_id, moved.channel, moved.dimension))
            moved.dimension = free[0]
            taken.add((moved.participant_id, moved.channel, moved.dimension))
            moved.save(update_fields=["dimension"])
        gone = rng.sample(scores, min(3, len(scores)))
        Score.objects.filter(pk__in=[s.pk for s in gone]).delete()
        taken -= {(s.participant_id, s.channel, s.dimension) for s in gone}
        assert_totals_match()
    assert ScoreTotal.objects.exists()


def test_judges_scores_and_their_removal_keep_the_contest_totals(world, period, people):
    zhang, li, *_rest = people
    contest = services.contest_create(period, user=world.users.admin, kind="arena", name="擂台比武",
                                      date=datetime.date(2024, 3, 20), speakers=[zhang, li],
                                      judges=["王评委", "赵评委"])
    wang, zhao = contest.judges.all()
    services.contest_scores_save(contest, wang, {zhang: five(90), li: five(80)}, user=world.users.admin)
    services.contest_scores_save(contest, zhao, {zhang: five(70), li: five(85)}, user=world.users.admin)
    mine = ContestTotal.objects.get(contest=contest, speaker=zhang, dimension=3)
    assert (mine.n, mine.total) == (2, Decimal("160"))
    services.contest_scores_save(contest, zhao, {zhang: None, li: five(75)}, user=world.users.admin)
    mine = ContestTotal.objects.get(contest=contest, speaker=zhang, dimension=3)
    assert (mine.n, mine.total) == (1, Decimal("90"))
    assert_totals_match()
    zhao.delete()
    assert_totals_match()
    contest.delete()
    assert not ContestTotal.objects.exists()
    assert_totals_match()


def test_the_computation_reads_what_the_totals_say(world, period, people):
    """A peer score entered with a bare query (no service) counts at the next computation."""
    zhang, _li, *raters = people
    services.save_grid(period, Channel.ORG, {zhang: five(80)}, user=world.users.admin)
    Score.objects.bulk_create(Score(period=period, participant=zhang, channel="peer", rater=rater, dimension=d,
                                    value=Decimal(v)) for rater, v in zip(raters, [95, 90, 88, 85, 70], strict=True)
                              for d in range(1, 6))
    scoring.compute(period)
    zhang.refresh_from_db()
    assert float(zhang.score_peer) == pytest.approx((90 + 88 + 85) / 3)  # 95 and 70 dropped
    assert scoring.channel_dimension_scores(zhang)["peer"][2] == Decimal(str((90 + 88 + 85) / 3))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_two_raters_saving_at_the_same_moment_are_both_counted(world, scheme, extra_secretaries):
    """Two transactions add a score for the same person and dimension, the first still open when the second
    writes: the second waits for it (the period's row), so the totals count both, without an error."""
    period = open_period(world, scheme)
    zhang = participant(period, world.sec_a)
    first, second = (participant(period, s) for s in extra_secretaries[:2])
    started, errors = threading.Event(), []

    def rate(rater, value, hold):
        try:
            with transaction.atomic():
                Score.objects.create(period=period, participant=zhang, channel="peer", rater=rater, dimension=1,
                                     value=Decimal(value))
                started.set()
                time.sleep(hold)
        except Exception as error:  # noqa: BLE001 — reported by the assertion below
            errors.append(error)
        finally:
            started.set()
            connections.close_all()

    threads = [threading.Thread(target=rate, args=(first, 90, 0.5))]
    threads[0].start()
    started.wait(5)
    threads.append(threading.Thread(target=rate, args=(second, 70, 0)))
    threads[1].start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    total = ScoreTotal.objects.get(participant=zhang, channel="peer", dimension=1)
    assert (total.n, total.total, total.high, total.low) == (2, Decimal("160"), Decimal("90"), Decimal("70"))
    assert_totals_match()


@pytest.mark.django_db(transaction=True)
def test_the_migration_totals_the_scores_already_there_and_goes_back(world, scheme):
    period = open_period(world, scheme)
    zhang, li = participant(period, world.sec_a), participant(period, world.sec_b)
    services.save_grid(period, Channel.ORG, {zhang: D(90, 85, 80, 88, 92), li: five(80)}, user=world.users.admin)
    old = state([("evaluations", "0012_point_event_fewer_indexes")])
    OldScore = old.get_model("evaluations", "Score")
    OldScore.objects.filter(participant_id=li.pk).update(value=Decimal("70"))  # no totals then, no triggers
    OldScore.objects.create(period_id=period.pk, participant_id=li.pk, channel="township", dimension=1,
                            value=Decimal("66"))
    state([("evaluations", "0013_score_totals")])
    assert_totals_match()
    assert ScoreTotal.objects.get(participant=li, channel="org", dimension=1).total == Decimal("70")
    state([("evaluations", "0012_point_event_fewer_indexes")])
    OldScore.objects.create(period_id=period.pk, participant_id=li.pk, channel="township", dimension=2,
                            value=Decimal("67"))  # the triggers went with the table
    call_command("migrate", verbosity=0)
    assert_totals_match()


@pytest.mark.django_db(transaction=True)
def test_migrate_puts_back_triggers_a_later_migration_dropped_and_counts_what_was_missed(world, scheme):
    """SQLite alters a table by copying it into a new one: the triggers go with the old one (an AddConstraint on
    Score in some later migration). The next `migrate` puts them back and recomputes every total."""
    period = open_period(world, scheme)
    zhang = participant(period, world.sec_a)
    constraint = models.CheckConstraint(condition=models.Q(dimension__gte=1), name="later_score_dimension")
    with connection.schema_editor() as editor:
        if connection.vendor == "sqlite":
            editor.add_constraint(Score, constraint)  # what a later migration would do
        else:
            with connection.cursor() as cursor:
                totals.uninstall(cursor, connection.vendor)
    try:
        with connection.cursor() as cursor:
            assert "evaluations_score_totals_insert" in totals.missing(cursor, connection.vendor)
        services.save_grid(period, Channel.ORG, {zhang: five(80)}, user=world.users.admin)
        assert not ScoreTotal.objects.exists()  # not counted: no trigger
        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            assert totals.missing(cursor, connection.vendor) == []
        assert_totals_match()
        assert ScoreTotal.objects.filter(participant=zhang).count() == 5
        services.save_grid(period, Channel.ORG, {zhang: five(85)}, user=world.users.admin)
        assert_totals_match()  # kept again
    finally:
        if connection.vendor == "sqlite":
            with connection.schema_editor() as editor:
                editor.remove_constraint(Score, constraint)
            call_command("migrate", verbosity=0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_two_bare_writers_the_wrong_way_round_end_with_one_refused_and_nothing_half_written(world, scheme):
    """Writers that change score rows before taking the period's row (a data fix in the shell, unlike every
    writer of the application) can meet the other way round: PostgreSQL then refuses one of the two as a deadlock.
    The other commits, the refused one wrote nothing, and the totals are right; a page shows the conflict page."""
    period = open_period(world, scheme)
    zhang, li = participant(period, world.sec_a), participant(period, world.sec_b)
    Score.objects.bulk_create(Score(period=period, participant=p, channel="org", dimension=1, value=Decimal(50))
                              for p in (zhang, li))
    errors, first_done, second_done = [], threading.Event(), threading.Event()

    def first():
        try:
            with transaction.atomic():
                Score.objects.filter(participant=zhang).update(value=Decimal(60))
                first_done.set()
                second_done.wait(5)
                time.sleep(0.3)  # the second waits in its trigger for the period's row by now
                Score.objects.filter(participant=li).update(value=Decimal(61))
        except Exception as error:  # noqa: BLE001 — asserted below
            errors.append(error)
        finally:
            first_done.set()
            connections.close_all()

    def second():
        first_done.wait(5)
        try:
            with transaction.atomic():
                second_done.set()
                Score.objects.filter(participant=li).update(value=Decimal(70))
        except Exception as error:  # noqa: BLE001 — asserted below
            errors.append(error)
        finally:
            second_done.set()
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert len(errors) == 1 and config_errors.concurrent_writes(errors[0])
    values = dict(Score.objects.values_list("participant", "value"))
    assert values in ({zhang.pk: Decimal(60), li.pk: Decimal(61)}, {zhang.pk: Decimal(50), li.pk: Decimal(70)})
    assert_totals_match()
    response = error_response(RequestFactory().post("/"), errors[0])
    assert response.status_code == 409 and "同一时间保存" in response.content.decode()
