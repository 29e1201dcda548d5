"""The indexes a write maintains: no LIKE (varchar_pattern_ops) index on the keyed hashes, no audit index that
another covers (migrations secretaries 0004, accounts 0005) -- and the look-ups they served still use an index."""

import pytest
from django.db import connection

from accounts.models import AuditLog
from secretaries.models import Secretary

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own indexes")


def index_columns(table):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [tuple(c["columns"]) for c in constraints.values() if c["index"] or c["unique"]]


def pg_indexes(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return dict(cursor.fetchall())


def plan(queryset):
    """The plan PostgreSQL would use with sequential scans ruled out (a test table is too small to want an index)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        text = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
    return text


def test_the_audit_log_keeps_one_index_leading_with_its_content_type():
    columns = index_columns(AuditLog._meta.db_table)
    assert ("content_type_id", "object_id") in columns
    assert ("content_type_id",) not in columns


@postgresql_only
def test_the_hashes_have_no_like_index_and_keep_their_equality_indexes():
    indexes = pg_indexes(Secretary._meta.db_table)
    assert not [name for name, definition in indexes.items() if "pattern_ops" in definition]
    assert any("UNIQUE" in d and "(id_number_hash)" in d for d in indexes.values())
    assert any("UNIQUE" not in d and "(phone_hash)" in d for d in indexes.values())


@postgresql_only
def test_lookups_by_number_phone_and_content_type_still_use_an_index(world):
    by_number = plan(Secretary.objects.filter(id_number="370828198503141236"))
    assert "Index Scan" in by_number and "id_number_hash" in by_number and "_uniq" in by_number
    by_phone = plan(Secretary.objects.filter(phone="13800000000"))
    assert "phone_hash" in by_phone and "Index" in by_phone
    by_type = plan(AuditLog.objects.filter(content_type_id=1))
    assert "accounts_au_content_659137_idx" in by_type


def test_an_id_number_is_still_found_through_its_hash(world):
    person = Secretary.objects.exclude(id_number="").first()
    assert Secretary.objects.get(id_number=person.id_number) == person


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_analyze_leaves_out_the_ciphertext_and_keeps_the_hashes(world):
    with connection.cursor() as cursor:
        cursor.execute("SELECT attname, attstattarget FROM pg_attribute "
                       "WHERE attrelid = 'secretaries_secretary'::regclass "
                       "AND attname IN ('id_number', 'phone', 'id_number_hash', 'phone_hash')")
        targets = dict(cursor.fetchall())
        cursor.execute("ANALYZE secretaries_secretary")
        cursor.execute("SELECT attname FROM pg_stats WHERE tablename = 'secretaries_secretary'")
        with_statistics = {name for (name,) in cursor.fetchall()}
    assert targets["id_number"] == targets["phone"] == 0
    assert targets["id_number_hash"] in (-1, None) and targets["phone_hash"] in (-1, None)  # the default (≥ 17: NULL)
    assert {"id_number_hash", "phone_hash", "region_id", "unit_id"} <= with_statistics
