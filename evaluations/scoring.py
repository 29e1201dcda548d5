"""From scores to results, in the database: the same few statements whatever the number of people.

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

The scores are read as their totals per person, channel and dimension (count, sum, highest, lowest: ScoreTotal,
and ContestTotal for the judges'), which the database keeps equal to the scores at every write (evaluations/totals.py).

Sums of the scores are exact; everything after them is double precision (15 significant digits, nothing
rounded in between), stored at six decimals. On PostgreSQL that is twice as fast as NUMERIC for a province
(20,000 people, 1.2 million scores: see tests/perf/test_evaluation_perf.py) and gives the same stored results.
"""

from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from alliances.models import Alliance, Member

from . import outcomes
from .models import (
    MAX_DIMENSIONS,
    SCORE_ROW_CHANNELS,
    Channel,
    Contest,
    ContestTotal,
    Participant,
    Period,
    PointEvent,
    ScoreTotal,
    SurveyTally,
)

PRECISION = 6  # ranks compare composites at this many decimals, so float noise never splits a tie
FLOAT = "DOUBLE PRECISION"


def _literal(number):
    """A validated weight as an SQL numeric literal (Decimal → digits and a point only)."""
    return f"{Decimal(number):f}"


def _case(column, mapping):
    whens = " ".join(f"WHEN {key} THEN {_literal(value)}" for key, value in mapping.items())
    return f"(CASE {column} {whens} ELSE 0 END)"


def _dimensions_table(period):
    """One row per dimension position: `SELECT 1 AS dim UNION ALL SELECT 2 …` (a channel scored as a whole)."""
    return " UNION ALL ".join(f"SELECT {i} AS dim" for i in range(1, len(period.dimensions) + 1)) or "SELECT 1"


