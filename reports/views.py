"""年度报告 pages: the printable 汇总 + 排名, and the workbook with 明细 (the same rows, from yearly_report)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

import jobs
from accounts import audit
from accounts.models import AuditLog
from accounts.params import parse_id
from accounts.scoping import PERSONAL_ROLES
from evaluations.models import Grade, Participant, Period
from excel.writer import xlsx_response
from notifications.forms import DocumentTemplateForm
from notifications.models import DocumentKind, DocumentNumber
from presence import access as presence_access
from presence.models import Notice
from secretaries.models import Secretary
from villages.models import Region

from . import archive, documents, yearly_report
from .forms import ReportForm

PAGE_LIMIT = 1000  # rows of 排名 on the page; the workbook has them all


def _report(request):
    """(form, report or None): the report the query asks for, or the form with the reason it cannot be made."""
    if request.user.role in PERSONAL_ROLES:
        raise PermissionDenied("年度报告仅供组织部门、镇街和县领导查看。")
    form = ReportForm(request.GET or None, user=request.user)
    if not form.is_valid():
        return form, None
    try:
        return form, yearly_report.build(form.cleaned_data["year"], user=request.user,
                                         region=form.cleaned_data["region"])
    except yearly_report.ReportError as error:
        form.add_error(None, str(error))
        return form, None


@require_GET
@login_required
def report(request):
    form, built = _report(request)
    context = {"form": form, "report": built, "limit": PAGE_LIMIT}
    if built is not None:
        summary = built.summary()
        columns = built.ranking_columns()
        context.update({
            "summary": summary,
            "summary_rows": [built.summary_cells(row) for row in summary["rows"]],
            "summary_total": built.summary_cells(summary["total"]),
            "ranking_columns": columns,
            "ranking_rows": [list(zip(row, (css for _header, css in columns), strict=True))
                             for row in built.ranking_rows(limit=PAGE_LIMIT)],
            "capped": summary["total"]["people"] > PAGE_LIMIT,
        })
    return render(request, "reports/report.html", context)


def _back_with_errors(request, form, query):
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect(f"{reverse('reports:report')}?{query.urlencode()}")


@require_GET
@login_required
def report_export(request):
    """The workbook now, for a region of ordinary size; a larger one is built by the background worker."""
    form, built = _report(request)
    if built is None:
        return _back_with_errors(request, form, request.GET)
    if built.participants().count() > settings.REPORT_SYNC_MAX_PEOPLE:
        messages.info(request, f"该范围参评人数超过 {settings.REPORT_SYNC_MAX_PEOPLE} 人，工作簿较大，"
                               "请点击“后台生成 Excel”，完成后在任务页面下载。")
        return redirect(f"{reverse('reports:report')}?{request.GET.urlencode()}")
    return xlsx_response(built.filename, built.sheets())


@require_POST
@login_required
def report_job(request):
    """Start building the workbook in the background (one job per person, year and region while it runs)."""
    if request.user.role in PERSONAL_ROLES:
        raise PermissionDenied("年度报告仅供组织部门、镇街和县领导查看。")
    form = ReportForm(request.POST, user=request.user)
    if not form.is_valid():
        return _back_with_errors(request, form, request.POST)
    year, region = form.cleaned_data["year"], form.cleaned_data["region"]
    scope = region or request.user.region
    if scope is None:  # a superuser without a region: the report's own scope
        scope = yearly_report.build(year, user=request.user).periods[0].region
    job = jobs.start(kind="yearly_report", user=request.user, region=scope,
                     task="reports.yearly_report.build_workbook", title=f"{scope.name}{year}年度考评报告（Excel）",
                     key=f"yearly_report:{request.user.pk}:{year}:{region.pk if region else ''}", rerun_if_lost=True,
                     year=year, user_id=request.user.pk, region_id=region.pk if region else None)
    return redirect(job)


# --- 公文 (.docx) -------------------------------------------------------------------------------------------------

def _county_staff(user):
    if not user.is_county_admin:
        raise PermissionDenied("公文由县委组织部工作人员制发。")
    if user.region is None or user.region.level != Region.Level.COUNTY:
        raise PermissionDenied("公文按县制发，请使用县级账号。")
    return user.region


def _docx(official):
    response = HttpResponse(documents.docx_bytes(official), content_type=documents.DOCX_CONTENT_TYPE)
    name = f"{official.code + '-' if official.code else ''}{official.title}.docx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@require_GET
@login_required
def document_list(request):
    """公文: what can be issued as a document, the county's templates and the register of numbers."""
    county = _county_staff(request.user)
    notices = presence_access.notices_for(request.user).filter(status=Notice.Status.ISSUED) \
        .select_related("secretary").order_by("-issued_at")[:20]
    periods = Period.objects.for_user(request.user).filter(status=Period.Status.PUBLISHED) \
        .select_related("region").order_by("-end_date")[:20]
    secretaries = Secretary.objects.for_user(request.user).select_related("unit").order_by("name", "pk")
    return render(request, "reports/documents.html", {
        "county": county, "notices": notices, "periods": periods, "secretaries": secretaries,
        "years": ReportForm(user=request.user).fields["year"].choices, "kinds": DocumentKind.choices,
        "numbers": DocumentNumber.objects.for_user(request.user).select_related("issued_by")[:30],
    })


