from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [('evaluations', '0010_dimension_results_to_columns')]

    operations = [migrations.DeleteModel(name='DimensionResult')]
