"""Units in the test world: 县财政局 (张伟, 赵敏) and 县农业农村局 (李娜, whose contact is `contact_b`)."""

import pytest
from django.utils import timezone

from units import services
from units.models import ActionKind, UnitAction

TODAY = timezone.localdate()


def record(world, kind=ActionKind.VISIT, unit=None, villages=None, secretaries=(), date=None, user=None, **fields):
    unit = unit or world.unit_b
    villages = [world.village_b] if villages is None and kind == ActionKind.VISIT else (villages or [])
    action = UnitAction(unit=unit, kind=kind, date=date or TODAY, summary=fields.pop("summary", "局长带队到村调研"),
                        **fields)
    return services.action_create(user=user or world.users.admin, action=action, villages=villages,
                                  secretaries=list(secretaries))


@pytest.fixture
def targets(world):
    """This year's targets for every 县直 unit: 2 leadership meetings and 4 visits."""
    units = [world.unit, world.unit_b]
    services.targets_set(user=world.users.admin, region=world.county, year=TODAY.year, units=units,
                         counts={ActionKind.MEETING: 2, ActionKind.VISIT: 4})
    return units
