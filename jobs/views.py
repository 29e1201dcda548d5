"""A person's background jobs: the list, one job's page (polling its progress), its state as JSON, its result."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from . import services
from .models import Job, JobFile

LIST_LIMIT = 50


@require_GET
@login_required
def job_list(request):
    jobs = Job.objects.mine(request.user).select_related("file").defer("file__data", "args")[:LIST_LIMIT]
    return render(request, "jobs/job_list.html", {"jobs": jobs, "limit": LIST_LIMIT})


def _job(request, pk):
    """The person's job; one that has lost its worker (no heartbeat for minutes) is failed or requeued first, so
    its page stops saying 进行中 and offers the next step."""
    jobs = Job.objects.mine(request.user).select_related("file").defer("file__data")
    job = get_object_or_404(jobs, pk=pk)
    if services.recover_if_lost(job):
        job = get_object_or_404(jobs, pk=pk)
    return job


def _has_file(job):
    try:
        return job.file is not None
    except JobFile.DoesNotExist:
        return False


@require_GET
@login_required
def job_detail(request, pk):
    job = _job(request, pk)
    return render(request, "jobs/job_detail.html", {"job": job, "has_file": _has_file(job)})


@require_GET
@login_required
def job_status(request, pk):
    job = _job(request, pk)
    return JsonResponse({
        "state": job.state, "state_label": job.get_state_display(), "progress": job.progress,
        "message": job.message, "error": job.error, "finished": job.is_finished, "link": job.link,
        "download": reverse("jobs:job_download", args=[job.pk]) if _has_file(job) else "",
    })


@require_GET
@login_required
def job_download(request, pk):
    job = get_object_or_404(Job.objects.mine(request.user), pk=pk, state=Job.State.DONE)
    result = get_object_or_404(JobFile, job=job)
    response = HttpResponse(bytes(result.data), content_type=result.content_type)
    response["Content-Disposition"] = content_disposition_header(True, result.name)
    return response
