"""Who is drawn for a spot check: the least recently drawn first, a seeded random order among equals.

Plain random sampling can leave someone undrawn for weeks. Sorting by (times drawn in the last 30 days,
last day drawn, seeded random number) and taking ceil(rate × n) is a round robin with a random order inside
each turn: over a month everyone is drawn, and no one is drawn twice before everyone has been drawn once.
"""

import datetime
import math
import random
from decimal import Decimal

from django.db.models import Count, Max, Q

from secretaries.models import Assignment

from .models import SpotCheck

WINDOW_DAYS = 30


def eligible(region, day):
    """Active first secretaries serving in `region` on `day`, with their assignment and village."""
    return list(
        Assignment.objects.active_first_secretaries()
        .filter(village__region__path__startswith=region.path, start_date__lte=day)
        .select_related("secretary__unit", "village__region")
        .order_by("secretary_id")
    )


def sample_size(rate, population):
    if population == 0:
        return 0
    return min(population, max(1, math.ceil(Decimal(str(rate)) * population)))


def draw(assignments, *, rate, seed, day):
    """The assignments drawn, in the order drawn. One query for everyone's history."""
    since = day - datetime.timedelta(days=WINDOW_DAYS)
    history = {
        row["secretary_id"]: (row["recent"], row["last"])
        for row in SpotCheck.objects.filter(secretary_id__in=[a.secretary_id for a in assignments], date__lte=day)
        .values("secretary_id")
        .annotate(recent=Count("pk", filter=Q(date__gt=since)), last=Max("date"))
    }
    rng = random.Random(seed)
    keyed = []
    for assignment in assignments:  # ordered by secretary id: the same seed gives the same tiebreaks
        recent, last = history.get(assignment.secretary_id, (0, None))
        keyed.append(((recent, last or datetime.date.min, rng.random()), assignment))
    keyed.sort(key=lambda pair: pair[0])
    return [assignment for _, assignment in keyed[:sample_size(rate, len(assignments))]]
