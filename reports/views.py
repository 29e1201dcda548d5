"""年度报告 pages: the printable 汇总 + 排名, and the workbook with 明细 (the same rows, from yearly_report)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

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


@require_GET
@login_required
def report_export(request):
    form, built = _report(request)
    if built is None:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(f"{reverse('reports:report')}?{request.GET.urlencode()}")
    return xlsx_response(built.filename, built.sheets())