def _wide(period, person=None):
    """(SELECT pid, dim, dw, s_org … s_contest, its params): one row per person (not excused) and dimension, with
    the dimension's weight and the person's score in each channel for it (NULL: none). `person`: only theirs.

    Each source is aggregated on its own in the order of its index (no sort of the whole), one row per person and
    dimension, and joined to the people: the scores entered (a column per channel; 观摩互评 without one highest and
    one lowest from `trim_min_raters` raters on), the survey counts, the judges' scores and the points.
    """
    participant, score, tally = Participant._meta.db_table, ScoreTotal._meta.db_table, SurveyTally._meta.db_table
    contest, contest_total, event = Contest._meta.db_table, ContestTotal._meta.db_table, PointEvent._meta.db_table
    weights = period.channel_weights()
    trim = int(period.trim_min_raters)
    # 村级评价 comes either from the grid or from the representatives' codes, as the scheme says: never both.
    by_codes = period.village_input == "codes"
    # Score rows count only for the channels entered as score rows: 积分 and 比武评议 come from their own facts
    # (a score sheet once let such rows in; they are ignored, never mixed with the computed channel).
    entered = [c.value for c in SCORE_ROW_CHANNELS if not (by_codes and c == Channel.VILLAGE)]
    counted = [Channel.SURVEY.value, *([Channel.VILLAGE.value] if by_codes else [])]
    only = (lambda column: f" AND {column} = %s") if person else (lambda column: "")
    mine = [person.pk] if person else []
    columns = {c: f"CAST(NULL AS {FLOAT})" for c in Channel.values}
    joins, params = [], []

    pivot = ", ".join(f"MAX(CASE WHEN ch = '{c}' THEN score END) AS s_{c}" for c in entered)
    joins.append(f"""
        LEFT JOIN (SELECT pid, dim, {pivot} FROM (
            SELECT participant_id AS pid, dimension AS dim, channel AS ch,
                   CASE WHEN channel = 'peer' AND n >= {trim} THEN CAST(total - high - low AS {FLOAT}) / (n - 2)
                        ELSE CAST(total AS {FLOAT}) / n END AS score
            FROM {score} WHERE period_id = %s AND channel IN ({", ".join(f"'{c}'" for c in entered)})
                 {only("participant_id")}) entered GROUP BY pid, dim
        ) s ON s.pid = p.id AND s.dim = d.dim""")
    params += [period.pk, *mine]
    for c in entered:
        columns[c] = f"s.s_{c}"

    # 满意 100, 基本满意 60, 不满意 0: the mean over the responses.
    survey = ", ".join(
        f"CAST(100 * SUM(satisfied) FILTER (WHERE channel = '{c}') + 60 * SUM(basic) FILTER (WHERE channel = '{c}')"
        f" AS {FLOAT}) / NULLIF(SUM(satisfied + basic + unsatisfied) FILTER (WHERE channel = '{c}'), 0) AS s_{c}"
        for c in counted)
    joins.append(f"""
        LEFT JOIN (SELECT participant_id AS pid, dimension AS dim, {survey} FROM {tally}
                   WHERE period_id = %s AND channel IN ({", ".join(f"'{c}'" for c in counted)})
                         {only("participant_id")}
                   GROUP BY participant_id, dimension) t ON t.pid = p.id AND t.dim = d.dim""")
    params += [period.pk, *mine]
    for c in counted:
        columns[c] = f"t.s_{c}"

    if Channel.CONTEST in weights:
        # the mean of the judges' scores over every contest of the period, per dimension
        joins.append(f"""
        LEFT JOIN (SELECT pid, dim, CAST(SUM(total) AS {FLOAT}) / SUM(n) AS s_contest FROM (
            SELECT speaker_id AS pid, dimension AS dim, total, n FROM {contest_total}
            WHERE contest_id IN (SELECT id FROM {contest} WHERE period_id = %s){only("speaker_id")}) judged
            GROUP BY pid, dim
        ) k ON k.pid = p.id AND k.dim = d.dim""")
        params += [period.pk, *mine]
        columns[Channel.CONTEST.value] = "k.s_contest"

    if Channel.POINTS in weights:
        # base + the period's points (events not revoked), capped to 0–100; the same for every dimension.
        base = _literal(period.points_base)
        joins.append(f"""
        LEFT JOIN (SELECT secretary_id, SUM(points) AS total FROM {event}
                   WHERE date >= %s AND date <= %s AND status <> %s{only("secretary_id")}
                   GROUP BY secretary_id) e ON e.secretary_id = p.secretary_id""")
        params += [period.start_date, period.end_date, PointEvent.Status.REVOKED.value,
                   *([person.secretary_id] if person else [])]
        points = f"{base} + COALESCE(e.total, 0)"
        columns[Channel.POINTS.value] = (
            f"CAST(CASE WHEN {points} > 100 THEN 100 WHEN {points} < 0 THEN 0 ELSE {points} END AS {FLOAT})")

    dimension_weights = dict(enumerate(period.dimension_weights(), start=1))
    sql = f"""
        SELECT p.id AS pid, d.dim, CAST({_case("d.dim", dimension_weights)} AS {FLOAT}) AS dw,
               {", ".join(f"{column} AS s_{c}" for c, column in columns.items())}
        FROM {participant} p CROSS JOIN ({_dimensions_table(period)}) d{"".join(joins)}
        WHERE p.period_id = %s AND p.excused = %s{only("p.id")}"""
    return sql, [*params, period.pk, False, *mine]


# Each secretary's 分盟 (as a member or its convener; the lowest id if, unexpectedly, several): ranks within it.
SUB_ALLIANCES = f"""
    SELECT secretary_id, MIN(alliance_id) AS aid FROM (
        SELECT m.secretary_id, m.alliance_id FROM {Member._meta.db_table} m
        JOIN {Alliance._meta.db_table} a ON a.id = m.alliance_id WHERE m.kind = %s AND a.kind = %s
        UNION ALL
        SELECT convener_id, id FROM {Alliance._meta.db_table} WHERE kind = %s AND convener_id IS NOT NULL
    ) memberships GROUP BY secretary_id"""
SUB_ALLIANCE_PARAMS = [Member.Kind.SECRETARY.value, Alliance.Kind.SUB.value, Alliance.Kind.SUB.value]


def previous_period(period):
    """The latest frozen period of the same kind and region that ended before this one began."""
    return (
        Period.objects.filter(region=period.region_id, kind=period.kind, end_date__lt=period.start_date,
                              status__in=[Period.Status.LOCKED, Period.Status.PUBLISHED])
        .order_by("-end_date").first()
    )


def _float(weight):
    return f"CAST({_literal(weight)} AS {FLOAT})"


