"""Who is drawn for a spot check: most places by priority, a share purely at random from everyone.

A pure round robin (least recently checked first) is fair but predictable: a secretary just checked knows they
are safe until everyone else has been drawn. A pure random draw is unpredictable but can leave someone undrawn
for weeks. The draw mixes the two:

- n = ceil(rate × N) places (N serving first secretaries in the region, at least one place);
- r = floor(n × PRESENCE_RANDOM_SHARE) of them, and at least one whenever n ≥ 2, go to people drawn uniformly at
  random from everyone not already taken — the secretary checked yesterday included. With a single place, that
  place is drawn at random with probability PRESENCE_RANDOM_SHARE;
- the other p = n − r places go by priority: longest since the last check first (never checked counts as
  longest), then fewest checks in the last 30 days, then a random tiebreak.

Guarantees, for a region drawn repeatedly at the same rate:
1. Unpredictable: in every round everyone has a chance of at least r / N of being drawn, whatever happened in the
   previous round (with n = 1: PRESENCE_RANDOM_SHARE / N).
2. Coverage: everyone is drawn at least once in every ⌈N / p⌉ consecutive rounds: each round takes the p people
   checked longest ago, so a person's place in that queue moves up by at least p every round. At 20 % and a share
   of 25 % that is within 8 rounds (a month of twice-weekly draws) for every N ≥ 11.
3. Fair: the priority places go round evenly, so over many rounds the counts differ only by the random places
   (a binomial spread of mean rounds × r / N).

The generator is `random.Random(seed)` with a seed from the operating system's cryptographic source
(`secrets`); the seed is kept only in the audit row of the draw, so the draw can be replayed from the audit trail
and the same list, but is shown to nobody.
"""

import datetime
import math
import random
import secrets
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Max, Q

from secretaries.models import Assignment

from .models import SpotCheck

WINDOW_DAYS = 30


def new_seed():
    return secrets.randbits(63)


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


def random_places(size, rng, share=None):
    """r: how many of `size` places are drawn purely at random."""
    share = settings.PRESENCE_RANDOM_SHARE if share is None else share
    if size == 0 or share <= 0:
        return 0
    if size == 1:
        return 1 if rng.random() < share else 0
    return min(size, max(1, math.floor(size * share)))


def choose(keys, size, rng, share=None):
    """The core of the draw, without the database: `keys` is [(last_checked or None, recent_count, id), ...]
    sorted by id; returns (priority ids, random ids) — `size` ids in all."""
    size = min(size, len(keys))
    r = random_places(size, rng, share)
    tiebreak = {key[2]: rng.random() for key in keys}  # drawn in id order: the same seed, the same draw
    ordered = sorted(keys, key=lambda k: (k[0] or datetime.date.min, k[1], tiebreak[k[2]]))
    priority = [k[2] for k in ordered[:size - r]]
    taken = set(priority)
    rest = [k[2] for k in keys if k[2] not in taken]
    return priority, rng.sample(rest, r)


def history(secretary_ids, day):
    """{secretary id: (last day checked, checks in the last 30 days)} before `day`; one query."""
    since = day - datetime.timedelta(days=WINDOW_DAYS)
    return {
        row["secretary_id"]: (row["last"], row["recent"])
        for row in SpotCheck.objects.filter(secretary_id__in=secretary_ids, date__lte=day)
        .values("secretary_id")
        .annotate(recent=Count("pk", filter=Q(date__gt=since)), last=Max("date"))
    }


def draw(assignments, *, rate, seed, day):
    """(priority assignments, random assignments) for the round on `day`. One query for everyone's history."""
    past = history([a.secretary_id for a in assignments], day)
    keys = [(*past.get(a.secretary_id, (None, 0)), a.secretary_id) for a in assignments]
    priority, randomly = choose(keys, sample_size(rate, len(assignments)), random.Random(seed))
    by_id = {a.secretary_id: a for a in assignments}
    return [by_id[pk] for pk in priority], [by_id[pk] for pk in randomly]
