"""Totals of the scores and of the judges' scores, kept by the database.

`ScoreTotal` is, at every moment, the GROUP BY (person, channel, dimension) of the scores — count, sum, highest,
lowest — and `ContestTotal` the GROUP BY (contest, speaker, dimension) of the judges' scores: triggers recompute
the totals of the people touched by every statement that inserts, updates or deletes such scores, whoever sends
it (a grid, a sheet, a peer meeting, an appeal, a cascade, COPY). The computation of a period reads the totals
(a province: 400,000 rows) instead of the scores (1.7 million).

On PostgreSQL one trigger per statement (with its changed rows as a transition table) first takes the period's
row, as the application's own score writers do (`_lock_for_scoring`), so two writers of a period take turns and
each recomputation sees what the other committed. SQLite has one writer at a time; its triggers are per row.
"""

import django.db.models.deletion
from django.db import migrations, models

# The totals of the given keys (parallel arrays: one (period, person, channel, dimension) per position) recomputed
# from the scores, once the periods' rows are held.
POSTGRES_SQL = r"""
CREATE FUNCTION evaluations_score_totals_refresh(periods bigint[], people bigint[], channels text[],
                                                 dimensions integer[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM evaluations_period WHERE id = ANY(periods) ORDER BY id FOR NO KEY UPDATE;
  DELETE FROM evaluations_scoretotal t USING unnest(people, channels, dimensions) AS k(participant_id, channel, dimension)
    WHERE t.participant_id = k.participant_id AND t.channel = k.channel AND t.dimension = k.dimension;
  INSERT INTO evaluations_scoretotal (period_id, participant_id, channel, dimension, n, total, high, low)
    SELECT s.period_id, s.participant_id, s.channel, s.dimension, COUNT(*), SUM(s.value), MAX(s.value), MIN(s.value)
    FROM unnest(periods, people, channels, dimensions) AS k(period_id, participant_id, channel, dimension)
    JOIN evaluations_score s ON s.period_id = k.period_id AND s.participant_id = k.participant_id
                            AND s.channel = k.channel AND s.dimension = k.dimension
    GROUP BY s.period_id, s.participant_id, s.channel, s.dimension;
END $$;

CREATE FUNCTION evaluations_score_totals_new() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE periods bigint[]; people bigint[]; channels text[]; dimensions integer[];
BEGIN
  SELECT array_agg(period_id), array_agg(participant_id), array_agg(channel), array_agg(dimension)
    INTO periods, people, channels, dimensions
    FROM (SELECT DISTINCT period_id, participant_id, channel, dimension FROM new_rows) k;
  PERFORM evaluations_score_totals_refresh(periods, people, channels, dimensions);
  RETURN NULL;
END $$;

CREATE FUNCTION evaluations_score_totals_old() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE periods bigint[]; people bigint[]; channels text[]; dimensions integer[];
BEGIN
  SELECT array_agg(period_id), array_agg(participant_id), array_agg(channel), array_agg(dimension)
    INTO periods, people, channels, dimensions
    FROM (SELECT DISTINCT period_id, participant_id, channel, dimension FROM old_rows) k;
  PERFORM evaluations_score_totals_refresh(periods, people, channels, dimensions);
  RETURN NULL;
END $$;

CREATE FUNCTION evaluations_score_totals_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE periods bigint[]; people bigint[]; channels text[]; dimensions integer[];
BEGIN
  SELECT array_agg(period_id), array_agg(participant_id), array_agg(channel), array_agg(dimension)
    INTO periods, people, channels, dimensions
    FROM (SELECT period_id, participant_id, channel, dimension FROM old_rows
          UNION SELECT period_id, participant_id, channel, dimension FROM new_rows) k;
  PERFORM evaluations_score_totals_refresh(periods, people, channels, dimensions);
  RETURN NULL;
END $$;

CREATE TRIGGER evaluations_score_totals_insert AFTER INSERT ON evaluations_score
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION evaluations_score_totals_new();
CREATE TRIGGER evaluations_score_totals_delete AFTER DELETE ON evaluations_score
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION evaluations_score_totals_old();
CREATE TRIGGER evaluations_score_totals_update AFTER UPDATE ON evaluations_score
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION evaluations_score_totals_changed();

CREATE FUNCTION evaluations_contest_totals_refresh(contests bigint[], speakers bigint[], dimensions integer[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM evaluations_period
    WHERE id IN (SELECT period_id FROM evaluations_contest WHERE id = ANY(contests)) ORDER BY id FOR NO KEY UPDATE;
  DELETE FROM evaluations_contesttotal t USING unnest(contests, speakers, dimensions) AS k(contest_id, speaker_id, dimension)
    WHERE t.contest_id = k.contest_id AND t.speaker_id = k.speaker_id AND t.dimension = k.dimension;
  INSERT INTO evaluations_contesttotal (contest_id, speaker_id, dimension, n, total)
    SELECT s.contest_id, s.speaker_id, s.dimension, COUNT(*), SUM(s.value)
    FROM unnest(contests, speakers, dimensions) AS k(contest_id, speaker_id, dimension)
    JOIN evaluations_contestscore s ON s.contest_id = k.contest_id AND s.speaker_id = k.speaker_id
                                   AND s.dimension = k.dimension
    GROUP BY s.contest_id, s.speaker_id, s.dimension;
END $$;

CREATE FUNCTION evaluations_contest_totals_new() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE contests bigint[]; speakers bigint[]; dimensions integer[];
BEGIN
  SELECT array_agg(contest_id), array_agg(speaker_id), array_agg(dimension) INTO contests, speakers, dimensions
    FROM (SELECT DISTINCT contest_id, speaker_id, dimension FROM new_rows) k;
  PERFORM evaluations_contest_totals_refresh(contests, speakers, dimensions);
  RETURN NULL;
END $$;

CREATE FUNCTION evaluations_contest_totals_old() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE contests bigint[]; speakers bigint[]; dimensions integer[];
BEGIN
  SELECT array_agg(contest_id), array_agg(speaker_id), array_agg(dimension) INTO contests, speakers, dimensions
    FROM (SELECT DISTINCT contest_id, speaker_id, dimension FROM old_rows) k;
  PERFORM evaluations_contest_totals_refresh(contests, speakers, dimensions);
  RETURN NULL;
END $$;

CREATE FUNCTION evaluations_contest_totals_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE contests bigint[]; speakers bigint[]; dimensions integer[];
BEGIN
  SELECT array_agg(contest_id), array_agg(speaker_id), array_agg(dimension) INTO contests, speakers, dimensions
    FROM (SELECT contest_id, speaker_id, dimension FROM old_rows
          UNION SELECT contest_id, speaker_id, dimension FROM new_rows) k;
  PERFORM evaluations_contest_totals_refresh(contests, speakers, dimensions);
  RETURN NULL;
END $$;

CREATE TRIGGER evaluations_contest_totals_insert AFTER INSERT ON evaluations_contestscore
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION evaluations_contest_totals_new();
CREATE TRIGGER evaluations_contest_totals_delete AFTER DELETE ON evaluations_contestscore
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION evaluations_contest_totals_old();
CREATE TRIGGER evaluations_contest_totals_update AFTER UPDATE ON evaluations_contestscore
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION evaluations_contest_totals_changed();
"""

POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS evaluations_score_totals_insert ON evaluations_score;
DROP TRIGGER IF EXISTS evaluations_score_totals_delete ON evaluations_score;
DROP TRIGGER IF EXISTS evaluations_score_totals_update ON evaluations_score;
DROP FUNCTION IF EXISTS evaluations_score_totals_new();
DROP FUNCTION IF EXISTS evaluations_score_totals_old();
DROP FUNCTION IF EXISTS evaluations_score_totals_changed();
DROP FUNCTION IF EXISTS evaluations_score_totals_refresh(bigint[], bigint[], text[], integer[]);
DROP TRIGGER IF EXISTS evaluations_contest_totals_insert ON evaluations_contestscore;
DROP TRIGGER IF EXISTS evaluations_contest_totals_delete ON evaluations_contestscore;
DROP TRIGGER IF EXISTS evaluations_contest_totals_update ON evaluations_contestscore;
DROP FUNCTION IF EXISTS evaluations_contest_totals_new();
DROP FUNCTION IF EXISTS evaluations_contest_totals_old();
DROP FUNCTION IF EXISTS evaluations_contest_totals_changed();
DROP FUNCTION IF EXISTS evaluations_contest_totals_refresh(bigint[], bigint[], integer[]);
"""

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
    (f"{table}_totals_{event.lower()}", event, table, "".join(
        refresh.format(key=key.format(row=row)) for row in rows))
    for table, key, refresh in (("evaluations_score", SCORE_KEY, SCORE_REFRESH),
                                ("evaluations_contestscore", CONTEST_KEY, CONTEST_REFRESH))
    for event, rows in (("INSERT", ["NEW"]), ("DELETE", ["OLD"]), ("UPDATE", ["OLD", "NEW"]))
]

FILL_SQL = [
    """INSERT INTO evaluations_scoretotal (period_id, participant_id, channel, dimension, n, total, high, low)
       SELECT period_id, participant_id, channel, dimension, COUNT(*), SUM(value), MAX(value), MIN(value)
       FROM evaluations_score GROUP BY period_id, participant_id, channel, dimension""",
    """INSERT INTO evaluations_contesttotal (contest_id, speaker_id, dimension, n, total)
       SELECT contest_id, speaker_id, dimension, COUNT(*), SUM(value)
       FROM evaluations_contestscore GROUP BY contest_id, speaker_id, dimension""",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_SQL)
    else:
        for name, event, table, body in SQLITE_TRIGGERS:
            schema_editor.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {body}\nEND")
    for sql in FILL_SQL:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE)
    else:
        for name, _event, _table, _body in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ('evaluations', '0012_point_event_fewer_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='ContestTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('dimension', models.PositiveSmallIntegerField()),
                ('n', models.PositiveIntegerField()),
                ('total', models.DecimalField(decimal_places=2, max_digits=12)),
                ('contest', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='evaluations.contest')),
                ('speaker', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='evaluations.participant')),
            ],
            options={
                'verbose_name': '比武评分汇总',
                'verbose_name_plural': '比武评分汇总',
                'constraints': [models.UniqueConstraint(fields=('contest', 'speaker', 'dimension'), name='contest_total_unique')],
            },
        ),
        migrations.CreateModel(
            name='ScoreTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('channel', models.CharField(max_length=10)),
                ('dimension', models.PositiveSmallIntegerField()),
                ('n', models.PositiveIntegerField()),
                ('total', models.DecimalField(decimal_places=2, max_digits=12)),
                ('high', models.DecimalField(decimal_places=2, max_digits=5)),
                ('low', models.DecimalField(decimal_places=2, max_digits=5)),
                ('participant', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='evaluations.participant')),
                ('period', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='evaluations.period')),
            ],
            options={
                'verbose_name': '评分汇总',
                'verbose_name_plural': '评分汇总',
                'indexes': [models.Index(fields=['period', 'participant', 'dimension', 'channel'], include=('n', 'total', 'high', 'low'), name='score_total_period')],
                'constraints': [models.UniqueConstraint(fields=('participant', 'channel', 'dimension'), name='score_total_unique')],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
