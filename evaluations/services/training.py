"""培训: sessions, attendance recorded as one grid, a county's yearly minimum, and hours per person per year.

Every write is checked (full_clean), runs in one transaction with its audit rows, and refuses to overwrite what
someone else saved since the page was opened (sessions through operations.forms.VersionCheckedForm; the
attendance grid through the row fingerprints it was opened with, see `attendance_save`).
"""

import datetime
import hashlib
from decimal import Decimal
from itertools import groupby

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from accounts import audit
from accounts.models import AuditLog
from secretaries.models import Assignment
from villages.models import Region

from ..models import TrainingAttendance, TrainingRequirement, TrainingSession

ZERO = Decimal("0")
HOURS = DecimalField(max_digits=8, decimal_places=1)
SESSION_FIELDS = ("region", "topic", "level", "organiser", "start_date", "end_date", "hours", "place", "notes")
STATUS = TrainingAttendance.Status
NOT_RECORDED = "未登记"
UNREAD = ("secretary__id_number", "secretary__phone")  # encrypted and never shown here: not decrypted
RULE_LEVELS = (Region.Level.PROVINCE, Region.Level.CITY, Region.Level.COUNTY)


def year_span(year):
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


# --- sessions --------------------------------------------------------------------------------------------------

@transaction.atomic
def session_create(*, user, request=None, **fields):
    session = TrainingSession(created_by=user, **{name: fields[name] for name in SESSION_FIELDS if name in fields})
    session.topic = (session.topic or "").strip()
    session.full_clean()
    session.save()
    audit.record(user=user, request=request, action=AuditLog.Action.CREATE, obj=session,
                 changes={"topic": session.topic, "organiser": session.organiser, "hours": f"{session.hours}",
                          "dates": f"{session.start_date} 至 {session.end_date}"})
    return session


@transaction.atomic
def session_update(session, *, user, request=None, **fields):
    """Change a session. Present people credited the full hours follow a change of hours; partial credits above
    the new hours are lowered to it. Returns the session as saved.

    The row is read again, locked: an edit form has already written its values onto the instance it was given, and
    the audit compares against what the database held."""
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    before = audit.snapshot(session, SESSION_FIELDS)
    old_hours = session.hours
    for name in SESSION_FIELDS:
        if name in fields:
            setattr(session, name, fields[name])
    session.topic = (session.topic or "").strip()
    session.full_clean()
    session.save()
    changes = audit.diff({k: _plain(v) for k, v in before.items()},
                         {k: _plain(v) for k, v in audit.snapshot(session, SESSION_FIELDS).items()}, SESSION_FIELDS)
    if session.hours != old_hours:
        rows = session.attendances.filter(status=STATUS.PRESENT)
        followed = rows.filter(hours=old_hours).update(hours=session.hours)
        capped = rows.filter(hours__gt=session.hours).update(hours=session.hours)
        if followed or capped:
            changes["attendance"] = f"随学时调整出勤记录 {followed + capped} 条"
    if changes:
        audit.record(user=user, request=request, action=AuditLog.Action.UPDATE, obj=session, changes=changes)
    return session


@transaction.atomic
def session_delete(session, *, user, request=None):
    count = session.attendances.count()
    audit.record(user=user, request=request, action=AuditLog.Action.DELETE, obj=session,
                 changes={"topic": session.topic, "attendance": f"同时删除出勤记录 {count} 条"})
    session.delete()


