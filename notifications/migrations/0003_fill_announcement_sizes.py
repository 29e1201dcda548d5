"""The announcements published before 0002: their size is their receipts (all written when they were published),
and the job that sent their messages, found by its key, is linked. Apart from 0002, whose FK index is created at
the end of its transaction, which PostgreSQL refuses while rows it just updated still have FK checks pending."""

from django.db import migrations
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def fill_existing(apps, schema_editor):
    Announcement = apps.get_model("notifications", "Announcement")
    Receipt = apps.get_model("notifications", "Receipt")
    Job = apps.get_model("jobs", "Job")
    receipts = (Receipt.objects.filter(announcement=OuterRef("pk")).order_by().values("announcement")
                .annotate(n=Count("pk")).values("n"))
    Announcement.objects.update(audience_size=Coalesce(Subquery(receipts), 0))
    for job_id, key in Job.objects.filter(key__regex=r"^announcement:[0-9]+$").order_by("pk").values_list("pk", "key"):
        Announcement.objects.filter(pk=int(key.split(":", 1)[1])).update(send_job=job_id)


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0002_announcement_send_job'),
    ]

    operations = [
        migrations.RunPython(fill_existing, migrations.RunPython.noop),
    ]
