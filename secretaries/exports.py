"""The roster (花名册) as xlsx: the list page's rows, scoped and filtered the same way, one line per person."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import FilteredRelation, Q
from django.http import HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts import audit
from excel.writer import SheetSpec, xlsx_response

from .filters import SecretaryFilter
from .models import Assignment, DispatchUnit, Secretary
from .privacy import shown

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


# One row of the query: the person, their unit, and their active assignment through a filtered LEFT JOIN (at most
# one active assignment per person is a database constraint, so the join never multiplies rows).
ROSTER_FIELDS = (
    "name", "id_number", "user_id", "ethnicity", "political_status", "education", "phone", "unit__name",
    "unit__level", "post", "rank", "active__village__region__parent__name", "active__village__region__name",
    "active__batch__name", "active__dispatch_level", "active__role", "active__start_date", "active__end_date",
    "active__status", "active__id",
)


def roster_rows(queryset, user, *, chunk_size=CHUNK_SIZE, shown_in_full=None):
    """One row per secretary with their active assignment (blank when none): one query, read in chunks of
    `chunk_size` (a server-side cursor on PostgreSQL), so memory stays bounded however many there are.

    `queryset` keeps its filters and ordering. 身份证号, 出生日期 and 联系电话 are shown as secretaries.privacy
    decides for `user`; user=None is the system (a shell operator): everything. The pks of the people whose
    full number went out are appended to `shown_in_full` (a list), for the audit record.
    """
    labels = _choice_labels()
    political, education, unit_level = labels["political_status"], labels["education"], labels["unit_level"]
    dispatch_level, role, status = labels["dispatch_level"], labels["role"], labels["status"]
    no_assignment = [None] * 8

    rows = queryset.annotate(
        active=FilteredRelation("assignments", condition=Q(assignments__status=Assignment.Status.ACTIVE)),
    ).values_list(*ROSTER_FIELDS, "pk")
    for (name, number, user_id, ethnicity, political_status, education_value, phone, unit_name, unit_level_value,
         post, rank, township, village, batch, dispatch_value, role_value, start_date, end_date, status_value,
         active_id, pk) in rows.iterator(chunk_size=chunk_size):
        seen = shown(user, id_number=number, phone=phone, person_user_id=user_id)
        if seen.full and shown_in_full is not None:
            shown_in_full.append(pk)
        row = [
            name, seen.id_number, seen.gender, seen.birth, ethnicity, political.get(political_status, political_status),
            education.get(education_value, education_value), seen.phone, unit_name,
            unit_level.get(unit_level_value, unit_level_value), post, rank,
        ]
        if active_id is None:
            row += no_assignment
        else:
            row += [
                township, village, batch, dispatch_level.get(dispatch_value, dispatch_value),
                role.get(role_value, role_value), start_date, end_date, status.get(status_value, status_value),
            ]
        yield row


def _choice_labels():
    """Stored value → the Chinese label that get_FOO_display() would give, for each choice column of the roster."""
    fields = {
        "political_status": Secretary._meta.get_field("political_status"),
        "education": Secretary._meta.get_field("education"),
        "unit_level": DispatchUnit._meta.get_field("level"),
        "dispatch_level": Assignment._meta.get_field("dispatch_level"),
        "role": Assignment._meta.get_field("role"),
        "status": Assignment._meta.get_field("status"),
    }
    return {key: {value: str(label) for value, label in field.flatchoices} for key, field in fields.items()}


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
    full = []
    with transaction.atomic():
        response = xlsx_response(filename, [roster_sheet(roster_rows(filterset.qs, request.user, shown_in_full=full))])
        if full:
            record_full_export(request, full, "第一书记花名册")
    return response


def record_full_export(request, pks, what):
    """An export that carried full 身份证号: one audit row naming whose (their pks), by whom, when, from where."""
    audit.record(user=request.user, request=request, action="export", obj=request.user.region or request.user,
                 changes={"导出": what, "完整身份证号人数": len(pks), "人员编号": pks})
