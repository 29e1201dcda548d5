"""Drop the varchar_pattern_ops ("_like") indexes PostgreSQL's schema editor adds beside every indexed varchar:
the keyed hashes of 身份证号 and phones are only ever compared for equality (a LIKE on an HMAC means nothing),
which the unique index on id_number_hash and the plain index on phone_hash serve. Two indexes fewer to maintain
for every person written.

Django keeps these indexes out of the migration state, so dropping them changes no state (PostgreSQL only: SQLite
never had them). Should a later AlterField of either field make Django create them again,
tests/secretaries/test_hash_indexes.py says so.
"""

from django.db import migrations

LIKE_INDEXES = {
    "secretaries_secretary_id_number_hash_81f80a66_like": "id_number_hash",
    "secretaries_secretary_phone_hash_4eed331e_like": "phone_hash",
}


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in LIKE_INDEXES:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def recreate(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, column in LIKE_INDEXES.items():
            schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "secretaries_secretary" '
                                  f'("{column}" varchar_pattern_ops)')


class Migration(migrations.Migration):

    dependencies = [
        ("secretaries", "0003_list_order_indexes"),
    ]

    operations = [migrations.RunPython(drop, recreate)]
