"""The totals the computation reads, kept by the database: `ScoreTotal` is at every moment the GROUP BY (person,
channel, dimension) of the scores — count, sum, highest, lowest — and `ContestTotal` the GROUP BY (contest, speaker,
dimension) of the judges' scores.

Triggers recompute the totals of the keys each statement touches, whoever sends it (a grid, a score sheet, a peer
meeting, an appeal, a cascade, COPY). On PostgreSQL one trigger per statement (its changed rows as a transition
table) first takes the period's row, as the application's score writers do (`_lock_for_scoring`), so two writers of
a period take turns and each recomputation sees what the other committed. SQLite has one writer at a time; its
triggers are per row.

**Whoever writes scores takes the period's row first** (`Period.objects.select_for_update()`, as every writer in
evaluations/services does): a writer that changes score rows first and only then reaches the trigger can meet
another one the other way round, and PostgreSQL then aborts one of the two (a deadlock: nothing is half-written,
the page says to reload and submit again).

Installed by migration 0013. SQLite alters a table by copying it into a new one, which drops its triggers: after
every `migrate`, `ensure` puts back any trigger missing and then recomputes every total.
"""

import logging

from django.db import connections, transaction

log = logging.getLogger(__name__)

SCORE_TABLE, CONTEST_TABLE = "evaluations_score", "evaluations_contestscore"
TOTAL_TABLES = ("evaluations_scoretotal", "evaluations_contesttotal")
EVENTS = ("INSERT", "DELETE", "UPDATE")


def trigger_name(table, event):
    return f"{table}_totals_{event.lower()}"


TRIGGERS = [trigger_name(table, event) for table in (SCORE_TABLE, CONTEST_TABLE) for event in EVENTS]

# The totals of the given keys (parallel arrays: one key per position) recomputed from the scores, once the
# periods' rows are held.
POSTGRES_REFRESH = r"""
CREATE FUNCTION evaluations_score_totals_refresh(periods bigint[], people bigint[], channels text[],
                                                 dimensions integer[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM evaluations_period WHERE id = ANY(periods) ORDER BY id FOR NO KEY UPDATE;
  DELETE FROM evaluations_scoretotal t
    USING unnest(people, channels, dimensions) AS k(participant_id, channel, dimension)
    WHERE t.participant_id = k.participant_id AND t.channel = k.channel AND t.dimension = k.dimension;
  INSERT INTO evaluations_scoretotal (period_id, participant_id, channel, dimension, n, total, high, low)
    SELECT s.period_id, s.participant_id, s.channel, s.dimension, COUNT(*), SUM(s.value), MAX(s.value), MIN(s.value)
    FROM unnest(periods, people, channels, dimensions) AS k(period_id, participant_id, channel, dimension)
    JOIN evaluations_score s ON s.period_id = k.period_id AND s.participant_id = k.participant_id
                            AND s.channel = k.channel AND s.dimension = k.dimension
    GROUP BY s.period_id, s.participant_id, s.channel, s.dimension;
END $$;

CREATE FUNCTION evaluations_contest_totals_refresh(contests bigint[], speakers bigint[], dimensions integer[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM evaluations_period
    WHERE id IN (SELECT period_id FROM evaluations_contest WHERE id = ANY(contests)) ORDER BY id FOR NO KEY UPDATE;
  DELETE FROM evaluations_contesttotal t
    USING unnest(contests, speakers, dimensions) AS k(contest_id, speaker_id, dimension)
    WHERE t.contest_id = k.contest_id AND t.speaker_id = k.speaker_id AND t.dimension = k.dimension;
  INSERT INTO evaluations_contesttotal (contest_id, speaker_id, dimension, n, total)
    SELECT s.contest_id, s.speaker_id, s.dimension, COUNT(*), SUM(s.value)
    FROM unnest(contests, speakers, dimensions) AS k(contest_id, speaker_id, dimension)
    JOIN evaluations_contestscore s ON s.contest_id = k.contest_id AND s.speaker_id = k.speaker_id
                                   AND s.dimension = k.dimension
    GROUP BY s.contest_id, s.speaker_id, s.dimension;
END $$;
"""
REFRESH_FUNCTIONS = ["evaluations_score_totals_refresh(bigint[], bigint[], text[], integer[])",
                     "evaluations_contest_totals_refresh(bigint[], bigint[], integer[])"]

# Each table's refresh function and the columns of its key with their SQL types.
KEYS = {
    SCORE_TABLE: ("evaluations_score_totals_refresh", [("period_id", "bigint"), ("participant_id", "bigint"),
                                                       ("channel", "text"), ("dimension", "integer")]),
    CONTEST_TABLE: ("evaluations_contest_totals_refresh",
                    [("contest_id", "bigint"), ("speaker_id", "bigint"), ("dimension", "integer")]),
}
# Each event's transition tables, and the changed keys read from them.
CHANGED = {
    "INSERT": ("NEW TABLE AS new_rows", "SELECT DISTINCT {keys} FROM new_rows"),
    "DELETE": ("OLD TABLE AS old_rows", "SELECT DISTINCT {keys} FROM old_rows"),
    "UPDATE": ("OLD TABLE AS old_rows NEW TABLE AS new_rows",
               "SELECT {keys} FROM old_rows UNION SELECT {keys} FROM new_rows"),
}


