"""Drop the audit log's index on content_type_id alone: the (content_type_id, object_id) index serves every lookup by
type alone as well (its leading column), including the PROTECT check when a content type is deleted. One index
fewer to maintain for every audit row written (a roster import writes one per person).

Only the index goes. AlterField would have SQLite remake the table (losing its append-only triggers) and
PostgreSQL drop and re-add the foreign key (re-checking every audit row), so the state changes alone and the
database drops the index by name (the name Django gave it in 0001; IF EXISTS on both databases).
"""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "accounts_auditlog_content_type_id_aa47c0e3"


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_sec_password_otp"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditlog",
                    name="content_type",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            to="contenttypes.contenttype", verbose_name="对象类型"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "accounts_auditlog" ("content_type_id")',
                ),
            ],
        ),
    ]
