from decimal import Decimal

import pytest

from evaluations import services
from evaluations.models import Period


def D(*values):
    return [Decimal(str(v)) for v in values]


def five(value):
    return D(*[value] * 5)


def open_period(world, scheme, number=1, kind=Period.Kind.QUARTER, year=2024):
    created = services.period_create(user=world.users.admin, region=world.county, scheme=scheme,
                                     kind=kind, year=year, number=number)
    return services.period_open(created, user=world.users.admin)


@pytest.fixture
def period(world, scheme):
    """金乡县 2024 Q1, open for scoring: 张伟 (胡集镇) and 李娜 (鸡黍镇)."""
    return open_period(world, scheme)


def participant(period, secretary):
    return period.participants.get(secretary=secretary)
