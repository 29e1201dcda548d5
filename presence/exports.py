"""Spot checks and notices as xlsx: the pages' rows, scoped the same way, read in one query each."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.utils import timezone
from django.views.decorators.http import require_GET

from excel.writer import SheetSpec, xlsx_response

from . import access
from .forms import date_range
from .models import Method, Notice, Result, SpotCheck

CHECK_HEADERS = ("抽查日期", "镇（街道）", "村", "第一书记", "派出单位", "结果", "方式", "督查人", "核查时间",
                 "情况说明")
NOTICE_HEADERS = ("标题", "第一书记", "镇（街道）", "村", "状态", "不在岗次数", "约谈工作队队长",
                  "约谈派出单位分管领导", "生成时间", "发布时间", "约谈日期", "约谈人", "被约谈人", "约谈情况")


def check_rows(queryset):
    results, methods = dict(Result.choices), dict(Method.choices)
    rows = queryset.values_list(
        "date", "village__region__parent__name", "village__region__name", "secretary__name", "secretary__unit__name",
        "result", "method", "inspector", "checked_at", "note",
    ).order_by("date", "village__region__path", "pk")
    for date, township, village, name, unit, result, method, inspector, checked_at, note in rows.iterator(2000):
        yield (date, township, village, name, unit, results.get(result, result), methods.get(method, ""),
               inspector, checked_at, note)


@require_GET
@login_required
def export_checks(request):
    _, start, end = date_range(request, timezone.localdate())
    checks = SpotCheck.objects.for_user(request.user).filter(date__range=(start, end))
    filename = f"在岗抽查记录-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    return xlsx_response(filename, [SheetSpec(title="抽查记录", headers=CHECK_HEADERS, rows=check_rows(checks),
                                              widths={2: 14, 4: 22, 9: 40})])


def notice_rows(queryset):
    labels = dict(Notice.Status.choices)
    rows = queryset.annotate(absences=Count("checks")).values_list(
        "title", "secretary__name", "village__region__parent__name", "village__region__name", "status", "absences",
        "team_leader__name", "unit_leader", "created_at", "issued_at",
        "talk_on", "talk_by", "talk_with", "talk_outcome",
    ).order_by("-created_at", "-pk")
    for title, name, township, village, status, absences, leader, unit_leader, created, issued, *talk in rows:
        yield (title, name, township, village, labels[status], absences, leader, unit_leader, created, issued,
               *talk)


@require_GET
@login_required
def export_notices(request):
    notices = access.notices_for(request.user)
    filename = f"在岗在位通报-{timezone.localdate():%Y%m%d}.xlsx"
    return xlsx_response(filename, [SheetSpec(title="通报", headers=NOTICE_HEADERS, rows=notice_rows(notices),
                                              widths={0: 40, 7: 24})])
