"""Helpers for project tests: a project with its six stages placed relative to a given day."""

import datetime
from decimal import Decimal

from projects import services
from projects.choices import Stage

TODAY = datetime.date(2025, 6, 30)
STAGE_DAYS = 30


def D(value):
    return Decimal(str(value))


def stages_for(today, *, done=0, late=0):
    """Six back-to-back stages of STAGE_DAYS days. The first `done` have actual dates (as planned, never after
    today); the current one (number done + 1) was planned to end `late` days before `today`."""
    current_end = today - datetime.timedelta(days=late)
    stages = {}
    for index, stage in enumerate(Stage):
        end = current_end + datetime.timedelta(days=STAGE_DAYS * (index - done))
        start = end - datetime.timedelta(days=STAGE_DAYS - 1)
        actual_end = min(end, today) if index < done else None
        stages[stage] = {"planned_start": start, "planned_end": end,
                         "actual_start": min(start, actual_end) if actual_end else None, "actual_end": actual_end}
    return stages


def make_project(world, *, name="香瓜大棚项目", villages=None, shares=None, secretary=None, funds=None, done=0,
                 late=0, today=TODAY, total=200, kind="industry", year=2025, user=None):
    """A project through the service, as a county admin would enter it. `villages` alone: equal shares."""
    villages = villages or [world.village_a]
    shares = shares or [D(100) / len(villages)] * len(villages)
    return services.project_save(
        user=user or world.users.admin, today=today,
        fields={"name": name, "kind": kind, "year": year, "secretary": secretary or world.sec_a,
                "total_investment": D(total), "expected_income": D(12), "jobs": 8, "beneficiaries": 120,
                "description": ""},
        shares=[(village, D(share)) for village, share in zip(villages, shares, strict=True)],
        funds={source: (D(p), D(d)) for source, (p, d) in (funds or {"county": (100, 40)}).items()},
        stages=stages_for(today, done=done, late=late),
    )