def _postgres_trigger(table, event):
    """The trigger (and its function, of the same name) that hands the statement's changed keys to the refresh."""
    name = trigger_name(table, event)
    refresh, keys = KEYS[table]
    transition, changed = CHANGED[event]
    arrays = ", ".join(f"k_{column}" for column, _type in keys)
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE {" ".join(f"k_{column} {kind}[];" for column, kind in keys)}
BEGIN
  SELECT {", ".join(f"array_agg({column})" for column, _type in keys)} INTO {arrays}
    FROM ({changed.format(keys=", ".join(column for column, _type in keys))}) k;
  PERFORM {refresh}({arrays});
  RETURN NULL;
END $$;
CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {transition}
  FOR EACH STATEMENT EXECUTE FUNCTION {name}();
"""


POSTGRES_SQL = POSTGRES_REFRESH + "".join(_postgres_trigger(table, event) for table in KEYS for event in EVENTS)
POSTGRES_REVERSE = "".join(
    f"DROP TRIGGER IF EXISTS {trigger_name(table, event)} ON {table};\n"
    f"DROP FUNCTION IF EXISTS {trigger_name(table, event)}();\n" for table in KEYS for event in EVENTS
) + "".join(f"DROP FUNCTION IF EXISTS {function};\n" for function in REFRESH_FUNCTIONS)

# SQLite: per row, the totals of the row's (person, channel, dimension) — before and after an update.
SCORE_KEY = "participant_id = {row}.participant_id AND channel = {row}.channel AND dimension = {row}.dimension"
SCORE_REFRESH = """
  DELETE FROM evaluations_scoretotal WHERE {key};
  INSERT INTO evaluations_scoretotal (period_id, participant_id, channel, dimension, n, total, high, low)
    SELECT period_id, participant_id, channel, dimension, COUNT(*), SUM(value), MAX(value), MIN(value)
    FROM evaluations_score WHERE {key} GROUP BY period_id, participant_id, channel, dimension;"""
CONTEST_KEY = "contest_id = {row}.contest_id AND speaker_id = {row}.speaker_id AND dimension = {row}.dimension"
CONTEST_REFRESH = """
  DELETE FROM evaluations_contesttotal WHERE {key};
  INSERT INTO evaluations_contesttotal (contest_id, speaker_id, dimension, n, total)
    SELECT contest_id, speaker_id, dimension, COUNT(*), SUM(value)
    FROM evaluations_contestscore WHERE {key} GROUP BY contest_id, speaker_id, dimension;"""
SQLITE_TRIGGERS = [
    (trigger_name(table, event), event, table, "".join(
        refresh.format(key=key.format(row=row)) for row in rows))
    for table, key, refresh in ((SCORE_TABLE, SCORE_KEY, SCORE_REFRESH), (CONTEST_TABLE, CONTEST_KEY, CONTEST_REFRESH))
    for event, rows in (("INSERT", ["NEW"]), ("DELETE", ["OLD"]), ("UPDATE", ["OLD", "NEW"]))
]

REBUILD_SQL = [
    "DELETE FROM evaluations_scoretotal",
    """INSERT INTO evaluations_scoretotal (period_id, participant_id, channel, dimension, n, total, high, low)
       SELECT period_id, participant_id, channel, dimension, COUNT(*), SUM(value), MAX(value), MIN(value)
       FROM evaluations_score GROUP BY period_id, participant_id, channel, dimension""",
    "DELETE FROM evaluations_contesttotal",
    """INSERT INTO evaluations_contesttotal (contest_id, speaker_id, dimension, n, total)
       SELECT contest_id, speaker_id, dimension, COUNT(*), SUM(value)
       FROM evaluations_contestscore GROUP BY contest_id, speaker_id, dimension""",
]


def install(cursor, vendor):
    """Create (or replace) the functions and the six triggers."""
    if vendor == "postgresql":
        cursor.execute(POSTGRES_REVERSE)
        cursor.execute(POSTGRES_SQL)
    else:
        for name, event, table, body in SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {body}\nEND")


def uninstall(cursor, vendor):
    if vendor == "postgresql":
        cursor.execute(POSTGRES_REVERSE)
    else:
        for name, _event, _table, _body in SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def rebuild(cursor):
    """Every total recomputed from the scores."""
    for sql in REBUILD_SQL:
        cursor.execute(sql)


def missing(cursor, vendor):
    """The names of the six triggers not in the database."""
    if vendor == "postgresql":
        cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname = ANY(%s)", [TRIGGERS])
    else:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    present = {row[0] for row in cursor.fetchall()}
    return [name for name in TRIGGERS if name not in present]


def ensure(connection):
    """Put back any missing trigger and recompute every total (the scores written meanwhile were not counted).
    Nothing when the totals' tables are not there (a database migrated back before 0013)."""
    if not set(TOTAL_TABLES) <= set(connection.introspection.table_names()):
        return []
    with connection.cursor() as cursor:
        gone = missing(cursor, connection.vendor)
        if gone:
            log.warning("score totals' triggers missing (%s): installed again, totals recomputed", ", ".join(gone))
            install(cursor, connection.vendor)
            rebuild(cursor)
    return gone


def ensure_after_migrate(sender, using="default", **kwargs):
    """post_migrate receiver (connected in apps.py)."""
    with transaction.atomic(using=using):
        ensure(connections[using])
