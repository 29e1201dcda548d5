"""Upload → preview → confirm → result, the same for every kind of import.

The uploaded file stays on the server (ImportRecord.file) between preview and confirm and expires after
IMPORT_PENDING_HOURS. Confirming reads it again and re-checks every row against the database as it is then,
so a preview that has gone stale can never write stale data.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .models import ImportRecord
from .pipeline import sha256
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
            record = preview(request, cls, upload.read(), upload.name, **options)
            return redirect(record)
    recent = ImportRecord.objects.for_user(request.user).filter(kind=kind).select_related("user")[:10]
    return render(request, "excel/import_start.html", {"importer": cls, "recent": recent, **shown,
                                                        "query": request.GET.urlencode(),
                                                        "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)})


def preview(request, cls, data, filename, **options):
    """Check every row and keep the file and the verdict; write nothing."""
    expire_stale_files()
    plan = cls(request.user, **options).run(data, filename, commit=False)
    record = ImportRecord(kind=cls.kind, user=request.user, region=request.user.region, file_name=filename[:255],
                          file_sha256=sha256(data), file_size=len(data), options=options,
                          expires_at=ImportRecord.expiry_from_now())
    keep(record, plan)
    if plan.rows:  # a file refused as a whole is not kept
        record.file.save("upload.bin", ContentFile(data), save=False)
    record.save()
    return record


def keep(record, plan):
    record.counts, record.samples, record.notes = plan.counts, plan.samples(), plan.notes
    record.problems = [p.as_list() for p in plan.problems]


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
    })


def pending_record(request, pk):
    record = get_object_or_404(ImportRecord.objects.for_user(request.user), pk=pk)
    cls = importer_class(record.kind, request.user)
    if record.status != ImportRecord.Status.PENDING:
        messages.error(request, "该导入已经处理过，不能再次确认。")
        return record, cls, None
    if record.is_expired or not record.file:
        expire(record)
        messages.error(request, "预览已过期，文件已删除，请重新上传。")
        return record, cls, None
    with record.file.open("rb") as stored:
        return record, cls, stored.read()


@require_POST
@login_required
def import_confirm(request, pk):
    record, cls, data = pending_record(request, pk)
    if data is None:
        return redirect(record)
    plan = cls(request.user, **record.options).run(data, record.file_name, commit=True)
    keep(record, plan)
    if plan.written:
        record.status, record.finished_at = ImportRecord.Status.DONE, timezone.now()
        record.file.delete(save=False)
        unit = cls.counted_as
        messages.success(request, f"导入完成：新增 {len(plan.new)} {unit}，更新 {len(plan.updated)} {unit}，"
                                  f"{len(plan.unchanged)} {unit}无变化。")
    else:
        messages.error(request, "数据在预览之后发生了变化，出现了新的错误，未写入任何数据。请查看下方错误。")
    record.save()
    return redirect(record)


@require_POST
@login_required
def import_replan(request, pk):
    """Check the stored file again, e.g. after choosing to create the unknown units."""
    record, cls, data = pending_record(request, pk)
    if data is None:
        return redirect(record)
    record.options = {**record.options, "create_units": bool(request.POST.get("create_units"))}
    keep(record, cls(request.user, **record.options).run(data, record.file_name, commit=False))
    record.save()
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


def expire(record):
    if record.file:
        record.file.delete(save=False)
    record.status = ImportRecord.Status.EXPIRED
    record.save(update_fields=["file", "status"])


def expire_stale_files():
    """Delete files whose preview has expired (cheap; runs on each upload, so no cron job is required)."""
    for record in ImportRecord.objects.filter(status=ImportRecord.Status.PENDING, expires_at__lte=timezone.now()):
        expire(record)
