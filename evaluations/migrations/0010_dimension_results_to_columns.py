"""The results already computed move onto the participants' columns (nothing recomputed); unapplied, they
return as rows."""

from django.db import migrations
from django.db.models import OuterRef, Subquery

MAX_DIMENSIONS = 10


def to_columns(apps, schema_editor):
    Participant = apps.get_model("evaluations", "Participant")
    DimensionResult = apps.get_model("evaluations", "DimensionResult")
    for position in range(1, MAX_DIMENSIONS + 1):
        results = DimensionResult.objects.filter(position=position)
        score = Subquery(results.filter(participant=OuterRef("pk")).values("score")[:1])
        Participant.objects.filter(pk__in=results.values("participant")).update(**{f"dimension_{position}": score})


def to_rows(apps, schema_editor):
    Participant = apps.get_model("evaluations", "Participant")
    DimensionResult = apps.get_model("evaluations", "DimensionResult")
    for position in range(1, MAX_DIMENSIONS + 1):
        column = f"dimension_{position}"
        schema_editor.execute(
            f"INSERT INTO {DimensionResult._meta.db_table} (participant_id, period_id, position, score) "
            f"SELECT id, period_id, {position}, {column} FROM {Participant._meta.db_table} WHERE {column} IS NOT NULL")


class Migration(migrations.Migration):

    dependencies = [('evaluations', '0009_dimension_columns')]

    operations = [migrations.RunPython(to_columns, to_rows)]
