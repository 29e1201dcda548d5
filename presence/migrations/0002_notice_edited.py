from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("presence", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="notice",
            name="edited",
            field=models.BooleanField(default=False, editable=False, verbose_name="已人工修改"),
        ),
    ]
