"""From scores to results, in the database: three statements whatever the number of people.

For each person, channel and dimension
    组织考评 / 镇街点评: the score entered;
    观摩互评: the mean of the raters' scores — after dropping one highest and one lowest when there are at least
              `trim_min_raters` raters (5 by default);
    党员群众测评: (100 × 满意 + 60 × 基本满意 + 0 × 不满意) / responses.
A channel score is the dimension scores combined with the dimension weights (over the dimensions present);
the composite is the channel scores combined with the channel weights over the channels present — a missing
channel's weight is shared out pro rata and the result is marked 渠道缺失. A dimension's score over all channels
(the radar, the yearly report) is combined the same way, so the composite is also the dimension-weighted sum
of those.

Ranks are standard competition ranks (1, 2, 2, 4) over the composite at six decimals, county-wide and within
each township; the previous period of the same kind gives 位次进退.
"""

from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from .models import Channel, DimensionResult, Participant, Period, Score, SurveyTally

PRECISION = 6  # ranks compare composites at this many decimals, so float noise on SQLite never splits a tie


def _literal(number):
    """A validated weight as an SQL numeric literal (Decimal → digits and a point only)."""
    return f"{Decimal(number):f}"


def _case(column, mapping):
    whens = " ".join(f"WHEN {key} THEN {_literal(value)}" for key, value in mapping.items())
    return f"(CASE {column} {whens} ELSE 0 END)"


def _ctes(period):
    """The WITH clause shared by both writes: per (person, channel, dimension) → per (person, channel)."""
    dimension_weights = dict(enumerate(period.dimension_weights(), start=1))
    channel_weights = {f"'{channel}'": weight for channel, weight in period.channel_weights().items()
                       if channel in Channel.values}
    trim = int(period.trim_min_raters)
    score, tally = Score._meta.db_table, SurveyTally._meta.db_table
    sql = f"""
    WITH raw AS (
        SELECT participant_id AS pid, channel AS ch, dimension AS dim,
               CASE WHEN channel = 'peer' AND COUNT(*) >= {trim}
                    THEN (SUM(value) - MAX(value) - MIN(value)) * 1.0 / (COUNT(*) - 2)
                    ELSE SUM(value) * 1.0 / COUNT(*) END AS score
        FROM {score} WHERE period_id = %s
        GROUP BY participant_id, channel, dimension
        UNION ALL
        SELECT participant_id, 'survey', dimension,
               (100.0 * SUM(satisfied) + 60.0 * SUM(basic)) / SUM(satisfied + basic + unsatisfied)
        FROM {tally} WHERE period_id = %s
        GROUP BY participant_id, dimension
        HAVING SUM(satisfied + basic + unsatisfied) > 0
    ),
    weighted AS (
        SELECT pid, ch, dim, score, {_case("dim", dimension_weights)} AS dw, {_case("ch", channel_weights)} AS cw
        FROM raw
    ),
    chan AS (
        SELECT pid, ch, SUM(score * dw) / SUM(dw) AS score, MAX(cw) AS cw
        FROM weighted GROUP BY pid, ch HAVING SUM(dw) > 0
    )"""
    return sql, [period.pk, period.pk]


def previous_period(period):
    """The latest frozen period of the same kind and region that ended before this one began."""
    return (
        Period.objects.filter(region=period.region_id, kind=period.kind, end_date__lt=period.start_date,
                              status__in=[Period.Status.LOCKED, Period.Status.PUBLISHED])
        .order_by("-end_date").first()
    )


@transaction.atomic
def compute(period):
    """Recompute every result of the period from its scores (the period's rules, not the scheme's)."""
    participant, dimension_result = Participant._meta.db_table, DimensionResult._meta.db_table
    previous = previous_period(period)
    weighted_channels = sum(1 for w in period.channel_weights().values() if w > 0)
    ctes, params = _ctes(period)
    pivot = ", ".join(f"MAX(CASE WHEN ch = '{c}' THEN score END) AS s_{c}" for c in Channel.values)
    # Nulls (nobody scored the person in a weighted channel) sort after everyone and get no rank.
    order = f"CASE WHEN c.composite IS NULL THEN 1 ELSE 0 END, ROUND(CAST(c.composite AS NUMERIC), {PRECISION}) DESC"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {participant} SET composite = NULL, score_org = NULL, score_township = NULL,
                score_peer = NULL, score_survey = NULL, channels_missing = %s, rank_county = NULL,
                rank_township = NULL, previous_rank = NULL WHERE period_id = %s""",
            [False, period.pk],
        )
        cursor.execute(
            f"""{ctes},
            comp AS (
                SELECT pid,
                       SUM(CASE WHEN cw > 0 THEN score * cw END) / NULLIF(SUM(CASE WHEN cw > 0 THEN cw END), 0)
                           AS composite,
                       SUM(CASE WHEN cw > 0 THEN 1 ELSE 0 END) AS weighted, {pivot}
                FROM chan GROUP BY pid
            ),
            ranked AS (
                SELECT c.pid, c.composite, c.weighted, c.s_org, c.s_township, c.s_peer, c.s_survey,
                       CASE WHEN c.composite IS NULL THEN NULL
                            ELSE RANK() OVER (ORDER BY {order}) END AS rc,
                       CASE WHEN c.composite IS NULL THEN NULL
                            ELSE RANK() OVER (PARTITION BY p.township_id ORDER BY {order}) END AS rt,
                       prev.rank_county AS pr
                FROM comp c
                JOIN {participant} p ON p.id = c.pid
                LEFT JOIN {participant} prev ON prev.period_id = %s AND prev.secretary_id = p.secretary_id
            )
            UPDATE {participant} SET composite = ranked.composite, score_org = ranked.s_org,
                score_township = ranked.s_township, score_peer = ranked.s_peer, score_survey = ranked.s_survey,
                channels_missing = (ranked.weighted < %s), rank_county = ranked.rc, rank_township = ranked.rt,
                previous_rank = ranked.pr
            FROM ranked WHERE {participant}.id = ranked.pid""",
            [*params, previous.pk if previous else None, weighted_channels],
        )
        cursor.execute(f"DELETE FROM {dimension_result} WHERE period_id = %s", [period.pk])
        cursor.execute(
            f"""{ctes}
            INSERT INTO {dimension_result} (participant_id, period_id, position, score)
            SELECT pid, %s, dim, SUM(score * cw) / SUM(cw)
            FROM weighted WHERE cw > 0 GROUP BY pid, dim HAVING SUM(cw) > 0""",
            [*params, period.pk],
        )
    Period.objects.filter(pk=period.pk).update(computed_at=timezone.now(), previous=previous)
    period.computed_at, period.previous = timezone.now(), previous


def channel_dimension_scores(participant):
    """One person's score per channel and dimension (the detail page): {channel: {position: score}}."""
    ctes, params = _ctes(participant.period)
    with connection.cursor() as cursor:
        cursor.execute(f"{ctes} SELECT ch, dim, score FROM raw WHERE pid = %s", [*params, participant.pk])
        table = {}
        for channel, dimension, score in cursor.fetchall():
            table.setdefault(channel, {})[dimension] = Decimal(str(score))
    return table
