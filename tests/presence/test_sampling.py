import datetime
import math
import random
from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from accounts.models import AuditLog
from presence import sampling, services
from presence.models import Leave, Result, SpotCheck
from secretaries.models import Assignment
from tests import factories as f

from .conftest import TODAY

# Twice a week for four weeks: Tuesdays and Fridays.
DRAW_DAYS = [TODAY + datetime.timedelta(days=7 * week + offset) for week in range(4) for offset in (1, 4)]


@pytest.fixture
def ten(world):
    """Ten first secretaries in 金乡县 (张伟 and 李娜 and eight more)."""
    for n in range(8):
        person = f.secretary(world.county, world.unit, f"书记{n}")
        f.assign(person, f.village(world.town_a if n % 2 else world.town_b), world.batch)
    return world


def simulate(population, rounds, rate, seed):
    """Rounds of the draw without the database: [(drawn ids), ...], the history carried from round to round."""
    rng = random.Random(seed)
    last, draws = {}, []
    for number in range(rounds):
        keys = [(last.get(pk), 0, pk) for pk in range(population)]
        priority, randomly = sampling.choose(keys, sampling.sample_size(rate, population),
                                             random.Random(rng.getrandbits(63)))
        drawn = set(priority) | set(randomly)
        for pk in drawn:
            last[pk] = DAY0 + datetime.timedelta(days=number)
        draws.append(drawn)
    return draws


DAY0 = datetime.date(2025, 1, 1)


@pytest.mark.parametrize("population", [12, 20, 40, 120])
def test_someone_just_checked_can_be_drawn_again_about_as_often_as_the_method_says(population):
    """Over many seeded rounds, the share of the drawn who are drawn again in the next round is above zero and close
    to r / (N − p): the random places fall on anyone not taken by priority, the just-checked included."""
    rate = Decimal("0.2")
    size = sampling.sample_size(rate, population)
    r = max(1, math.floor(size * 0.25))
    expected = r / (population - (size - r))
    repeats = drawn = 0
    for seed in range(20):
        rounds = simulate(population, 40, rate, seed)
        for before, after in zip(rounds, rounds[1:], strict=False):
            repeats += len(before & after)
            drawn += len(before)
    observed = repeats / drawn
    print(f"N={population}: repeat rate {observed:.3f}, expected {expected:.3f}")
    assert observed > 0
    assert abs(observed - expected) <= 0.25 * expected


@pytest.mark.parametrize("population", [11, 12, 15, 20, 33, 40, 120])
def test_everyone_is_drawn_within_a_month_of_twice_weekly_rounds_at_20_percent(population):
    for seed in range(25):
        rounds = simulate(population, 8, Decimal("0.2"), seed)
        assert set().union(*rounds) == set(range(population)), (population, seed)


def test_no_one_is_drawn_far_more_often_than_others():
    population, rounds = 40, 60  # thirty weeks
    worst = 0
    for seed in range(20):
        times = Counter(pk for drawn in simulate(population, rounds, Decimal("0.2"), seed) for pk in drawn)
        assert len(times) == population
        worst = max(worst, max(times.values()) / min(times.values()))
        assert max(times.values()) <= 2 * min(times.values())
    print(f"worst max/min draws over {rounds} rounds: {worst:.2f}")


def test_a_single_place_is_sometimes_random():
    randomly = sum(len(sampling.choose([(DAY0, 1, 1), (None, 0, 2)], 1, random.Random(seed))[1])
                   for seed in range(400))
    assert 60 <= randomly <= 140  # PRESENCE_RANDOM_SHARE = 0.25 of 400


