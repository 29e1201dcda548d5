"""Targeted re-checks after an absence, and more frequent checks while a notice is open."""

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from presence import services
from presence.models import Notice, Result, Source, SpotCheck, SpotCheckRound

from .conftest import TODAY, drawn, record


def test_someone_found_absent_is_rechecked_within_the_set_days(world, settings):
    settings.PRESENCE_RECHECK_DAYS = 3
    for n in range(20):  # the day is drawn anew each time: it must always fall within the window
        day = TODAY + datetime.timedelta(days=10 * n)
        check = drawn(world.asg_a, day)
        services.check_record(user=world.users.town_a, check=check, result=Result.ABSENT, method="video",
                              now=datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC))
        recheck = SpotCheck.objects.get(recheck_of=check)
        assert day < recheck.date <= day + datetime.timedelta(days=3)
        assert recheck.source == Source.RECHECK and recheck.result == Result.PENDING
        assert recheck.round.kind == SpotCheckRound.Kind.RECHECK and recheck.secretary == world.sec_a
        # Recorded present at the re-check: no further re-check.
        services.check_record(user=world.users.town_a, check=recheck, result=Result.PRESENT, method="field")
        assert not SpotCheck.objects.filter(recheck_of=recheck).exists()


def test_an_absence_recorded_twice_is_rechecked_once(world):
    check = record(world.users.town_a, world.asg_a, TODAY, Result.ABSENT)
    services.check_record(user=world.users.town_a, check=check, result=Result.ABSENT, method="field", note="补充")
    assert SpotCheck.objects.filter(source=Source.RECHECK).count() == 1


def test_a_corrected_absence_withdraws_its_pending_recheck(world):
    check = record(world.users.town_a, world.asg_a, TODAY, Result.ABSENT)
    assert SpotCheck.objects.filter(recheck_of=check).exists()
    services.check_record(user=world.users.town_a, check=check, result=Result.PRESENT, method="field")
    assert not SpotCheck.objects.filter(recheck_of=check).exists()


def test_a_recheck_after_a_county_round_is_confidential_too(world):
    round_ = services.round_draw(user=world.users.admin, region=world.town_a, rate=Decimal("1"), today=TODAY)
    check = round_.checks.get()
    services.check_record(user=world.users.admin, check=check, result=Result.ABSENT, method="video")
    recheck = SpotCheck.objects.get(recheck_of=check)
    assert recheck.round.confidential and recheck.round.revealed_at is None
    assert not SpotCheck.objects.for_user(world.users.town_a).filter(pk=recheck.pk).exists()
    assert SpotCheck.objects.for_user(world.users.town_a).filter(pk=check.pk).exists()  # its round is recorded


def test_those_under_an_open_notice_are_checked_more_often(world, settings):
    settings.PRESENCE_WATCH_CHANCE = 1
    for back in (30, 20, 10):
        record(world.users.admin, world.asg_a, TODAY - datetime.timedelta(days=back), Result.ABSENT)
    notice = Notice.objects.get(secretary=world.sec_a)
    services.notice_issue(user=world.users.admin, notice=notice)
    SpotCheck.objects.filter(source=Source.RECHECK).delete()
    round_ = services.round_draw(user=world.users.admin, region=world.county, rate=Decimal("0.05"), today=TODAY,
                                 seed=3)
    sources = dict(round_.checks.values_list("secretary__name", "source"))
    assert sources.get("张伟") in (Source.DRAW, Source.WATCH) and len(sources) == 2 - (sources["张伟"] == Source.DRAW)
    # Once the talk is recorded and the notice closed, no more extra checks.
    Notice.objects.filter(pk=notice.pk).update(status=Notice.Status.CLOSED)
    later = services.round_draw(user=world.users.admin, region=world.county, rate=Decimal("0.05"),
                                today=TODAY + datetime.timedelta(days=1), seed=4)
    assert not later.checks.filter(source=Source.WATCH).exists()


def test_watch_checks_are_by_chance_not_every_round(world, settings):
    settings.PRESENCE_WATCH_CHANCE = 0.5
    for back in (30, 20, 10):
        record(world.users.admin, world.asg_a, TODAY - datetime.timedelta(days=back), Result.ABSENT)
    watched = 0
    for n in range(30):
        round_ = services.round_draw(user=world.users.admin, region=world.town_b, rate=Decimal("1"),
                                     today=TODAY + datetime.timedelta(days=n), seed=n)
        assert not round_.checks.filter(secretary=world.sec_a).exists()  # another township's round
        county = services.round_draw(user=world.users.admin, region=world.county, rate=Decimal("0.05"),
                                     today=TODAY + datetime.timedelta(days=n), seed=1000 + n)
        watched += county.checks.filter(secretary=world.sec_a, source=Source.WATCH).exists()
    assert 0 < watched < 30


def test_a_township_recheck_is_not_announced_to_the_secretary_before_its_day(world, login):
    today = timezone.localdate()
    check = drawn(world.asg_a, today)
    services.check_record(user=world.users.town_a, check=check, result=Result.ABSENT, method="video")
    recheck = SpotCheck.objects.get(recheck_of=check)
    assert recheck.date > today and not recheck.round.confidential
    assert SpotCheck.objects.for_user(world.users.town_a).filter(pk=recheck.pk).exists()  # they must do it
    for user in (world.users.secretary, world.users.leader):
        assert not SpotCheck.objects.for_user(user).filter(pk=recheck.pk).exists()
        assert not SpotCheckRound.objects.for_user(user).filter(pk=recheck.round_id).exists()
    page = login(world.users.secretary).get(reverse("presence:calendar", args=[world.sec_a.pk]),
                                            {"month": f"{recheck.date:%Y-%m}"}).content.decode()
    assert reverse("presence:check_detail", args=[recheck.pk]) not in page
