"""The import flow every kind of import shares.

    importer = RosterImporter(user, create_units=False)
    plan = importer.run(data, filename, commit=False)   # read + validate every row + plan; writes nothing
    plan = importer.run(data, filename, commit=True)    # the same, then writes everything in one transaction
                                                        # -- only when no row has a problem

An importer declares its columns and implements `plan_rows(table) -> Plan` and `write(plan)`.
Every problem is (the row number the user sees in Excel, the column header as written in the file, the reason).
"""

import gc
import hashlib
import itertools
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, OperationalError, connection, models, transaction
from django.db.models.expressions import RawSQL

from villages.dbstats import analyze_after_commit

from .reader import FileRejected
from .sandbox import read_limited

SAMPLE_ROWS = 10
IN_BATCH = 5000  # values per `field__in` query where they are bound one by one (SQLite allows 32,766)


@dataclass(frozen=True)
class Problem:
    row: int  # 0 for a whole-file problem
    column: str
    reason: str

    def as_list(self):
        return [self.row, self.column, self.reason]


@dataclass
class Plan:
    rows: int = 0
    new: list = field(default_factory=list)  # per kind: (row number, {header: value}) for the preview
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # things the user should decide (e.g. unknown units)
    payload: object = None  # what write() needs; importer-specific
    written: bool = False

    @property
    def error_rows(self):
        return len({p.row for p in self.problems})

    @property
    def counts(self):
        return {"rows": self.rows, "new": len(self.new), "updated": len(self.updated),
                "unchanged": len(self.unchanged), "errors": self.error_rows, "problems": len(self.problems)}

    def samples(self):
        return {kind: getattr(self, kind)[:SAMPLE_ROWS] for kind in ("new", "updated", "unchanged")}


class RowProblems:
    """Collects a row's problems against the headers as the file writes them."""

    def __init__(self, table):
        self.headers = table.headers
        self.problems = []

    def add(self, row, key, reason):
        self.problems.append(Problem(row, self.headers.get(key, key), reason))


class Importer:
    do_not_call_in_templates = True  # templates show the class's kind and title; never instantiate it
    kind = ""
    title = ""
    counted_as = "人"  # what one planned row is to the user: a person, or (scores) one person's scores from one rater
    columns = ()
    template_keys = None  # the columns the template offers, in order (default: all)
    text_keys = ()  # columns the template formats as text (ID numbers, phones: Excel must not make numbers)
    instructions = ()  # lines of the template's 填表说明 sheet

    def __init__(self, user, **options):
        self.user = user
        self.options = options

    @staticmethod
    def may_import(user):
        return user.is_authenticated and user.is_county_admin

    @classmethod
    def options_from_request(cls, request):
        """The importer's options as the start page sends them, from its form or its address (?period=…).

        Raises Http404 for an object outside the user's region and PermissionDenied for one they may not use.
        """
        return {"create_units": bool(request.POST.get("create_units"))}

    @classmethod
    def start_context(cls, user, options):
        """What the start page shows about the options: "option_lines" (the options in force), "option_choices"
        ({"name", "label", "choices", "empty"}: one still to be chosen before a file can be uploaded)."""
        return {"offer_create_units": user.is_county_admin}

    @classmethod
    def dropdowns(cls, user):
        """Column key → the values its template cells offer."""
        return {}

    @classmethod
    def template_sheets(cls, user, **options):
        from .writer import SheetSpec

        keys = cls.template_keys or [c.key for c in cls.columns]
        by_key = {c.key: c for c in cls.columns}
        headers = [("*" if by_key[k].required else "") + by_key[k].header for k in keys]
        lists = cls.dropdowns(user)
        return [
            SheetSpec(cls.title, headers, [],
                      text_columns={i for i, k in enumerate(keys) if k in cls.text_keys},
                      widths={i: max(10, len(h) * 2 + 4) for i, h in enumerate(headers)},
                      dropdowns={i: lists[k] for i, k in enumerate(keys) if k in lists}),
            SheetSpec("填表说明", ["填表说明"], [[line] for line in cls.instructions], widths={0: 100},
                      freeze_header=False),
        ]

    def read(self, data, filename):
        return read_limited(data, filename, self.columns, max_rows=settings.IMPORT_MAX_ROWS,
                            max_bytes=settings.IMPORT_MAX_BYTES, meanwhile=self.prepare)

    def prepare(self):
        """Load what the rows will be checked against and that does not depend on the file (the units, villages …
        of the user's region). read() runs it while the file is read in its own process, so the two overlap;
        plan_rows() then finds it loaded."""

    def run(self, data, filename, *, commit):
        # A plan holds ~20 objects per row, none of them cyclic garbage: without this the cyclic collector
        # rescans them all again and again (0.4–0.8 s of a 10,000-row import).
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._run(data, filename, commit=commit)
        finally:
            if collecting:
                gc.enable()

    def _run(self, data, filename, *, commit):
        # Progress of a background import (a no-op in a request or a command): see jobs.progress.
        if commit:
            progress(5, "正在读取文件……")
        try:
            table = self.read(data, filename)
        except FileRejected as rejected:
            return Plan(problems=[Problem(0, "", rejected.message)])
        if commit:
            progress(25, f"已读取 {len(table.rows):,} 行，正在逐行核对……")
        plan = self.plan_rows(table)
        if commit and not plan.problems:
            progress(60, f"核对无误，正在写入 {plan.rows:,} 行……")
            try:
                with transaction.atomic():
                    self.write(plan)
            except IntegrityError:
                # A rule the row checks missed, or a change by someone else since the check: nothing was written.
                plan.problems.append(Problem(0, "", "写入时数据库拒绝了这批数据（可能刚被他人修改），未写入任何数据。"
                                                    "请重新上传预览。"))
                return plan
            except ValidationError as refused:  # a rule write() re-checks under lock, e.g. a period locked meanwhile
                plan.problems.extend(Problem(0, "", message) for message in refused.messages)
                return plan
            except DatabaseError as error:
                if isinstance(error, OperationalError) and retryable(error):
                    raise  # a deadlock: the caller (excel.services) retries the whole transaction
                plan.problems.append(Problem(0, "", "写入时数据库拒绝了这批数据，未写入任何数据。"
                                                    "请重新上传预览；如仍不行，请联系系统管理员。"))
                return plan
            plan.written = True
        return plan

    def plan_rows(self, table):
        raise NotImplementedError

    def write(self, plan):
        raise NotImplementedError


