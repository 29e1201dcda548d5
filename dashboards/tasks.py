"""The dashboard's maintained totals are refreshed on the task engine (queued by a view that found them old)."""

from django_tasks import task

from . import summary


@task()
def refresh_area_figures(region_id, role):
    summary.refresh(region_id, role)