def _combined(columns_and_weights):
    """(Σ score × weight over the columns present, Σ weight of those present, how many present) as SQL; a
    NULL column (no score in that channel) counts for nothing. No columns: NULL, 0, 0."""
    if not columns_and_weights:
        return f"CAST(NULL AS {FLOAT})", "0", "0"
    total = " + ".join(f"COALESCE({column} * {_float(weight)}, 0)" for column, weight in columns_and_weights)
    weights = " + ".join(f"CASE WHEN {column} IS NULL THEN 0 ELSE {_float(weight)} END"
                         for column, weight in columns_and_weights)
    present = " + ".join(f"CASE WHEN {column} IS NULL THEN 0 ELSE 1 END" for column, _w in columns_and_weights)
    return total, weights, present


@transaction.atomic
def compute(period, *, nominate=True):
    """Recompute every result of the period from its scores (the period's rules, not the scheme's).

    `nominate=False` (recomputing a published period after an accepted appeal) keeps the confirmed honours.

    One statement: the scores are gathered once into one row per person and dimension with a column per channel
    (`_wide`; a province: 100,000 rows, kept in memory); every result of a person — channel scores, composite,
    ranks, flag, stars, each dimension's score — is read from them and written to their row. Every participant is
    written once: one without any score gets empty results.
    """
    participant = Participant._meta.db_table
    previous = previous_period(period)
    weights = {channel: weight for channel, weight in period.channel_weights().items()
               if channel in Channel.values and weight > 0}
    wide, params = _wide(period)
    # A channel's score: its dimensions' scores weighted by the dimension weights (over those present); none
    # when the dimensions present weigh nothing.
    channels = ", ".join(f"SUM(s_{c} * dw) / NULLIF(SUM(CASE WHEN s_{c} IS NULL THEN 0 ELSE dw END), 0) AS s_{c}"
                         for c in Channel.values)
    anything = " OR ".join(f"s_{c} IS NOT NULL" for c in Channel.values)
    total, weight, present = _combined([(f"s_{c}", w) for c, w in weights.items()])
    # A dimension's score: its channel scores weighted by the channel weights (over the weighted channels
    # present), in the column of its position; the columns past the period's dimensions are emptied.
    positions = range(1, len(period.dimension_weights()) + 1)
    dimensions = "".join(f", MAX(CASE WHEN dim = {i} THEN ({total}) / NULLIF({weight}, 0) END) AS d{i}"
                         for i in positions)
    dimension_columns = "".join(f", c.d{i}" for i in positions)
    dimension_updates = "".join(f", dimension_{i} = ranked.d{i}" if i in positions else f", dimension_{i} = NULL"
                                for i in range(1, MAX_DIMENSIONS + 1))
    channel_columns = ", ".join(f"c.s_{c}" for c in Channel.values)
    channel_updates = ", ".join(f"score_{c} = ranked.s_{c}" for c in Channel.values)
    # Nulls (nobody scored the person in a weighted channel) sort after everyone and get no rank.
    order = "CASE WHEN c.composite IS NULL THEN 1 ELSE 0 END, c.rank_key DESC"
    with connection.cursor() as cursor:
        postgresql = connection.vendor == "postgresql"
        if postgresql:
            cursor.execute("SET LOCAL work_mem = '64MB'")  # sorts and hashes of ~10^5 rows stay in memory
            # Compiling these few statements to machine code costs more (0.3–0.5 s each at 20,000 people) than
            # it saves: they run once.
            cursor.execute("SET LOCAL jit = off")
            # The planner would hash the 300,000 totals; reading them in group order from the covering index
            # score_total_period is faster.
            cursor.execute("SET LOCAL enable_hashagg = off")
        per_star, most = int(period.outcome("flags_per_star")), int(period.outcome("max_stars"))
        # 夺旗: the top flag_percent % of those ranked (a composite), rounded down, at least one (see outcomes), in
        # integers: n × p / (100 q) for the percentage p / q.
        numerator, denominator = Decimal(period.outcome("flag_percent")).as_integer_ratio()
        share = f"n * {numerator} / {100 * denominator}"
        cut = f"CASE WHEN n = 0 THEN 0 WHEN {share} < 1 THEN 1 ELSE {share} END"
        flag = "(CASE WHEN ranked.rc IS NOT NULL AND ranked.rc <= ranked.cut THEN 1 ELSE 0 END)"
        # Ranks within 分盟 only where the region has any: otherwise one sort and one join less.
        alliances = Alliance.objects.filter(kind=Alliance.Kind.SUB,
                                            region__path__startswith=period.region.path).exists()
        alliance_rank = (f"CASE WHEN c.composite IS NULL OR al.aid IS NULL THEN NULL "
                         f"ELSE RANK() OVER (PARTITION BY al.aid ORDER BY {order}) END AS ra, al.aid"
                         if alliances else "CAST(NULL AS INTEGER) AS ra, CAST(NULL AS INTEGER) AS aid")
        alliance_join = f"LEFT JOIN ({SUB_ALLIANCES}) al ON al.secretary_id = p.secretary_id" if alliances else ""
        won = f"(COALESCE(ranked.won, 0) + {flag}) / %s"
        # The person-and-dimension rows and each composite with its rank key are worked out once (kept in memory,
        # not a temporary table written to disk), not again in every expression and sort that reads them.
        materialized = "MATERIALIZED" if postgresql else ""
        cursor.execute(
            f"""WITH wide AS {materialized} ({wide}),
            chan AS (
                SELECT pid, {channels}{dimensions} FROM wide GROUP BY pid
            ),
            comp AS {materialized} (
                SELECT *, ROUND(CAST(composite AS NUMERIC), {PRECISION}) AS rank_key FROM (
                    SELECT *, ({total}) / NULLIF({weight}, 0) AS composite, {present} AS weighted
                    FROM chan WHERE {anything}) c
            ),
            counted AS (
                SELECT {cut} AS cut FROM (SELECT COUNT(*) AS n FROM comp WHERE composite IS NOT NULL) ranked_people
            ),
            ranked AS (
                SELECT p.id AS pid, c.pid AS scored, c.composite, c.weighted, {channel_columns}{dimension_columns},
                       CASE WHEN c.composite IS NULL THEN NULL
                            ELSE RANK() OVER (ORDER BY {order}) END AS rc,
                       CASE WHEN c.composite IS NULL THEN NULL
                            ELSE RANK() OVER (PARTITION BY p.township_id ORDER BY {order}) END AS rt,
                       {alliance_rank},
                       CASE WHEN c.pid IS NULL THEN NULL ELSE prev.rank_county END AS pr, flags.won, counted.cut
                FROM {participant} p
                CROSS JOIN counted
                LEFT JOIN comp c ON c.pid = p.id
                LEFT JOIN {participant} prev ON prev.period_id = %s AND prev.secretary_id = p.secretary_id
                LEFT JOIN ({outcomes.EARLIER_FLAGS}) flags
                       ON flags.secretary_id = p.secretary_id AND flags.batch_id = p.batch_id
                {alliance_join}
                WHERE p.period_id = %s
            )
            UPDATE {participant} SET composite = ranked.composite, {channel_updates}{dimension_updates},
                channels_missing = (ranked.scored IS NOT NULL AND ranked.weighted < %s), rank_county = ranked.rc,
                rank_township = ranked.rt, previous_rank = ranked.pr, alliance_id = ranked.aid,
                rank_alliance = ranked.ra, flag = ({flag} = 1),
                stars = CASE WHEN {won} > %s THEN %s ELSE {won} END, grade = '', grade_pending = %s
            FROM ranked WHERE {participant}.id = ranked.pid""",
            [*params, previous.pk if previous else None, *outcomes.earlier_flags_params(period),
             *(SUB_ALLIANCE_PARAMS if alliances else []), period.pk,
             len(weights), per_star, most, most, per_star, False],
        )
        if postgresql:
            cursor.execute("SET LOCAL enable_hashagg = DEFAULT")
        outcomes.apply(period, cursor, nominate=nominate)
    Period.objects.filter(pk=period.pk).update(computed_at=timezone.now(), previous=previous)
    period.computed_at, period.previous = timezone.now(), previous


def channel_dimension_scores(participant):
    """One person's score per channel and dimension (the detail page): {channel: {position: score}}."""
    wide, params = _wide(participant.period, participant)
    table = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT dim, {', '.join(f's_{c}' for c in Channel.values)} FROM ({wide}) wide", params)
        for dimension, *scores in cursor.fetchall():
            for channel, score in zip(Channel.values, scores, strict=True):
                if score is not None:
                    table.setdefault(channel, {})[dimension] = Decimal(str(score))
    return table
