"""The one task the worker runs for jobs; the job row says what to call."""

from django_tasks import task

from . import services


@task()
def run_job(job_id):
    services.job_run(job_id)
