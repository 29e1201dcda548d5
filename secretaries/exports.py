"""The roster (花名册) as xlsx: the list page's rows, scoped and filtered the same way, one line per person."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.http import require_GET

from excel.writer import SheetSpec, xlsx_response

from .filters import SecretaryFilter
from .models import Assignment, Secretary

# The import template uses the same headers; 性别 and 出生日期 come from the ID number and are ignored on import.
ROSTER_HEADERS = (
    "姓名", "身份证号", "性别", "出生日期", "民族", "政治面貌", "学历", "联系电话", "派出单位", "单位层级",
    "职务", "职级", "镇（街道）", "所驻村", "派驻批次", "派驻层级", "驻村身份", "开始日期", "结束日期", "状态",
)
ID_COLUMN = ROSTER_HEADERS.index("身份证号")
PHONE_COLUMN = ROSTER_HEADERS.index("联系电话")
ROSTER_WIDTHS = {ID_COLUMN: 22, PHONE_COLUMN: 15, ROSTER_HEADERS.index("派出单位"): 24,
                 ROSTER_HEADERS.index("派驻批次"): 22}
CHUNK_SIZE = 2000


def roster_rows(queryset, user, *, chunk_size=CHUNK_SIZE):
    """One row per secretary with their active assignment (blank when none), read in chunks of `chunk_size`:
    two queries per chunk and bounded memory however many there are.

    ID numbers are shown as `user` may see them; user=None is the system (a shell operator): full numbers.
    """
    queryset = queryset.select_related("unit").prefetch_related(Prefetch(
        "assignments",
        queryset=Assignment.objects.active().select_related("village__region__parent", "batch"),
        to_attr="active_assignments",
    ))
    for secretary in queryset.iterator(chunk_size=chunk_size):
        yield roster_row(secretary, user)


def roster_row(secretary, user):
    id_number = secretary.id_number if user is None else secretary.id_number_for(user)
    birth_date = secretary.birth_date
    if birth_date and id_number != secretary.id_number:
        # The masked number hides exactly the birth date: the full date would unmask it. The month, as on
        # the detail page.
        birth_date = f"{birth_date:%Y-%m}"
    unit = secretary.unit
    row = [
        secretary.name, id_number, secretary.gender, birth_date, secretary.ethnicity,
        secretary.get_political_status_display(), secretary.get_education_display(), secretary.phone,
        unit.name, unit.get_level_display(), secretary.post, secretary.rank,
    ]
    active = secretary.active_assignments[0] if secretary.active_assignments else None
    if active is None:
        return row + [None] * 8
    village_region = active.village.region
    return row + [
        village_region.parent.name, village_region.name, active.batch.name, active.get_dispatch_level_display(),
        active.get_role_display(), active.start_date, active.end_date, active.get_status_display(),
    ]


def roster_sheet(rows):
    return SheetSpec(title="第一书记花名册", headers=ROSTER_HEADERS, rows=rows,
                     text_columns={ID_COLUMN, PHONE_COLUMN}, widths=ROSTER_WIDTHS)


@require_GET
@login_required
def export_roster(request):
    """The list page's rows as xlsx: the same scope (for_user), the same filters, the same order."""
    if not request.user.has_perm("secretaries.view_secretary"):
        raise PermissionDenied("您的角色无权导出人员名单。")
    queryset = Secretary.objects.for_user(request.user)
    filterset = SecretaryFilter(request.GET or None, queryset=queryset, user=request.user)
    if filterset.is_bound and not filterset.is_valid():
        return HttpResponseBadRequest("筛选条件无效，无法导出。请回到人员列表重新选择筛选条件后再导出。",
                                      content_type="text/plain; charset=utf-8")
    filename = f"第一书记花名册-{timezone.localdate():%Y%m%d}.xlsx"
    return xlsx_response(filename, [roster_sheet(roster_rows(filterset.qs, request.user))])
