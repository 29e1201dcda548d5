"""Each person's dimension scores get columns of the person's row (filled from DimensionResult by 0010, which
0011 then drops): five rows per person and period — a province's 100,000 at every computation, each with its
index entries — become values written by the same statement that writes the composite and ranks.

Computing a period rewrites each of its participants' rows once. With room left on each page when the roster is
written (fillfactor), PostgreSQL writes the new version beside the old one and touches no index — a HOT update,
possible because no computed column is indexed any more (the township index no longer holds rank_township; the
period is looked up through participant_unique). Other databases have no such setting.

Three migrations, because PostgreSQL will not alter a table in the transaction that has just updated its rows.
"""

import django.db.models.deletion
from django.db import migrations, models

MAX_DIMENSIONS = 10
# A roster row takes about 110 bytes and about 250 once computed: at 30 % full, every row of a page gets its
# computed version on the same page.
FILLFACTOR = 30


def leave_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE evaluations_participant SET (fillfactor = {FILLFACTOR})")


def fill_pages(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE evaluations_participant RESET (fillfactor)")


def dimension_field(position):
    return models.DecimalField(blank=True, decimal_places=10, max_digits=14, null=True,
                               verbose_name=f"维度{position}得分")


class Migration(migrations.Migration):

    dependencies = [
        ('alliances', '0003_merge_units_field'),
        ('evaluations', '0008_training'),
        ('secretaries', '0003_list_order_indexes'),
        ('villages', '0002_coordinates'),
    ]

    operations = [
        *(migrations.AddField(model_name='participant', name=f'dimension_{position}', field=dimension_field(position))
          for position in range(1, MAX_DIMENSIONS + 1)),
        migrations.RemoveIndex(
            model_name='participant',
            name='participant_township_rank',
        ),
        migrations.AlterField(
            model_name='participant',
            name='period',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                    related_name='participants', to='evaluations.period', verbose_name='考评周期'),
        ),
        migrations.AddIndex(
            model_name='participant',
            index=models.Index(fields=['period', 'township'], name='participant_period_township'),
        ),
        migrations.RunPython(leave_room, fill_pages),
    ]
