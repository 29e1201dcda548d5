"""Needs and resources as xlsx: the list pages' rows, scoped and filtered the same way."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.http import require_GET

from excel.writer import SheetSpec, xlsx_response

from .filters import FLOW, NeedFilter, ResourceFilter
from .models import Category, Need, Resource, Urgency

NEED_HEADERS = ("联盟", "镇（街道）", "村", "类别", "需求内容", "提出人", "提出日期", "紧急程度", "办理进度",
                "解决日期")
NEED_FIELDS = ("alliance__name", "village__region__parent__name", "village__region__name", "category",
               "description", "raised_by", "raised_on", "urgency", "flow", "solved_on")
RESOURCE_HEADERS = ("联盟", "类别", "资源内容", "数量或价值", "计量单位", "提供人", "提供单位", "有效期至",
                    "可承接次数", "已承接", "可用")
RESOURCE_FIELDS = ("alliance__name", "category", "description", "amount", "amount_unit", "provider_secretary__name",
                   "provider_secretary__unit__name", "provider_expert__name", "provider_expert__unit", "valid_until",
                   "capacity", "used", "available")
BAD = "筛选条件无效，无法导出。请回到列表重新选择筛选条件后再导出。"


def need_rows(queryset):
    categories, urgencies, flows = dict(Category.choices), dict(Urgency.choices), dict(FLOW)
    for row in queryset.values_list(*NEED_FIELDS).iterator(chunk_size=2000):
        row = list(row)
        row[3], row[7], row[8] = categories[row[3]], urgencies[row[7]], flows[row[8]]
        yield row


def resource_rows(queryset):
    categories = dict(Category.choices)
    for row in queryset.values_list(*RESOURCE_FIELDS).iterator(chunk_size=2000):
        (alliance, category, description, amount, unit, sec, sec_unit, expert, expert_unit, valid, capacity, used,
         available) = row
        yield [alliance, categories[category], description, amount, unit, sec or expert, sec_unit or expert_unit,
               valid, capacity, used, "是" if available else "否"]


def _export(request, model, filter_class, order, title, headers, rows):
    queryset = model.objects.for_user(request.user)
    queryset = queryset.with_availability() if model is Resource else queryset.with_flow()
    filterset = filter_class(request.GET or None, queryset=queryset.order_by(*order), user=request.user)
    if filterset.is_bound and not filterset.is_valid():
        return HttpResponseBadRequest(BAD, content_type="text/plain; charset=utf-8")
    today = timezone.localdate()
    sheet = SheetSpec(title=title, headers=headers, rows=rows(filterset.qs), widths={0: 20, 2: 40, 4: 40})
    return xlsx_response(f"{title}-{today:%Y%m%d}.xlsx", [sheet])


@require_GET
@login_required
def export_needs(request):
    return _export(request, Need, NeedFilter, ("-raised_on", "-pk"), "需求清单", NEED_HEADERS, need_rows)


@require_GET
@login_required
def export_resources(request):
    return _export(request, Resource, ResourceFilter, ("alliance__name", "category", "pk"), "资源清单",
                   RESOURCE_HEADERS, resource_rows)
