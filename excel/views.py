"""Upload → preview → confirm → result, the same for every kind of import (the work is in excel.services).

The uploaded file stays in the database (ImportUpload) between preview and confirm and expires after
IMPORT_PENDING_HOURS. Confirming reads it again and re-checks every row against the database as it is then,
so a preview that has gone stale can never write stale data.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

import jobs
from jobs.models import Job

from . import services
from .models import ImportRecord
from .registry import IMPORTERS
from .writer import SheetSpec, xlsx_response

PROBLEMS_PER_PAGE = 50


def importer_class(kind, user):
    cls = IMPORTERS.get(kind)
    if cls is None:
        raise Http404("没有这种导入。")
    if not cls.may_import(user):
        raise PermissionDenied("您的角色不能导入此类数据。")
    return cls


@require_http_methods(["GET", "POST"])
@login_required
def import_start(request, kind):
    cls = importer_class(kind, request.user)
    options = cls.options_from_request(request)
    shown = cls.start_context(request.user, options)
    if request.method == "POST" and "option_choices" in shown:
        messages.error(request, f"请先选择{shown['option_choices']['label']}。")
    elif request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "请选择要上传的文件。")
        elif upload.size > settings.IMPORT_MAX_BYTES:
            messages.error(request, f"文件过大：上限为 {settings.IMPORT_MAX_BYTES // (1024 * 1024)} MB。")
        else:
            record = services.import_preview(importer_class=cls, user=request.user, data=upload.read(),
                                             filename=upload.name, options=options)
            return redirect(record)
    recent = ImportRecord.objects.for_user(request.user).filter(kind=kind).select_related("user")[:10]
    return render(request, "excel/import_start.html", {"importer": cls, "recent": recent, **shown,
                                                        "query": request.GET.urlencode(),
                                                        "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)})


@require_GET
@login_required
def import_detail(request, pk):
    record = get_object_or_404(ImportRecord.objects.for_user(request.user), pk=pk)
    cls = importer_class(record.kind, request.user)
    page = Paginator(record.problems, PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "excel/import_detail.html", {
        "record": record, "importer": cls, "problems": page,
        "samples": [(label, record.samples.get(kind, []), record.counts.get(kind, 0))
                    for kind, label in (("new", "新增"), ("updated", "更新"), ("unchanged", "无变化"))],
        "may_confirm": record.status == ImportRecord.Status.PENDING and not record.is_expired
        and not record.problems and record.counts.get("rows"),
        "unknown_units": any("尚未登记" in note for note in record.notes),
        "job": Job.objects.filter(key=f"import:{record.pk}").only(
            "pk", "state", "progress", "error", "created_by_id").first(),
    })


@require_POST
@login_required
def import_confirm(request, pk):
    record = get_object_or_404(ImportRecord.objects.for_user(request.user), pk=pk)
    cls = importer_class(record.kind, request.user)
    rows = record.counts.get("rows", 0)
    region = record.region or request.user.region
    if (rows > settings.IMPORT_JOB_MIN_ROWS and region is not None and not record.problems
            and record.status == ImportRecord.Status.PENDING and not record.is_expired):
        # Large: written by the task worker; the job's page shows the progress and leads back here when done.
        # The key makes a double click (or a second person) join the job already queued.
        job = jobs.start(kind="import", user=request.user, region=region, task="excel.services.import_confirm_job",
                         title=f"导入{cls.title}（{rows:,} 行）", key=f"import:{record.pk}",
                         link=record.get_absolute_url(), rerun_if_lost=True, import_id=record.pk,
                         user_id=request.user.pk)
        if job.created_by_id != request.user.pk:  # a colleague's job is theirs to follow; this page shows the end
            messages.info(request, "该导入已由他人确认，正在后台处理，完成后本页显示结果。")
            return redirect(record)
        return redirect(job)
    outcome = services.import_confirm(import_id=record.pk, user_id=request.user.pk, request=request)
    (messages.success if outcome.written else messages.error)(request, outcome.message)
    return redirect(record)


@require_POST
@login_required
def import_replan(request, pk):
    """Check the stored file again, e.g. after choosing to create the unknown units."""
    record = get_object_or_404(ImportRecord.objects.for_user(request.user), pk=pk)
    importer_class(record.kind, request.user)
    outcome = services.import_replan(import_id=record.pk, user_id=request.user.pk,
                                     options={"create_units": bool(request.POST.get("create_units"))})
    if outcome.message != "已重新检查。":
        messages.error(request, outcome.message)
    return redirect(record)


@require_GET
@login_required
def import_errors(request, pk):
    record = get_object_or_404(ImportRecord.objects.for_user(request.user), pk=pk)
    importer_class(record.kind, request.user)  # the same role check as the preview page
    rows = ([row or "", column, reason] for row, column, reason in record.problems)
    return xlsx_response(f"导入错误-{record.file_name.rsplit('.', 1)[0]}.xlsx", [
        SheetSpec("错误清单", ["行号", "列名", "错误原因"], rows, widths={0: 8, 1: 16, 2: 80}),
    ])


@require_GET
@login_required
def import_template(request, kind):
    cls = importer_class(kind, request.user)
    return xlsx_response(f"{cls.title}导入模板.xlsx",
                         cls.template_sheets(request.user, **cls.options_from_request(request)))
