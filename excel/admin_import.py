"""Admin import and export (django-import-export) of the reference tables, scoped like every other page.

Shared by villages/resources.py (villages) and secretaries/resources.py (dispatch units).

- Files are read by the project's reader (excel.reader: xlsx, xls, ods or csv told apart by content, the header
  row found, header aliases, size and zip-bomb limits) and xlsx is written by its writer (formula-safe).
- A resource takes the importing user: every lookup goes through `for_user(user, "change")`, so a row outside
  the user's region is simply not found; it is reported, never read or written.
- Configured for speed: one query loads what the file can name (ScopedInstanceLoader), no per-row diff
  (skip_diff), unchanged rows skipped by comparing with the values that query read, writes in bulk.
- ScopedImportExportMixin puts it on a ScopedAdmin: county admins import; everyone exports what they see.
"""

import io
import uuid

import tablib
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, FieldError, ValidationError
from django.db import DatabaseError
from django.db.models import Q
from django.shortcuts import redirect
from import_export import resources, tmp_storages, widgets
from import_export.admin import ImportExportMixin
from import_export.fields import Field
from import_export.formats import base_formats
from import_export.forms import ExportForm
from import_export.instance_loaders import BaseInstanceLoader

from accounts import audit
from accounts.models import AuditLog
from accounts.scoping import region_of
from excel import values as cell
from excel.reader import FileRejected
from excel.sandbox import read_limited
from excel.writer import XLSX_CONTENT_TYPE, SheetSpec, safe_cell, write_workbook

CHUNK = 2000  # keys per IN (...) list: well under SQLite's limit on query parameters


# --- Files -----------------------------------------------------------------------------------------------------


class SpreadsheetImport(base_formats.Format):
    """An upload read by excel.reader against `columns`; the dataset's headers are the columns' own headers."""

    columns = ()

    def __init__(self, encoding=None):
        self.encoding = encoding

    @classmethod
    def for_columns(cls, columns):
        return type("SpreadsheetImport", (cls,), {"columns": tuple(columns)})

    def get_title(self):
        return "Excel 或 CSV（.xlsx .xls .ods .csv）"

    def get_extension(self):
        return "xlsx"

    def can_import(self):
        return True

    def create_dataset(self, in_stream):
        table = read_limited(in_stream, "导入文件", self.columns, max_rows=settings.IMPORT_MAX_ROWS,
                             max_bytes=settings.IMPORT_MAX_BYTES)
        keys = [column.key for column in self.columns if column.key in table.headers]
        dataset = tablib.Dataset(headers=[column.header for column in self.columns if column.key in keys])
        for row in table.rows:
            dataset.append([row.values[key] for key in keys])
        return dataset


class XlsxExport(base_formats.Format):
    """xlsx written by excel.writer, like every other export of the project."""

    def get_title(self):
        return "xlsx"

    def get_extension(self):
        return "xlsx"

    def get_content_type(self):
        return XLSX_CONTENT_TYPE

    def can_export(self):
        return True

    def export_data(self, dataset, **kwargs):
        out = io.BytesIO()
        write_workbook(out, [SheetSpec(dataset.title or "导出", dataset.headers, dataset)])
        return out.getvalue()


class DatabaseTmpStorage(tmp_storages.BaseStorage):
    """Where django-import-export keeps an upload between its preview and its confirmation: the database, which
    every app server reaches (its default, a temporary folder, is one server's disk)."""

    def save(self, data):
        from .models import AdminUpload

        self.name = self.name or uuid.uuid4().hex
        AdminUpload.objects.update_or_create(name=self.name, defaults={
            "data": data.encode(self.encoding or "utf-8") if isinstance(data, str) else data})

    def read(self):
        from .models import AdminUpload

        upload = AdminUpload.objects.filter(name=self.name).first()
        if upload is None:
            raise FileRejected("上传的文件已不在服务器上（可能已过期被清理），请重新上传。")
        data = bytes(upload.data)
        return data if "b" in self.read_mode else data.decode(self.encoding or "utf-8")

    def remove(self):
        from .models import AdminUpload

        AdminUpload.objects.filter(name=self.name).delete()


# --- Cells -----------------------------------------------------------------------------------------------------


