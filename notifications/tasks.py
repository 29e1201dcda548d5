"""Deliveries run on the task engine: one task per message and channel, retried with back-off by re-queueing."""

from django_tasks import task

from . import services


@task()
def deliver(delivery_id):
    services.deliver_now(delivery_id)
