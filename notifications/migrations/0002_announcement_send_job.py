"""An announcement records how many people it was sent to and, for a large audience, the job that writes its
receipts and messages (0003 fills both in for the announcements already published)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0003_job_heartbeat'),
        ('notifications', '0001_reach_notifications'),
    ]

    operations = [
        migrations.AddField(
            model_name='announcement',
            name='audience_size',
            field=models.PositiveIntegerField(default=0, help_text='发布时确定的接收人数。', verbose_name='接收人数'),
        ),
        migrations.AddField(
            model_name='announcement',
            name='send_job',
            field=models.ForeignKey(blank=True, help_text='接收人较多时由后台任务写入回执并发送站内消息。', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='jobs.job', verbose_name='发送任务'),
        ),
    ]