def progress(percent, message):
    from jobs import progress as job_progress  # jobs sits above excel; its progress is a no-op outside a job

    job_progress(percent, message)


def insert_rows(model, fields, rows, *, analyze=True):
    """Insert checked rows given as value tuples in `fields` order (attnames, e.g. "secretary_id").

    COPY on PostgreSQL: thousands of rows without building a model instance or compiling an INSERT for each
    (for a 10,000-row import that is most of the write time). `rows` may be a generator: the rows are sent as they
    come, so the database stores the first while the next are made (encrypted, say). Elsewhere, bulk_create.
    The table is analysed after the commit when the rows are many (villages.dbstats); analyze=False for a caller
    that does it for all it wrote. A JSON value is encoded once per object: rows may share one.
    """
    if connection.vendor != "postgresql":
        rows = list(rows)
        if rows:
            model.objects.bulk_create([model(**dict(zip(fields, row, strict=True))) for row in rows],
                                      batch_size=2000)
        return
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    meta, quote = model._meta, connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    as_json = [i for i, field in enumerate(columns) if isinstance(field, models.JSONField)]
    sql = f"COPY {quote(meta.db_table)} ({', '.join(quote(f.column) for f in columns)}) FROM STDIN"
    encoded = {}  # id(value) → (value, its JSON text); holding the value keeps its id from being reused
    count = 0
    # The raw cursor's errors (a unique violation by a concurrent import) become Django's, like any query's.
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in itertools.chain((first,), rows):
            if as_json:
                row = list(row)
                for i in as_json:
                    known = encoded.get(id(row[i]))
                    if known is None:
                        known = encoded[id(row[i])] = (row[i], json.dumps(row[i], ensure_ascii=False))
                    row[i] = known[1]
            copy.write_row(row)
            count += 1
    if analyze:
        analyze_after_commit([model], rows=count)


def in_batches(values, db_type):
    """What to pass as `field__in=…` to match `values`, in as few queries as the database allows: on PostgreSQL
    one query, the values bound as one array (`IN (SELECT unnest(%s::text[]))`; 10,000 values are otherwise
    10,000 placeholders for Django to build and the driver to splice, a third of a second); elsewhere lists of
    IN_BATCH values. db_type is the array's element type: "text" or "bigint". Nothing for no values.

        for part in in_batches(numbers, "text"):
            found += Secretary.objects.filter(id_number_hash__in=part)
    """
    values = list(values)
    if not values:
        return
    if connection.vendor == "postgresql":
        if db_type not in ("text", "bigint"):
            raise ValueError(db_type)
        yield RawSQL(f"SELECT unnest(%s::{db_type}[])", (values,))
        return
    for start in range(0, len(values), IN_BATCH):
        yield values[start:start + IN_BATCH]


def retryable(error):
    """A deadlock, a serialization failure, a lock timeout (PostgreSQL) or a locked database (SQLite)."""
    if getattr(error.__cause__, "sqlstate", None) in ("40P01", "40001", "55P03"):
        return True
    return "database is locked" in str(error) or "database table is locked" in str(error)


def sha256(data):
    return hashlib.sha256(data).hexdigest()