class TextWidget(widgets.Widget):
    """Text as a person reads it (half-width, trimmed); exported formula-safe."""

    def clean(self, value, row=None, **kwargs):
        return cell.normalize_text(value)

    def render(self, value, obj=None, **kwargs):
        return safe_cell("" if value is None else str(value))


class ChoiceWidget(widgets.Widget):
    """A choice by its Chinese label (or value), exported as the label. A blank cell leaves what is stored."""

    def __init__(self, choices):
        super().__init__()
        self.choices = choices

    def clean(self, value, row=None, **kwargs):
        return cell.parse_choice(value, self.choices) if cell.normalize_text(value) else None

    def render(self, value, obj=None, **kwargs):
        return str(dict(self.choices).get(value, value or ""))


class YesNoWidget(widgets.Widget):
    """是/否 (or √/×, Y/N…); a blank cell leaves what is stored."""

    def clean(self, value, row=None, **kwargs):
        return cell.parse_bool(value) if cell.normalize_text(value) else None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else "是" if value else "否"


def text_field(attribute, header, **kwargs):
    return Field(attribute=attribute, column_name=header, widget=TextWidget(), **kwargs)


def optional_field(attribute, header, widget):
    # saves_null_values=False: a blank cell (None) does not overwrite the stored value
    return Field(attribute=attribute, column_name=header, widget=widget, saves_null_values=False)


# --- Resources -------------------------------------------------------------------------------------------------


