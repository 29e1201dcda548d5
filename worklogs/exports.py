"""The log and service lists as xlsx: the same scope, filters and order as the page, one query read in chunks."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.http import require_GET

from excel.writer import SheetSpec, xlsx_response
from secretaries.privacy import reads_diary_text

from .filters import ServiceRecordFilter, WorkLogFilter
from .models import ServiceKind, ServiceRecord, Tag, WorkLog

CHUNK_SIZE = 2000
LOG_HEADERS = ("日期", "镇（街道）", "村", "第一书记", "派出单位", "走访农户（户）", "收集问题（个）", "解决问题（个）",
               "标签", "工作内容")
LOG_FIELDS = ("date", "village__region__parent__name", "village__region__name", "secretary__name",
              "secretary__unit__name", "households_visited", "problems_raised", "problems_solved", "tags", "text")
SERVICE_HEADERS = ("日期", "类别", "活动名称", "镇（街道）", "服务村", "第一书记", "派出单位", "服务对象（户/人次）",
                   "备注")
SERVICE_FIELDS = ("date", "kind", "title", "village__region__parent__name", "village__region__name",
                  "secretary__name", "secretary__unit__name", "people_served", "note")


def log_rows(queryset, with_text=True):
    labels = dict(Tag.choices)
    fields = LOG_FIELDS if with_text else LOG_FIELDS[:-1]  # without the text, it is not even read
    for values in queryset.values_list(*fields).iterator(chunk_size=CHUNK_SIZE):
        *row, tags = values[:9]
        yield [*row, "、".join(labels.get(tag, tag) for tag in tags.split(",") if tag), *values[9:]]


def service_rows(queryset):
    labels = dict(ServiceKind.choices)
    for date, kind, *rest in queryset.values_list(*SERVICE_FIELDS).iterator(chunk_size=CHUNK_SIZE):
        yield [date, labels.get(kind, kind), *rest]


def _export(request, *, model, filterset_class, sheet, headers, rows, widths, noun):
    if not request.user.has_perm(f"worklogs.view_{model._meta.model_name}"):
        raise PermissionDenied(f"您的角色无权导出{noun}。")
    filterset = filterset_class(request.GET or None, queryset=model.objects.for_user(request.user),
                                user=request.user)
    if filterset.is_bound and not filterset.is_valid():
        return HttpResponseBadRequest(f"筛选条件无效，无法导出。请回到{noun}列表重新选择筛选条件后再导出。",
                                      content_type="text/plain; charset=utf-8")
    queryset = filterset.qs.order_by("-date", "village__region__path", "pk")
    spec = SheetSpec(title=sheet, headers=headers, rows=rows(queryset), widths=widths)
    return xlsx_response(f"{sheet}-{timezone.localdate():%Y%m%d}.xlsx", [spec])


@require_GET
@login_required
def export_logs(request):
    # Leaders and unit contacts get dates and counts, not the text (secretaries.privacy).
    with_text = reads_diary_text(request.user)
    return _export(request, model=WorkLog, filterset_class=WorkLogFilter, sheet="民情日记",
                   headers=LOG_HEADERS if with_text else LOG_HEADERS[:-1],
                   rows=lambda queryset: log_rows(queryset, with_text), widths={0: 12, 4: 20, 9: 80}, noun="民情日记")


@require_GET
@login_required
def export_services(request):
    return _export(request, model=ServiceRecord, filterset_class=ServiceRecordFilter, sheet="办实事记录",
                   headers=SERVICE_HEADERS, rows=service_rows, widths={0: 12, 2: 30, 6: 20, 8: 40}, noun="办实事记录")
