"""What a period's results lead to, by the period's own rules — in the database, a few statements per period.

- 夺旗: a red flag to the top `flag_percent` % by composite (rounded down, at least one; everyone tied at the
  boundary gets one too — competition ranks make that `rank ≤ cut`).
- 晋星: one star per `flags_per_star` flags won in periods of the same kind and region within the person's current
  dispatch batch (this one included), at most `max_stars`.
- 年度等次 (year periods): below `grade_basic` 不称职, below `grade_competent` 基本称职, otherwise 称职; 优秀 for the
  highest composites of at least `grade_excellent`, at most `excellent_quota` % of those ranked (rounded down; at
  least one when anyone qualifies). A group of ties that would cross the quota is not graded 优秀 automatically:
  it is marked 优秀待定 and county staff decide.
- 三争 and 季度之星 nominations (confirmed or changed by county staff before publication): the top
  `honour_count` by 组织考评 among those without an issued absence notice (工作作风), by the mean of the 发展 and
  服务 dimension scores (工作实绩), by 党员群众测评 (工作评价); in quarters the top `quarter_star_count` by
  composite (季度之星). Ties at the boundary are all nominated.
"""

import math
from decimal import Decimal

from django.db import connection

from presence.reports import noticed

from .models import Grade, Honour, Participant, Period

ROUNDED = 8  # the precision ranks compare at (scoring.PRECISION)
TOLERANCE = Decimal("0.000000005")


def excluded_from_conduct(period):
    """Secretaries with an issued absence notice (通报) in the period: not eligible for 工作作风争先进."""
    return list(noticed(period.start_date, period.end_date))


# Flags a person won earlier in the same batch, in frozen periods of this period's kind and region (scoring.compute
# joins it per person and adds this period's flag); params: earlier_flags_params(period).
EARLIER_FLAGS = f"""
    SELECT other.secretary_id, other.batch_id, COUNT(*) AS won
    FROM {Participant._meta.db_table} other
    JOIN {Period._meta.db_table} earlier ON earlier.id = other.period_id
    WHERE other.flag = %s AND earlier.region_id = %s AND earlier.kind = %s AND earlier.end_date < %s
      AND earlier.status IN ('locked', 'published') AND earlier.id <> %s
    GROUP BY other.secretary_id, other.batch_id"""


def earlier_flags_params(period):
    return [True, period.region_id, period.kind, period.start_date, period.pk]


def apply(period, cursor, *, nominate=True):
    """After scoring.compute has written composites, ranks, flags and stars: grades and nominations."""
    if period.kind == Period.Kind.YEAR:
        ranked = Participant.objects.filter(period=period, rank_county__isnull=False).count()
        _grades(period, cursor, ranked)
    if nominate:
        _honours(period, cursor)
    else:
        refresh_basis(period, cursor)


def _grades(period, cursor, ranked):
    participant = Participant._meta.db_table
    excellent = period.outcome("grade_excellent")
    # Compared at the ranks' precision: a composite that averages exactly 85 may be stored as 84.99999999999999.
    qualifying = Participant.objects.filter(period=period, composite__gte=excellent - TOLERANCE).exists()
    quota = math.floor(ranked * period.outcome("excellent_quota") / 100)
    if qualifying and quota == 0:
        quota = 1
    cursor.execute(
        f"""UPDATE {participant} SET
            grade = CASE WHEN g.composite < CAST(%s AS NUMERIC) THEN '{Grade.INCOMPETENT}'
                         WHEN g.composite < CAST(%s AS NUMERIC) THEN '{Grade.BASIC}'
                         WHEN g.composite >= CAST(%s AS NUMERIC) AND g.rk + g.tied - 1 <= %s THEN '{Grade.EXCELLENT}'
                         ELSE '{Grade.COMPETENT}' END,
            grade_pending = (g.composite >= CAST(%s AS NUMERIC) AND g.rk <= %s AND g.rk + g.tied - 1 > %s)
        FROM (
            SELECT id, ROUND(CAST(composite AS NUMERIC), {ROUNDED}) AS composite, rank_county AS rk,
                   COUNT(*) OVER (PARTITION BY rank_county) AS tied
            FROM {participant} WHERE period_id = %s AND rank_county IS NOT NULL
        ) g WHERE {participant}.id = g.id""",
        [period.outcome("grade_basic"), period.outcome("grade_competent"), excellent, quota, excellent, quota, quota,
         period.pk],
    )