class ScopedInstanceLoader(BaseInstanceLoader):
    """One query for the instances the file can name, inside the user's scope; then rows match in memory."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        resource.load(dataset)

    def get_instance(self, row):
        return self.resource.find(row)


class ScopedResource(resources.ModelResource):
    """A ModelResource that imports only inside `user`'s region (without a user: nothing at all)."""

    columns = ()  # excel.reader.Column per field: header = the field's column_name, plus aliases
    update_fields = ()  # what an import may change: compared to skip unchanged rows, then bulk_update()d
    clean_exclude = ()  # fields already checked when looked up in scope (foreign keys: no query per row)

    class Meta:
        instance_loader_class = ScopedInstanceLoader
        skip_diff = True  # no deepcopy and diff per row …
        skip_unchanged = True  # … so skip_row() below compares with the values the loader read
        report_skipped = False
        use_bulk = True
        batch_size = 1000
        chunk_size = 2000  # export: rows per fetch
        clean_model_instances = True

    def __init__(self, user=None, request=None, **kwargs):
        super().__init__(**kwargs)
        self.user, self.request = user, request
        self.stored = {}  # pk → values of update_fields as the loader read them
        self.seen = {}  # key → number of the row that named it first
        self.saved = []  # (instance, is_create) for the audit trail
        self.row_number = None

    @classmethod
    def import_format(cls):
        return SpreadsheetImport.for_columns(cls.columns)

    def get_queryset(self):
        return self._meta.model.objects.for_user(self.user, "change")

    def load(self, dataset):
        raise NotImplementedError

    def find(self, row):
        """The instance the row names, or None for a new one; ValidationError if it cannot be named."""
        raise NotImplementedError

    def remember(self, instance):
        self.stored[instance.pk] = self.values(instance)

    def values(self, instance):
        return {name: getattr(instance, name) for name in self.update_fields}

    def claim(self, key):
        """Refuse the second row that names the same record."""
        if key in self.seen:
            raise ValidationError(f"与第 {self.seen[key]} 行是同一条记录，请删去其中一行。")
        self.seen[key] = self.row_number

    def before_import_row(self, row, **kwargs):
        self.row_number = kwargs.get("row_number")

    def after_import_row(self, row, row_result, **kwargs):
        # The preview shows each new or changed row as the file gives it, in place of the diff skip_diff saves.
        row_result.diff = [row.get(field.column_name, "") for field in self.get_import_fields()]

    def get_or_init_instance(self, instance_loader, row):
        try:
            instance = self.get_instance(instance_loader, row)
        except ValueError as error:  # a key cell import_instance() would also refuse, e.g. a formula
            raise ValidationError(str(error)) from None
        return (instance, False) if instance is not None else (self.init_instance(row), True)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # The default compares with the diff's copy, which skip_diff does not make.
        if not self._meta.skip_unchanged or import_validation_errors or instance.pk is None:
            return False
        return self.stored.get(instance.pk) == self.values(instance)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # No unique or constraint checks here (one query per row): keys were matched in one query, a key named
        # twice is refused by claim(), and the database constraints stand behind both.
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(exclude=[*errors, *self.clean_exclude], validate_unique=False,
                                validate_constraints=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            headers = {field.attribute: field.column_name for field in self.fields.values()}
            raise ValidationError({headers.get(key, key) if key != NON_FIELD_ERRORS else key: value
                                   for key, value in errors.items()})

    def get_bulk_update_fields(self):
        return list(self.update_fields)

    def save_instance(self, instance, is_create, row, **kwargs):
        super().save_instance(instance, is_create, row, **kwargs)
        self.saved.append((instance, is_create))

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if not kwargs.get("dry_run") and self.saved:
            AuditLog.objects.bulk_create([self.audit_entry(obj, created) for obj, created in self.saved],
                                         batch_size=CHUNK)

    def audit_entry(self, obj, created):
        after = self.values(obj)
        before = {} if created else self.stored.get(obj.pk, {})
        return AuditLog(user=self.user, ip_address=audit.client_ip(self.request), content_type=self.content_type,
                        action=AuditLog.Action.CREATE if created else AuditLog.Action.UPDATE,
                        object_id=str(obj.pk), object_repr=str(obj)[:200], region=region_of(obj),
                        changes={"后台导入": audit.diff(before, after, self.update_fields)})

    @property
    def content_type(self):
        return ContentType.objects.get_for_model(self._meta.model)

    def after_export(self, queryset, dataset, **kwargs):
        dataset.title = str(self._meta.model._meta.verbose_name_plural)


def texts(values):
    """The distinct non-blank texts of a column (formula cells without a value are left to the row checks)."""
    return sorted({cell.normalize_text(v) for v in values if v is not cell.FORMULA_WITHOUT_VALUE} - {""})


def by_chunks(queryset, lookups):
    """Each object of queryset, once, that matches `field__in=values` for any (field, values); CHUNK values of
    each list per query."""
    longest = max((len(values) for _, values in lookups), default=0)
    found = set()  # a village named by its code in one chunk may be named by its name in another
    for start in range(0, longest, CHUNK):
        condition = Q()
        for field, values in lookups:
            if values[start:start + CHUNK]:
                condition |= Q(**{f"{field}__in": values[start:start + CHUNK]})
        for obj in queryset.filter(condition):
            if obj.pk not in found:
                found.add(obj.pk)
                yield obj


class ScopedImportExportMixin(ImportExportMixin):
    """Import and export on a ScopedAdmin: the resource gets the user, the export the admin's scoped queryset
    (get_export_queryset builds a ChangeList on get_queryset, with the list's filters), the import is all or
    nothing and open to county admins only."""

    export_form_class = ExportForm  # every column, always: an export must import back as it is
    export_formats = [XlsxExport, base_formats.CSV]
    to_encoding = "utf-8-sig"  # so that Excel opens the CSV as UTF-8

    @property
    def import_formats(self):
        return [self.resource_classes[0].import_format()]

    def has_import_permission(self, request):
        return request.user.is_county_admin and self.has_change_permission(request)

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {"user": request.user, "request": request}

    def get_import_data_kwargs(self, **kwargs):
        # All or nothing, like the roster import: one invalid row and nothing is written.
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, FileRejected):
            form.add_error("import_file", e.message)
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def export_action(self, request):
        # The export builds the admin's ChangeList from the address; an unknown or malformed filter parameter
        # (?foo=bar, ?region__in=x) raises there, where the list page itself would just show an error.
        try:
            return super().export_action(request)
        except (IncorrectLookupParameters, FieldError, ValidationError, ValueError, DatabaseError):
            messages.error(request, "导出条件无效：地址中有无法识别的筛选参数。请在列表页重新选择筛选条件后再导出。")
            return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The file changed between preview and confirmation, or the data did: nothing was written.
            messages.error(request, "导入未完成，没有写入任何数据：文件中有错误。请重新上传，按预览中的提示修改。")
            return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        return super().process_result(result, request)
