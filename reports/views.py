"""年度报告 pages: the printable 汇总 + 排名, and the workbook with 明细 (the same rows, from yearly_report)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

import jobs
from accounts.scoping import PERSONAL_ROLES
from excel.writer import xlsx_response

from . import yearly_report
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
                     key=f"yearly_report:{request.user.pk}:{year}:{region.pk if region else ''}",
                     year=year, user_id=request.user.pk, region_id=region.pk if region else None)
    return redirect(job)