def test_twenty_county_rounds_show_repeats_as_well_as_full_coverage(ten):
    for n in range(6):  # sixteen serving first secretaries in the county
        f.assign(f.secretary(ten.county, ten.unit, f"补充{n}"), f.village(ten.town_a), ten.batch)
    days = [TODAY + datetime.timedelta(days=7 * (n // 2) + 3 * (n % 2)) for n in range(20)]
    for number, day in enumerate(days):
        services.round_draw(user=ten.users.admin, region=ten.county, rate=Decimal("0.2"), seed=100 + number,
                            today=day)
    rounds = [set(SpotCheck.objects.filter(date=day).values_list("secretary_id", flat=True)) for day in days]
    serving = set(Assignment.objects.active_first_secretaries().filter(
        village__region__path__startswith=ten.county.path).values_list("secretary_id", flat=True))
    assert set().union(*rounds[:8]) == serving  # a month: everyone
    assert sum(len(a & b) for a, b in zip(rounds, rounds[1:], strict=False)) > 0  # and yet no one is safe


def test_the_seed_is_kept_in_the_audit_trail_only(ten):
    round_ = services.round_draw(user=ten.users.admin, region=ten.county, rate=Decimal("0.3"), today=TODAY)
    row = AuditLog.objects.get(object_id=str(round_.pk), content_type__model="spotcheckround")
    seed = row.changes["replay"]["seed"]
    assert not hasattr(round_, "seed")
    drawn = set(round_.checks.values_list("secretary_id", flat=True))
    SpotCheck.objects.all().delete()  # the history as it was before the draw
    priority, randomly = sampling.draw(sampling.eligible(ten.county, TODAY), rate=Decimal("0.3"), seed=seed,
                                       day=TODAY)
    assert {a.secretary_id for a in priority + randomly} == drawn


def test_the_same_seed_draws_the_same_people(ten):
    people = sampling.eligible(ten.county, TODAY)
    first = sampling.draw(people, rate=0.3, seed=5, day=TODAY)
    again = sampling.draw(people, rate=0.3, seed=5, day=TODAY)
    assert first == again and len(first[0] + first[1]) == 3


def test_only_active_first_secretaries_of_the_region_are_drawn(world):
    member = f.secretary(world.county, world.unit, "队员")
    f.assign(member, f.village(world.town_a), world.batch, role=Assignment.Duty.MEMBER)
    gone = f.secretary(world.county, world.unit, "已离任")
    f.assign(gone, f.village(world.town_a), world.batch, status=Assignment.Status.RECALLED)
    round_ = services.round_draw(user=world.users.town_a, region=world.town_a, rate=Decimal("1"), seed=1, today=TODAY)
    assert list(round_.checks.values_list("secretary__name", flat=True)) == ["张伟"]


def test_someone_on_approved_leave_is_drawn_as_on_leave(world):
    Leave.objects.create(secretary=world.sec_a, village=world.village_a, kind=Leave.Kind.SICK, reason="住院",
                         start_date=TODAY, end_date=TODAY, status=Leave.Status.APPROVED)
    round_ = services.round_draw(user=world.users.admin, region=world.county, rate=Decimal("1"), seed=1, today=TODAY)
    results = dict(round_.checks.values_list("secretary__name", "result"))
    assert results == {"张伟": Result.LEAVE, "李娜": Result.PENDING}


def test_a_region_is_drawn_once_a_day(world):
    services.round_draw(user=world.users.admin, region=world.county, rate=Decimal("0.5"), seed=1, today=TODAY)
    with pytest.raises(ValidationError, match="当天已经抽取过"):
        services.round_draw(user=world.users.admin, region=world.county, rate=Decimal("0.5"), seed=2, today=TODAY)


def test_a_region_without_secretaries_is_refused(world):
    empty = f.township(world.county, "空镇")
    with pytest.raises(ValidationError, match="没有在岗的第一书记"):
        services.round_draw(user=world.users.admin, region=empty, rate=Decimal("0.5"), seed=1, today=TODAY)


def test_the_command_draws_for_a_region(world, capsys):
    call_command("draw_spot_checks", "--rate", "0.5", "--region", world.county.code, "--today", "2025-06-30")
    out = capsys.readouterr().out
    assert "金乡县 2025-06-30 抽取 1 人" in out and "种子" not in out
    assert SpotCheck.objects.filter(date=TODAY).count() == 1


def test_the_command_refuses_a_bad_rate_and_an_unknown_region(world):
    with pytest.raises(CommandError, match="0.01 到 1"):
        call_command("draw_spot_checks", "--rate", "3")
    with pytest.raises(CommandError, match="没有行政区划代码"):
        call_command("draw_spot_checks", "--region", "999999999999")
