"""Totals of the scores and of the judges' scores, kept by the database (ScoreTotal, ContestTotal).

The triggers that keep them are defined in evaluations/totals.py, so that `migrate` can put them back when a later
migration drops them (SQLite remakes a table to alter it); the totals of the scores already there are computed here.
"""

import django.db.models.deletion
from django.db import migrations, models

from evaluations import totals


def forwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        totals.install(cursor, schema_editor.connection.vendor)
        totals.rebuild(cursor)  # the scores already there


def backwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        totals.uninstall(cursor, schema_editor.connection.vendor)


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
