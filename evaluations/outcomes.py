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

from presence.reports import noticed

from .models import DimensionResult, Grade, Honour, Participant, Period

ROUNDED = 8  # the precision ranks compare at (scoring.PRECISION)


def excluded_from_conduct(period):
    """Secretaries with an issued absence notice (通报) in the period: not eligible for 工作作风争先进."""
    return list(noticed(period.start_date, period.end_date))


def apply(period, cursor, *, nominate=True):
    participant = Participant._meta.db_table
    ranked = Participant.objects.filter(period=period, rank_county__isnull=False).count()
    flag_cut = max(1, math.floor(ranked * period.outcome("flag_percent") / 100)) if ranked else 0
    cursor.execute(
        f"UPDATE {participant} SET flag = (rank_county IS NOT NULL AND rank_county <= %s), grade = '', "
        f"grade_pending = %s WHERE period_id = %s",
        [flag_cut, False, period.pk],
    )
    per_star, most = int(period.outcome("flags_per_star")), int(period.outcome("max_stars"))
    cursor.execute(
        f"""UPDATE {participant} SET stars = CASE WHEN won / %s > %s THEN %s ELSE won / %s END
        FROM (
            SELECT p.id AS pid, COUNT(other.id) AS won
            FROM {participant} p
            LEFT JOIN {participant} other ON other.secretary_id = p.secretary_id AND other.batch_id = p.batch_id
                 AND other.flag = %s
                 AND other.period_id IN (SELECT id FROM {Period._meta.db_table}
                                         WHERE region_id = %s AND kind = %s AND end_date <= %s
                                         AND (id = %s OR status IN ('locked', 'published')))
            WHERE p.period_id = %s GROUP BY p.id
        ) counted WHERE {participant}.id = counted.pid""",
        [per_star, most, most, per_star, True, period.region_id, period.kind, period.end_date, period.pk,
         period.pk],
    )
    if period.kind == Period.Kind.YEAR:
        _grades(period, cursor, ranked)
    if nominate:
        _honours(period, cursor)


def _grades(period, cursor, ranked):
    participant = Participant._meta.db_table
    excellent = period.outcome("grade_excellent")
    qualifying = Participant.objects.filter(period=period, composite__gte=excellent).exists()
    quota = math.floor(ranked * period.outcome("excellent_quota") / 100)
    if qualifying and quota == 0:
        quota = 1
    cursor.execute(
        f"""UPDATE {participant} SET
            grade = CASE WHEN g.composite < %s THEN '{Grade.INCOMPETENT}'
                         WHEN g.composite < %s THEN '{Grade.BASIC}'
                         WHEN g.composite >= %s AND g.rk + g.tied - 1 <= %s THEN '{Grade.EXCELLENT}'
                         ELSE '{Grade.COMPETENT}' END,
            grade_pending = (g.composite >= %s AND g.rk <= %s AND g.rk + g.tied - 1 > %s)
        FROM (
            SELECT id, composite, rank_county AS rk, COUNT(*) OVER (PARTITION BY rank_county) AS tied
            FROM {participant} WHERE period_id = %s AND rank_county IS NOT NULL
        ) g WHERE {participant}.id = g.id""",
        [period.outcome("grade_basic"), period.outcome("grade_competent"), excellent, quota, excellent, quota, quota,
         period.pk],
    )


def _honours(period, cursor):
    participant, honour, dimension = (Participant._meta.db_table, Honour._meta.db_table,
                                      DimensionResult._meta.db_table)
    cursor.execute(f"DELETE FROM {honour} WHERE period_id = %s", [period.pk])
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
        positions = (names.index("发展") + 1, names.index("服务") + 1)
        sources.append((Honour.Kind.RESULTS, f"SELECT participant_id AS id, SUM(score) / 2 AS basis FROM {dimension} "
                                             f"WHERE period_id = {int(period.pk)} AND position IN {positions} "
                                             f"GROUP BY participant_id HAVING COUNT(*) = 2", count))
    if period.kind == Period.Kind.QUARTER:
        sources.append((Honour.Kind.QUARTER_STAR, f"SELECT id, composite AS basis FROM {participant} "
                                                  f"WHERE period_id = {int(period.pk)} AND composite IS NOT NULL",
                        int(period.outcome("quarter_star_count"))))
    for kind, source, top in sources:
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
