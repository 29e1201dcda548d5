"""Task items as xlsx: the list page's rows, scoped and filtered the same way. No ID numbers: none are needed."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.http import require_GET

from excel.writer import SheetSpec, xlsx_response

from .filters import TaskFilter
from .models import Dimension, TaskItem
from .querysets import OVERDUE

HEADERS = ("镇（街道）", "村", "第一书记", "派出单位", "年度", "五看维度", "任务名称", "任务内容", "完成时限",
           "建立日期", "来源", "状态", "完成进度（%）", "催办", "进展及佐证说明", "申请办结时间", "确认办结时间")
FIELDS = ("village__region__parent__name", "village__region__name", "secretary__name", "secretary__unit__name",
          "year", "dimension", "title", "description", "deadline", "created_on", "source", "state", "progress",
          "reminder_due", "evidence", "closed_at", "confirmed_at")
WIDTHS = {0: 12, 1: 12, 2: 10, 3: 20, 6: 30, 7: 40, 14: 40}


def task_rows(queryset, today):
    """One list per item, in HEADERS order; choice values as their Chinese labels; one query, read in chunks."""
    dimensions, sources = dict(Dimension.choices), dict(TaskItem.Source.choices)
    states = {**dict(TaskItem.Status.choices), OVERDUE: "已逾期"}
    rows = queryset.with_state(today).values_list(*FIELDS)
    for row in rows.iterator(chunk_size=2000):
        row = list(row)
        row[5], row[10], row[11] = dimensions.get(row[5], row[5]), sources.get(row[10], row[10]), states[row[11]]
        row[13] = "是" if row[13] else ""
        yield row


@require_GET
@login_required
def export_tasks(request):
    """The list page's rows as xlsx: the same scope (for_user), the same filters, the same order."""
    today = timezone.localdate()
    queryset = TaskItem.objects.for_user(request.user).order_by("village__region__path", "secretary__name",
                                                                "deadline", "pk")
    filterset = TaskFilter(request.GET or None, queryset=queryset, user=request.user)
    if filterset.is_bound and not filterset.is_valid():
        return HttpResponseBadRequest("筛选条件无效，无法导出。请回到任务列表重新选择筛选条件后再导出。",
                                      content_type="text/plain; charset=utf-8")
    sheet = SheetSpec(title="重点帮扶任务清单", headers=HEADERS, rows=task_rows(filterset.qs, today), widths=WIDTHS)
    return xlsx_response(f"重点帮扶任务清单-{today:%Y%m%d}.xlsx", [sheet])
