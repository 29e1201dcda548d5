"""A backup restored keeps the score totals, and the restored database keeps them up to date (its triggers and
functions came back and work)."""

import sqlite3

import pytest
from django.db import connection

from evaluations import services
from evaluations.models import Channel
from operations import backup
from tests.evaluations.conftest import D, five, open_period, participant

from .test_backup import empty_target, media  # noqa: F401 — fixtures

pytestmark = pytest.mark.django_db(transaction=True)

TOTALS = "SELECT participant_id, channel, dimension, n, total, high, low FROM evaluations_scoretotal ORDER BY 1, 2, 3"
GROUPED = ("SELECT participant_id, channel, dimension, COUNT(*), SUM(value), MAX(value), MIN(value) "
           "FROM evaluations_score GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")


def run(db, sql, params=()):
    if connection.vendor == "sqlite":
        with sqlite3.connect(db["NAME"]) as conn:
            rows = conn.execute(sql, params).fetchall()
            conn.commit()
            return rows
    with backup._pg_connect(db) as conn:
        cursor = conn.execute(sql.replace("?", "%s"), params)
        return cursor.fetchall() if cursor.description else []


def test_a_restored_database_keeps_its_totals_and_its_triggers(world, scheme, media, empty_target, tmp_path):  # noqa: F811
    period = open_period(world, scheme)
    zhang, li = participant(period, world.sec_a), participant(period, world.sec_b)
    services.save_grid(period, Channel.ORG, {zhang: D(90, 85, 80, 88, 92), li: five(80)}, user=world.users.admin)
    folder, _manifest = backup.create_backup()
    backup.restore_backup(folder, db=empty_target, media_root=tmp_path / "restored-media")
    assert run(empty_target, TOTALS) == run(empty_target, GROUPED) != []
    run(empty_target, "INSERT INTO evaluations_score (period_id, participant_id, channel, dimension, value) "
                      "VALUES (?, ?, 'township', 1, 77)", (period.pk, li.pk))
    run(empty_target, "UPDATE evaluations_score SET value = 50 WHERE participant_id = ? AND channel = 'org' "
                      "AND dimension = 2", (zhang.pk,))
    totals = run(empty_target, TOTALS)
    assert totals == run(empty_target, GROUPED)
    assert len(totals) == 11