def _plain(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


# --- attendance ------------------------------------------------------------------------------------------------

def grid_people(session, user, township=None):
    """The people of the session's grid, as active assignments: everyone serving now under the session's region
    that the user sees (a township official: their township), plus anyone already recorded for the session whom
    the user sees (someone rotated away since keeps their row). Ordered by township and village."""
    scope = Assignment.objects.for_user(user)
    serving = Q(status=Assignment.Status.ACTIVE, village__region__path__startswith=session.region.path)
    recorded = Q(secretary__in=TrainingAttendance.objects.for_user(user).filter(session=session).values("secretary"))
    found = scope.filter(serving | recorded)
    if township is not None:
        found = found.filter(village__region__path__startswith=township.path)
    people, seen = [], set()
    for assignment in (found.select_related("secretary__region", "secretary__unit", "village__region__parent")
                       .order_by("secretary", "-status", "-start_date")):  # "active" sorts after the ended ones
        if assignment.secretary_id not in seen:
            seen.add(assignment.secretary_id)
            people.append(assignment)
    people.sort(key=lambda a: (a.village.region.path, a.secretary.name, a.secretary_id))
    return people


def fingerprint(row):
    """A short digest of one attendance row (None: not recorded), carried by the grid to detect lost updates."""
    text = "" if row is None else f"{row[0]}|{Decimal(row[1]).normalize()}|{row[2]}"
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def row_values(attendance):
    return None if attendance is None else (attendance.status, attendance.hours, attendance.note)


def resolve(session, status, hours, note):
    """(status, hours credited, note) of a grid entry: present without hours → the session's hours."""
    if status == STATUS.PRESENT:
        hours = session.hours if hours is None else hours
        if hours > session.hours:
            raise ValidationError(f"计入学时不能超过本期培训的 {session.hours} 学时。")
        if hours < 0:
            raise ValidationError("学时不能为负数。")
    else:
        if hours:
            raise ValidationError("请假或缺勤不计学时，请将学时留空或填 0。")
        hours = ZERO
    return status, Decimal(hours), (note or "").strip()


@transaction.atomic
def attendance_save(session, entries, *, user, opened=None, request=None):
    """Save one grid: entries = {secretary: (status, hours, note) already resolved, or None (not recorded)}.

    `opened` = {secretary id: fingerprint} of the rows as the grid showed them. A row someone else changed since
    is kept as they saved it when this grid left it as it was; when this grid changed it too, nothing is saved and
    the ValidationError names the people and what the row says now. Returns the number of rows changed.
    """
    TrainingSession.objects.select_for_update().filter(pk=session.pk).first()  # one grid save at a time
    people = {secretary.pk: secretary for secretary in entries}
    existing = {}
    for row in TrainingAttendance.objects.filter(session=session, secretary__in=list(people)):
        row.secretary = people[row.secretary_id]  # with its region loaded: the audit rows need it
        existing[row.secretary_id] = row
    opened = opened or {}
    conflicts, changed = [], []
    for secretary, entry in entries.items():
        row = existing.get(secretary.pk)
        now = fingerprint(row_values(row))
        was = opened.get(secretary.pk)
        if was is not None and was != now:  # changed by someone else since the grid was opened
            if fingerprint(entry) == was:
                continue  # this grid did not touch it: theirs stays
            if fingerprint(entry) != now:
                conflicts.append(f"{secretary.name}（现为：{_label(row)}）")
            continue
        if fingerprint(entry) != now:
            changed.append((secretary, row, row_values(row), entry))
    if conflicts:
        raise ValidationError("在您打开此页之后，有人修改了以下人员的出勤记录，本次没有保存任何内容："
                              + "；".join(conflicts) + "。页面已显示最新记录，请核对后重新提交。", code="conflict")
    creates, updates, deletes = [], [], []
    for secretary, row, _before, entry in changed:
        if entry is None:
            deletes.append(row)
            continue
        status, hours, note = entry
        if row is None:
            creates.append(TrainingAttendance(session=session, secretary=secretary, status=status, hours=hours,
                                              note=note, recorded_by=user))
        else:
            row.status, row.hours, row.note, row.recorded_by = status, hours, note, user
            updates.append(row)
    for row in creates + updates:
        row.full_clean(exclude=["session", "secretary"], validate_unique=False)
    try:
        with transaction.atomic():
            TrainingAttendance.objects.filter(pk__in=[row.pk for row in deletes]).delete()
            TrainingAttendance.objects.bulk_create(creates, batch_size=2000)
            now = timezone.now()
            for row in updates:
                row.updated_at = now
            TrainingAttendance.objects.bulk_update(updates, ["status", "hours", "note", "recorded_by", "updated_at"],
                                                   batch_size=2000)
    except IntegrityError:
        raise ValidationError("保存时发现他人刚刚登记了同一批人员的出勤，本次没有保存。请刷新页面后重试。") from None
    saved = {row.secretary_id: row for row in creates + updates}
    for secretary, row, before, entry in changed:
        audit.record(user=user, request=request,
                     action=(AuditLog.Action.DELETE if entry is None else
                             AuditLog.Action.CREATE if row is None else AuditLog.Action.UPDATE),
                     obj=saved.get(secretary.pk) or row,
                     changes={"session": session.topic, "secretary": secretary.name,
                              "attendance": [label_values(before), label_values(entry)]})
    return len(changed)


def _label(row):
    return label_values(row_values(row))


def label_values(values):
    if values is None:
        return NOT_RECORDED
    status, hours, note = values
    text = f"{STATUS(status).label} {Decimal(hours).normalize():f} 学时"
    return f"{text}（{note}）" if note else text


# --- the yearly minimum ----------------------------------------------------------------------------------------

@transaction.atomic
def requirement_set(*, user, region, year, min_hours, request=None, today=None):
    """每年不少于 N 学时 for the region and year. A year that has ended keeps its rule (its figures were judged
    against it); a later year is a new row, so changing next year's never changes this year's."""
    today = today or timezone.localdate()
    if region.level not in RULE_LEVELS:
        raise ValidationError("最低学时由县（市、区）、市或省的组织部门设置。")
    if year < today.year:
        raise ValidationError({"year": f"{year} 年已经结束，该年度的最低学时要求不能再更改。"})
    rule = TrainingRequirement.objects.select_for_update().filter(region=region, year=year).first()
    before = None if rule is None else rule.min_hours
    if rule is None:
        rule = TrainingRequirement(region=region, year=year)
    rule.min_hours, rule.set_by = min_hours, user
    rule.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        raise ValidationError("他人刚刚设置了该年度的最低学时，本次没有保存。请刷新页面后核对。") from None
    audit.record(user=user, request=request,
                 action=AuditLog.Action.CREATE if before is None else AuditLog.Action.UPDATE, obj=rule,
                 changes={"year": year, "min_hours": [None if before is None else f"{before}", f"{rule.min_hours}"]})
    return rule


def minimum_subquery(year, village_region="village__region"):
    """The minimum that applies to a village's people: the county's rule for the year, else the city's, else the
    province's (rules are set at those levels only: requirement_set). Three index look-ups by (region, year) on the
    village's ancestors, which the tree 省 → 市 → 县 → 镇 → 村 puts two, three and four levels up."""
    def rule(levels_up):
        region = OuterRef(village_region + "__parent" * levels_up)
        return Subquery(TrainingRequirement.objects.filter(year=year, region=region).order_by()
                        .values("min_hours")[:1], output_field=HOURS)

    return Coalesce(rule(2), rule(3), rule(4), output_field=HOURS)


def hours_subquery(year, secretary_ref="secretary"):
    first, last = year_span(year)
    sessions = TrainingSession.objects.filter(start_date__range=(first, last)).order_by().values("pk")
    rows = (TrainingAttendance.objects.filter(secretary=OuterRef(secretary_ref), session__in=sessions)
            .order_by().values("secretary").annotate(total=Sum("hours")).values("total"))
    return Coalesce(Subquery(rows, output_field=HOURS), Value(ZERO), output_field=HOURS)


def served_in(year):
    """The assignments served during the year: the test _place_in applies, as a filter."""
    first, last = year_span(year)
    return Q(start_date__lte=last) & (Q(status=Assignment.Status.ACTIVE) | Q(end_date__isnull=True)
                                      | Q(end_date__gte=first))


def place_minimum_subquery(year):
    """The minimum for an active assignment's person in a past year: the rule (minimum_subquery) of the village of
    the last assignment they served during the year, as _place_in chooses it (latest start, then latest id); the
    row's own village when they served nowhere that year (as the archive falls back to where they are now)."""
    places = (Assignment.objects.filter(secretary=OuterRef("secretary"))
              .filter(served_in(year) | Q(pk=OuterRef("pk")))
              .annotate(elsewhen=Case(When(served_in(year), then=Value(0)), default=Value(1)))
              .order_by("elsewhen", "-start_date", "-pk")
              .annotate(rule=minimum_subquery(year)).values("rule")[:1])
    return Subquery(places, output_field=HOURS)


def judged_where_served(year, today=None):
    """A past year is judged where each person served in it; this year and later where they serve now."""
    return year < (today or timezone.localdate()).year


def hours_table(user, year, township=None, today=None):
    """Every serving person the user sees, with their hours of the year and the minimum that applies: one query.

    Rows are active assignments (one per person), annotated `hours` and `minimum` (None: no rule). For a past year
    the minimum is that of where the person served in it (place_minimum_subquery), as on the archive.
    """
    minimum = place_minimum_subquery(year) if judged_where_served(year, today) else minimum_subquery(year)
    rows = (Assignment.objects.for_user(user).active()
            .select_related("secretary__unit", "village__region__parent").defer(*UNREAD)
            .annotate(hours=hours_subquery(year), minimum=minimum)
            .order_by("village__region__path", "secretary__name", "pk"))
    if township is not None:
        rows = rows.filter(village__region__path__startswith=township.path)
    return rows


def hours_rows(user, year, township=None, only_below=False, today=None):
    """hours_table's rows with the same figures, for the export, as plain rows: (assignment id, secretary id,
    township, village, name, unit, duty, hours, minimum). One aggregate query for everyone's hours and one for the
    rules instead of subqueries on every row (PostgreSQL would JIT-compile those for a province's 20,000 rows), and
    no model instances (building six per row is most of the time). The rules sit on counties, cities and provinces
    only, so the deepest rule on the village's path is the one minimum_subquery finds. A past year: one more query
    for where everyone served in it (places_in)."""
    rows = Assignment.objects.for_user(user).active().order_by("village__region__path", "secretary__name", "pk")
    if township is not None:
        rows = rows.filter(village__region__path__startswith=township.path)
    first, last = year_span(year)
    sessions = TrainingSession.objects.filter(start_date__range=(first, last)).order_by().values("pk")
    attended = TrainingAttendance.objects.for_user(user).filter(session__in=sessions)  # a serving person's rows
    if township is not None:  # are where the person serves: their region is their village
        attended = attended.filter(secretary__region__path__startswith=township.path)
    totals = dict(attended.order_by().values("secretary").annotate(total=Sum("hours"))
                  .values_list("secretary", "total"))
    rules = minimum_rules(year)
    places = places_in(year, rows.values("secretary")) if judged_where_served(year, today) else {}
    duties = dict(Assignment.Duty.choices)
    for pk, secretary, town, village, path, name, unit, duty in rows.values_list(
            "pk", "secretary", "village__region__parent__name", "village__region__name", "village__region__path",
            "secretary__name", "secretary__unit__name", "role").iterator(chunk_size=2000):
        hours, minimum = totals.get(secretary, ZERO), minimum_for(places.get(secretary) or path, rules)
        if not only_below or (minimum is not None and hours < minimum):
            yield pk, secretary, town, village, name, unit, duties.get(duty, duty), hours, minimum


def below(rows):
    """The rows of hours_table short of their minimum."""
    return rows.filter(hours__lt=F("minimum"))  # no rule: NULL, never less


def hours_by_person(secretary_ids, year):
    """{secretary id: hours of the year}: one aggregate query (for the unit page and the archive)."""
    first, last = year_span(year)
    rows = (TrainingAttendance.objects.filter(secretary__in=secretary_ids, session__start_date__range=(first, last))
            .order_by().values("secretary").annotate(total=Sum("hours")))
    return {row["secretary"]: row["total"] for row in rows}


def minimum_rules(year):
    """{region id: minimum hours} of every rule for the year (a few per county at most): one query."""
    return dict(TrainingRequirement.objects.filter(year=year).values_list("region", "min_hours"))


def minimum_for(path, rules):
    """The rule for a place given its region path: the deepest region on the path that has one."""
    for region_id in reversed([int(part) for part in path.strip("/").split("/") if part]):
        if region_id in rules:
            return rules[region_id]
    return None


def yearly_hours(secretary):
    """[(year, sessions attended, hours)] of one person, oldest first: one aggregate query."""
    rows = (TrainingAttendance.objects.filter(secretary=secretary).annotate(year=ExtractYear("session__start_date"))
            .order_by().values("year")
            .annotate(sessions=Count("pk", filter=Q(status=STATUS.PRESENT)), total=Sum("hours")).order_by("year"))
    return [(row["year"], row["sessions"], row["total"]) for row in rows]


def person_record(secretary, user, today=None):
    """A person's training on their archive: every session they were recorded at, and each year's hours (the sum of
    those rows, as yearly_hours computes it) against the minimum, this year always shown. Three queries.

    A year is judged against the rule of where the person served that year (someone who moved counties met the
    old county's minimum there), their current place for a year they served nowhere."""
    this_year = (today or timezone.localdate()).year
    rows = list(TrainingAttendance.objects.for_user(user).filter(secretary=secretary).select_related("session")
                .order_by("-session__start_date", "-pk"))
    years = {this_year: [0, ZERO]}
    for row in rows:
        year = years.setdefault(row.session.start_date.year, [0, ZERO])
        year[0] += row.status == STATUS.PRESENT
        year[1] += row.hours
    places = list(Assignment.objects.filter(secretary=secretary).order_by("start_date", "pk")
                  .values_list("start_date", "end_date", "status", "village__region__path"))
    paths = {year: _place_in(year, places) or secretary.region.path for year in years}
    ancestors = {int(part) for path in paths.values() for part in path.strip("/").split("/") if part}
    rules = {}
    for region_id, year, hours in TrainingRequirement.objects.filter(
            year__in=list(years), region__in=ancestors).values_list("region", "year", "min_hours"):
        rules.setdefault(year, {})[region_id] = hours
    table = []
    for year in sorted(years):
        sessions, total = years[year]
        minimum = minimum_for(paths[year], rules.get(year, {}))
        table.append({"year": year, "sessions": sessions, "hours": total, "minimum": minimum,
                      "below": minimum is not None and total < minimum,
                      "short": None if minimum is None or total >= minimum else minimum - total})
    return {"years": table, "rows": rows, "this_year": next(y for y in table if y["year"] == this_year)}


def places_in(year, secretaries):
    """{secretary id: region path of the village they last served in during the year} (_place_in) for the
    secretaries given (ids or a values("secretary") queryset): one query, absent for who served nowhere."""
    rows = (Assignment.objects.filter(served_in(year), secretary__in=secretaries)
            .order_by("secretary", "start_date", "pk")
            .values_list("secretary", "start_date", "end_date", "status", "village__region__path"))
    return {secretary: _place_in(year, [row[1:] for row in group])
            for secretary, group in groupby(rows.iterator(chunk_size=2000), key=lambda row: row[0])}


def _place_in(year, places):
    """The region path of the last assignment served during the year (places: start, end, status, path, by start)."""
    first, last = year_span(year)
    found = None
    for start, end, status, path in places:
        if start <= last and (status == Assignment.Status.ACTIVE or end is None or end >= first):
            found = path
    return found


def annotate_people(people, year):
    """Set `training_hours`, `training_minimum` and `training_below` on secretaries that carry `current` or `last`
    (an assignment with its village's region loaded), as units.figures.people gives them: two queries. With their
    `history` (every assignment, village region loaded) the minimum is that of where they served during the year."""
    hours = hours_by_person([person.pk for person in people], year)
    rules = minimum_rules(year) if people else {}
    for person in people:
        place = getattr(person, "current", None) or getattr(person, "last", None)
        history = sorted(getattr(person, "history", []), key=lambda a: (a.start_date, a.pk))
        path = _place_in(year, [(a.start_date, a.end_date, a.status, a.village.region.path) for a in history])
        person.training_hours = hours.get(person.pk, ZERO)
        person.training_minimum = minimum_for(path or place.village.region.path, rules) if place else None
        person.training_below = person.training_minimum is not None and person.training_hours < person.training_minimum
    return people


def year_summary(secretary, year):
    """One person's hours of the year against their minimum (for their home page): two queries."""
    hours = hours_by_person([secretary.pk], year).get(secretary.pk, ZERO)
    rules = dict(TrainingRequirement.objects.filter(year=year, region__in=secretary.region.ancestor_ids())
                 .values_list("region", "min_hours"))
    minimum = minimum_for(secretary.region.path, rules)
    return {"year": year, "hours": hours, "minimum": minimum,
            "short": minimum - hours if minimum is not None and hours < minimum else None}
