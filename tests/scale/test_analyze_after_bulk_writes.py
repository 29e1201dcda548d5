"""Bulk writers analyse what they filled (PostgreSQL): after a large import or seed, pg_stat_user_tables shows a
fresh ANALYZE of the tables written, so the next page is planned with statistics that know the new rows."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import AuditLog
from demo.seed import seed
from excel.pipeline import insert_rows
from secretaries.services import AUDIT_COLUMNS

postgresql_only = pytest.mark.skipif("connection.vendor != 'postgresql'",
                                     reason="ANALYZE and pg_stat_user_tables exist on PostgreSQL only")


def analysed(table):
    """(last_analyze is set, rows modified since it) for the table, read fresh from the statistics."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT last_analyze IS NOT NULL, n_mod_since_analyze FROM pg_stat_user_tables "
                       "WHERE relname = %s", [table])
        return cursor.fetchone()


def audit_rows(n):
    kind = ContentType.objects.get_for_model(AuditLog).pk
    now = timezone.now()
    return [(now, None, None, AuditLog.Action.CREATE, kind, str(i), f"行 {i}", {}, None) for i in range(n)]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_large_bulk_insert_is_analysed_when_its_transaction_commits(settings):
    settings.ANALYZE_MIN_ROWS = 1000
    with transaction.atomic():
        insert_rows(AuditLog, AUDIT_COLUMNS, audit_rows(1500))
    # (Earlier tests in the same database may have left the table's counters anywhere: judge after the commit.)
    is_analysed, modified_since = analysed("accounts_auditlog")
    assert is_analysed
    assert modified_since == 0


@postgresql_only
@pytest.mark.django_db
def test_a_small_insert_leaves_the_statistics_to_autovacuum(settings, django_capture_on_commit_callbacks):
    settings.ANALYZE_MIN_ROWS = 1000
    with django_capture_on_commit_callbacks() as small:
        insert_rows(AuditLog, AUDIT_COLUMNS, audit_rows(10))
    with django_capture_on_commit_callbacks() as large:
        insert_rows(AuditLog, AUDIT_COLUMNS, audit_rows(1000))
    assert (len(small), len(large)) == (0, 1)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_seed_demo_analyses_the_tables_it_filled():
    seed(seed=2024, scale="county", log=lambda line: None)
    for table in ("villages_region", "villages_village", "secretaries_secretary", "secretaries_assignment",
                  "evaluations_score", "worklogs_worklog"):
        is_analysed, modified_since = analysed(table)
        assert is_analysed, table
        assert modified_since == 0, table
