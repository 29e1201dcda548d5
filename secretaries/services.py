"""Assignments change only through these services: full_clean inside a transaction, audited."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts import audit
from accounts.models import AuditLog, actor_role
from excel.pipeline import in_batches, insert_rows
from villages.dbstats import analyze_after_commit

from .models import Assignment, DispatchUnit, Secretary

# How far ahead a rotation may be scheduled; a typo like 2205 should not end today's post.
MAX_DAYS_AHEAD = 366
RACE = "保存时发现该村或该同志的在岗状态刚被他人修改，请刷新页面后重试。"


def _move_secretary(secretary, region):
    """Secretary.region follows the village of their latest assignment (that is what scopes them)."""
    if secretary.region_id != region.pk:
        Secretary.objects.filter(pk=secretary.pk).update(region=region)
        secretary.region = region


def _save(assignment, **kwargs):
    """Save; a constraint that another request won between our check and our write is a ValidationError."""
    try:
        with transaction.atomic():
            assignment.save(**kwargs)
    except IntegrityError:
        raise ValidationError(RACE) from None


@transaction.atomic
def assignment_create(*, user, request=None, **fields):
    assignment = Assignment(**fields)
    if assignment.end_date is None and assignment.batch_id:
        assignment.end_date = assignment.batch.end_date  # 期满日期: the batch's end unless told otherwise
    assignment.full_clean()
    _save(assignment)
    _move_secretary(assignment.secretary, assignment.village.region)
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=assignment)
    return assignment


@transaction.atomic
def assignment_end(*, user, request=None, assignment, end_date, status, note=""):
    """End an active assignment (召回, 调整 or 期满轮换) without starting another."""
    # Re-read under a row lock: a rotation or recall running at the same moment waits, then sees it ended.
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if not assignment.is_active:
        raise ValidationError("该派驻记录已经结束，不能再次结束。")
    if status == Assignment.Status.ACTIVE:
        raise ValidationError({"status": "请选择离任原因。"})
    before = audit.snapshot(assignment, ["status", "end_date", "note"])
    assignment.status, assignment.end_date = status, end_date
    if note:
        assignment.note = note
    assignment.full_clean()
    _save(assignment, update_fields=["status", "end_date", "note"])
    changes = audit.diff(before, audit.snapshot(assignment, before), before)
    audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=assignment, changes=changes)
    return assignment


@transaction.atomic
def assignment_rotate(*, user, request=None, assignment, village, start_date, end_date=None, batch=None,
                      role=None, dispatch_level=None, reason=Assignment.Status.ROTATED, note=""):
    """Rotate a secretary: end the current assignment the day before `start_date`, start the next one.

    Both happen or neither does; the old record is kept with its real end date. `note` goes on the new one.
    """
    if village.pk == assignment.village_id:
        raise ValidationError({"village": "新的所驻村与当前所驻村相同。"})
    if start_date <= assignment.start_date:
        began = f"{assignment.start_date:%Y-%m-%d}"
        raise ValidationError({"start_date": f"轮换日期必须晚于当前派驻的开始日期（{began}）。"})
    if start_date > datetime.date.today() + datetime.timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationError({"start_date": "轮换日期不能晚于一年以后，请核对年份。"})
    ended = assignment_end(
        user=user, request=request, assignment=assignment,
        end_date=start_date - datetime.timedelta(days=1), status=reason,
    )
    return assignment_create(
        user=user,
        request=request,
        secretary=ended.secretary,
        village=village,
        batch=batch or ended.batch,
        role=role or ended.role,
        dispatch_level=dispatch_level or ended.dispatch_level,
        start_date=start_date,
        end_date=end_date,
        note=note,
    )



ASSIGNMENT_COLUMNS = ("secretary_id", "village_id", "batch_id", "dispatch_level", "role", "start_date", "end_date",
                      "status", "note")
AUDIT_COLUMNS = ("created_at", "user_id", "ip_address", "action", "content_type_id", "object_id", "object_repr",
                 "changes", "region_id")
ROSTER_AUDIT_COLUMNS = (*AUDIT_COLUMNS, "username", "user_role")
PERSON_FIELDS = ("name", "ethnicity", "political_status", "education", "phone", "unit", "post", "rank", "region")
PERSON_ATTNAMES = tuple(f"{f}_id" if f in ("unit", "region") else f for f in PERSON_FIELDS)
PERSON_DEFAULTS = {name: Secretary._meta.get_field(name).get_default() for name in PERSON_ATTNAMES}


def roster_apply(*, user, unit_region, people, ends, updates, creates, units, hashes=None, request=None):
    """Write a checked roster plan (see importers.RosterImporter) with bulk statements, inside the caller's
    transaction. `people` holds (row, fields, region id, change labels) for every good row.

    Order matters: assignments end before new ones start, so the one-active constraints hold throughout.
    """
    if units:
        DispatchUnit.objects.bulk_create([DispatchUnit(name=name, level=level, region=unit_region)
                                          for name, level in units.items()])
    unit_ids = dict(DispatchUnit.objects.filter(region=unit_region, name__in=list(units)).values_list("name", "pk"))
    upserts, new_people = [], []
    for row, fields, region_id, _ in people:
        person = row["person"]
        if person is not None and "unit_new" not in row and not _differs(person, fields, region_id):
            continue  # only the assignment changes
        values = {name: getattr(person, name) for name in PERSON_ATTNAMES} if person else dict(PERSON_DEFAULTS)
        values.update(fields, region_id=region_id)
        if "unit_new" in row:
            values["unit_id"] = unit_ids[row["unit_new"][0]]
        if person is None:
            new_people.append((row["id_number"], *(values[name] for name in PERSON_ATTNAMES)))
        else:
            upserts.append(Secretary(id_number=row["id_number"], **values))
    # Known people: an upsert keyed by the ID number's hash. New ones: inserted in one go (COPY on PostgreSQL); if
    # the number is registered already (elsewhere, or by someone since the check), the unique constraint on the
    # hash refuses the whole import.
    Secretary.objects.bulk_create(upserts, batch_size=2000, update_conflicts=True,
                                  unique_fields=["id_number_hash"], update_fields=[*PERSON_FIELDS, "phone_hash"])
    hashes, pks = _insert_people(new_people, hashes or {})
    analyze_after_commit([Secretary], rows=len(upserts) + len(new_people))
    touched = [(row, changes) for row, _, _, changes in people if changes]
    # Django sets primary keys from an upsert on PostgreSQL and SQLite ≥ 3.35; ask the database otherwise.
    pks.update((row["id_number"], row["person"].pk) for row, _ in touched if row["person"] is not None)
    pks.update((s.id_number, s.pk) for s in upserts if s.pk is not None)
    missing = [row["id_number"] for row, _ in touched if row["id_number"] not in pks]
    pks.update(_pks_by_id_number(missing, hashes))
    if ends:
        ended = list(Assignment.objects.filter(pk__in=list(ends)))
        for assignment in ended:
            assignment.status, assignment.end_date = Assignment.Status.ROTATED, ends[assignment.pk]
        Assignment.objects.bulk_update(ended, ["status", "end_date"], batch_size=1000)
    for assignment, values in updates:
        for key, value in values.items():
            setattr(assignment, key, value)
    Assignment.objects.bulk_update([a for a, _ in updates], ["batch", "dispatch_level", "role", "start_date",
                                                           "end_date"], batch_size=1000)
    with connection.wrap_database_errors:
        insert_rows(Assignment, ASSIGNMENT_COLUMNS, (
            (pks[row["id_number"]], values["village_id"], values["batch_id"], values["dispatch_level"],
             values["role"], values["start_date"], values["end_date"], Assignment.Status.ACTIVE, "")
            for row, values in creates
        ))
    kind = ContentType.objects.get_for_model(Secretary).pk
    now, ip = timezone.now(), audit.client_ip(request)
    actor = user.pk if user.pk else None  # None: the operator at the shell
    # The actor's name and role as the audit table's insert trigger would look them up (one query a row there).
    named = (user.username, actor_role(user)) if actor else ("", "")
    documents = {}  # one changes document per distinct list of changes: insert_rows encodes each object once
    insert_rows(AuditLog, ROSTER_AUDIT_COLUMNS, (
        (now, actor, ip, AuditLog.Action.UPDATE if row["person"] else AuditLog.Action.CREATE, kind,
         str(pks[row["id_number"]]), row["fields"].get("name", "")[:200],
         documents.setdefault(tuple(changes), {"花名册导入": changes}), user.region_id, *named)
        for row, changes in touched
    ))


NEW_PERSON_COLUMNS = ("id", "id_number", "id_number_hash", *PERSON_ATTNAMES, "phone_hash")


def _insert_people(rows, known):
    """New people as (id_number, *PERSON_ATTNAMES) tuples; returns ({number: its hash}, {number: its primary key})
    (`known`: hashes computed already; no keys where the database chose them). COPY bypasses the fields, so on
    PostgreSQL the sensitive values are encrypted and hashed here, and the keys are taken from the table's
    sequence first, for the assignments and audit rows that follow; bulk_create (elsewhere) lets the fields do it."""
    meta = Secretary._meta
    number, number_hash = meta.get_field("id_number"), meta.get_field("id_number_hash")
    hashes = {row[0]: known.get(row[0]) or number_hash.of(row[0]) for row in rows}
    if not rows:
        return hashes, {}
    if connection.vendor != "postgresql":
        insert_rows(Secretary, ("id_number", *PERSON_ATTNAMES), rows, analyze=False)  # roster_apply analyses
        return hashes, {}
    pks = dict(zip((row[0] for row in rows), _new_ids(Secretary, len(rows)), strict=True))
    phone, phone_hash = meta.get_field("phone"), meta.get_field("phone_hash")
    at = PERSON_ATTNAMES.index("phone") + 1
    with connection.wrap_database_errors:  # COPY raises psycopg's own errors: make a clash an IntegrityError
        insert_rows(Secretary, NEW_PERSON_COLUMNS, (  # a generator: encrypted while the first rows are stored
            (pks[row[0]], number.encrypt(row[0]), hashes[row[0]], *row[1:at], phone.encrypt(row[at]),
             *row[at + 1:], phone_hash.of(row[at]))
            for row in rows
        ), analyze=False)
    return hashes, pks


def _new_ids(model, count):
    """`count` primary keys from the table's own sequence (PostgreSQL), in one statement."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [model._meta.db_table, model._meta.pk.column, count])
        return [pk for (pk,) in cursor.fetchall()]


def _differs(person, fields, region_id):
    return person.region_id != region_id or any(getattr(person, k) != v for k, v in fields.items())


def _pks_by_id_number(numbers, hashes):
    """By the hash column (read without decrypting anything); `hashes` has those of the people just inserted."""
    of = Secretary._meta.get_field("id_number_hash").of
    by_hash = {hashes.get(n) or of(n): n for n in numbers}
    pks = {}
    for part in in_batches(by_hash, "text"):
        for key, pk in Secretary.objects.filter(id_number_hash__in=part).order_by().values_list("id_number_hash", "pk"):
            pks[by_hash[key]] = pk
    return pks