@require_http_methods(["GET", "POST"])
@login_required
def document_template_edit(request, kind):
    county = _county_staff(request.user)
    if kind not in DocumentKind.values:
        raise Http404
    template = documents.template_for(county, kind)
    form = DocumentTemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            audit.record(user=request.user, request=request, action=AuditLog.Action.UPDATE, obj=template,
                         changes={name: "已修改" for name in form.changed_data})
        messages.success(request, f"{template.get_kind_display()}模板已保存。")
        return redirect("reports:documents")
    return render(request, "reports/document_template_form.html", {"form": form, "template": template})


@require_POST
@login_required
def notice_docx(request, pk):
    county = _county_staff(request.user)
    notice = get_object_or_404(presence_access.notices_for(request.user).select_related("secretary"), pk=pk,
                               status=Notice.Status.ISSUED)
    with transaction.atomic():
        official = documents.notice_document(notice, region=county, user=request.user)
    return _docx(official)


@require_POST
@login_required
def results_docx(request, pk):
    county = _county_staff(request.user)
    period = get_object_or_404(Period.objects.for_user(request.user), pk=pk, status=Period.Status.PUBLISHED)
    grades = dict(Grade.choices)
    rows = [(p.rank_county or "—", p.secretary.name, p.unit_name, p.township.name,
             yearly_report.rounded(p.composite) if p.composite is not None else "—", grades.get(p.grade, "—"))
            for p in Participant.objects.for_user(request.user).filter(period=period)
            .select_related("secretary", "township").order_by(F("rank_county").asc(nulls_last=True), "pk")]
    with transaction.atomic():
        official = documents.results_document(period, rows, region=county, user=request.user)
    return _docx(official)


@require_POST
@login_required
def annual_docx(request):
    county = _county_staff(request.user)
    form = ReportForm(request.POST, user=request.user)
    if not form.is_valid():
        return _back_with_errors(request, form, request.POST)
    try:
        report = yearly_report.build(form.cleaned_data["year"], user=request.user, region=form.cleaned_data["region"])
    except yearly_report.ReportError as error:
        messages.error(request, str(error))
        return redirect("reports:documents")
    with transaction.atomic():
        official = documents.annual_document(report, region=county, user=request.user)
    return _docx(official)


@require_POST
@login_required
def archive_docx(request):
    county = _county_staff(request.user)
    pk = request.POST.get("secretary", "")
    secretary = get_object_or_404(Secretary.objects.for_user(request.user).select_related("unit", "region"),
                                  pk=parse_id(pk) or 0)
    grades = dict(Grade.choices)
    rows = [(p.period.label, yearly_report.rounded(p.composite) if p.composite is not None else "—",
             p.rank_county or "—", p.rank_township or "—", grades.get(p.grade, "—"),
             "、".join(h.get_kind_display() for h in p.confirmed_honours) or "—")
            for p in archive.participations(secretary, request.user)]
    with transaction.atomic():
        official = documents.archive_document(secretary, rows, region=county, user=request.user,
                                              training=archive.training_rows(secretary, request.user))
    return _docx(official)