def _sources(period):
    """(kind, SELECT id, basis …, how many) for each honour the period's rules nominate."""
    participant = Participant._meta.db_table
    count = int(period.outcome("honour_count"))
    excluded = excluded_from_conduct(period)
    not_notified = ""
    if excluded:
        not_notified = f" AND secretary_id NOT IN ({', '.join(str(int(pk)) for pk in excluded)})"
    names = period.dimensions
    sources = [
        (Honour.Kind.CONDUCT, f"SELECT id, score_org AS basis FROM {participant} "
                              f"WHERE period_id = {int(period.pk)} AND score_org IS NOT NULL{not_notified}", count),
        (Honour.Kind.REPUTATION, f"SELECT id, score_survey AS basis FROM {participant} "
                                 f"WHERE period_id = {int(period.pk)} AND score_survey IS NOT NULL", count),
    ]
    if "发展" in names and "服务" in names:
        development, service = (f"dimension_{names.index(name) + 1}" for name in ("发展", "服务"))
        sources.append((Honour.Kind.RESULTS, f"SELECT id, ({development} + {service}) / 2 AS basis FROM {participant} "
                                             f"WHERE period_id = {int(period.pk)} AND {development} IS NOT NULL "
                                             f"AND {service} IS NOT NULL", count))
    if period.kind == Period.Kind.QUARTER:
        sources.append((Honour.Kind.QUARTER_STAR, f"SELECT id, composite AS basis FROM {participant} "
                                                  f"WHERE period_id = {int(period.pk)} AND composite IS NOT NULL",
                        int(period.outcome("quarter_star_count"))))
    return sources


def _honours(period, cursor):
    honour = Honour._meta.db_table
    cursor.execute(f"DELETE FROM {honour} WHERE period_id = %s", [period.pk])
    for kind, source, top in _sources(period):
        if top < 1:
            continue
        cursor.execute(
            f"""INSERT INTO {honour} (period_id, participant_id, kind, basis, by_rule, reason)
            SELECT %s, id, %s, basis, %s, '' FROM (
                SELECT id, basis, RANK() OVER (ORDER BY ROUND(CAST(basis AS NUMERIC), {ROUNDED}) DESC) AS rk
                FROM ({source}) s
            ) ranked WHERE rk <= %s""",
            [period.pk, kind.value, True, top],
        )


def refresh_basis(period, cursor):
    """Recomputed without renominating (an accepted appeal): the honours stay with whom they were confirmed for,
    and the scores they cite follow the new results."""
    honour = Honour._meta.db_table
    for kind, source, _top in _sources(period):
        cursor.execute(
            f"""UPDATE {honour} SET basis = (SELECT s.basis FROM ({source}) s WHERE s.id = {honour}.participant_id)
            WHERE period_id = %s AND kind = %s AND by_rule = %s""",
            [period.pk, kind.value, True],
        )


def refresh_later_stars(period):
    """After an appeal moved a flag in `period`, the stars of later frozen periods of its kind are counted again."""
    participant = Participant._meta.db_table
    later = Period.objects.filter(region_id=period.region_id, kind=period.kind, start_date__gt=period.end_date,
                                  status__in=[Period.Status.LOCKED, Period.Status.PUBLISHED]).order_by("end_date")
    with connection.cursor() as cursor:
        for following in later:
            per_star, most = int(following.outcome("flags_per_star")), int(following.outcome("max_stars"))
            cursor.execute(
                f"""UPDATE {participant} SET stars = CASE WHEN counted.won / %s > %s THEN %s
                                                      ELSE counted.won / %s END
                FROM (
                    SELECT p.id, COALESCE(flags.won, 0) + CASE WHEN p.flag THEN 1 ELSE 0 END AS won
                    FROM {participant} p
                    LEFT JOIN ({EARLIER_FLAGS}) flags
                           ON flags.secretary_id = p.secretary_id AND flags.batch_id = p.batch_id
                    WHERE p.period_id = %s
                ) counted WHERE {participant}.id = counted.id""",
                [per_star, most, most, per_star, *earlier_flags_params(following), following.pk],
            )
