"""Demo uploads waiting for confirmation: a roster correction previewed by the county admin (its file kept in the
database until it is confirmed or expires) and an admin import of dispatch units between preview and confirmation."""

import io

from accounts.roles import Role
from excel.admin_import import DatabaseTmpStorage
from excel.models import AdminUpload, ImportRecord
from excel.services import import_preview
from excel.writer import SheetSpec, write_workbook
from secretaries.importers import RosterImporter
from secretaries.models import DispatchUnit, Secretary

ADMIN_UPLOAD = "demo-dispatch-units"


def workbook(title, headers, rows):
    out = io.BytesIO()
    write_workbook(out, [SheetSpec(title, headers, rows, text_columns={1})])
    return out.getvalue()


def ensure_demo_uploads(county, accounts):
    admin = next((user for user, _ in accounts if user.role == Role.COUNTY_ADMIN), None)
    if admin is None:
        return
    if not ImportRecord.objects.filter(region=county, status=ImportRecord.Status.PENDING).exists():
        people = Secretary.objects.filter(region__path__startswith=county.path).select_related("unit").order_by(
            "pk")[:3]
        # Three people's new phone numbers, as a township would send them: a preview of 3 updates, not confirmed.
        rows = [[p.name, p.id_number, p.unit.name, f"1390537{8000 + i:04d}", ""] for i, p in enumerate(people)]
        if rows:
            data = workbook("第一书记花名册", ["姓名", "身份证号", "派出单位", "联系电话", "所驻村"], rows)
            import_preview(importer_class=RosterImporter, user=admin, data=data, filename="联系电话更正.xlsx",
                           options={})
    if not AdminUpload.objects.filter(name=ADMIN_UPLOAD).exists():
        units = DispatchUnit.objects.filter(region=county).order_by("name")[:5]
        data = workbook("派出单位", ["单位名称", "单位层级"], [[u.name, u.get_level_display()] for u in units])
        DatabaseTmpStorage(name=ADMIN_UPLOAD, read_mode="rb").save(data)
