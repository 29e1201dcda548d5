import datetime
from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

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


def test_every_secretary_is_drawn_in_a_month_and_the_spread_is_bounded(ten):
    for number, day in enumerate(DRAW_DAYS):
        services.round_draw(user=ten.users.admin, region=ten.county, rate=Decimal("0.2"), seed=42 + number, today=day)
    times = Counter(SpotCheck.objects.values_list("secretary_id", flat=True))
    serving = set(Assignment.objects.active_first_secretaries().values_list("secretary_id", flat=True)) - {ten.sec_c.pk}
    assert set(times) == serving  # everyone drawn at least once, no one from elsewhere
    assert max(times.values()) - min(times.values()) <= 1
    assert sum(times.values()) == 8 * 2  # ceil(0.2 × 10) each time


def test_fairness_holds_for_a_fixed_seed_and_a_size_that_does_not_divide(ten):
    f.assign(f.secretary(ten.county, ten.unit, "第十一人"), f.village(ten.town_a), ten.batch)
    for day in DRAW_DAYS:
        services.round_draw(user=None, region=ten.county, rate=Decimal("0.2"), seed=7, today=day)
    times = Counter(SpotCheck.objects.values_list("secretary_id", flat=True))
    assert len(times) == 11 and max(times.values()) - min(times.values()) <= 1


def test_the_same_seed_draws_the_same_people(ten):
    people = sampling.eligible(ten.county, TODAY)
    first = sampling.draw(people, rate=0.3, seed=5, day=TODAY)
    again = sampling.draw(people, rate=0.3, seed=5, day=TODAY)
    assert [a.pk for a in first] == [a.pk for a in again] and len(first) == 3


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
    call_command("draw_spot_checks", "--rate", "0.5", "--seed", "3", "--region", world.county.code,
                 "--today", "2025-06-30")
    assert "金乡县 2025-06-30 抽取 1 人（随机种子 3）" in capsys.readouterr().out
    assert SpotCheck.objects.filter(date=TODAY).count() == 1


def test_the_command_refuses_a_bad_rate_and_an_unknown_region(world):
    with pytest.raises(CommandError, match="0.01 到 1"):
        call_command("draw_spot_checks", "--rate", "3")
    with pytest.raises(CommandError, match="没有行政区划代码"):
        call_command("draw_spot_checks", "--region", "999999999999")
