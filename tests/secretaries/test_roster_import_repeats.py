"""The roster import works each distinct cell out once a run and writes new people with keys it takes up front:
what the user sees must be exactly what checking every row on its own would show."""

import datetime

import pytest

from accounts.models import AuditLog
from secretaries.models import Assignment, Secretary
from tests import factories as f

from .test_roster_import import HEADERS, person, run, xlsx

pytestmark = pytest.mark.django_db

COLUMN = {header: i for i, header in enumerate(HEADERS)}


def villages(world, count):
    return [f.village(world.town_a, f"重复村{i}").region.name for i in range(count)]


def test_every_row_with_the_same_bad_value_is_named_with_the_same_reason(world):
    names = villages(world, 6)
    rows = [person(f"书记{i}", f.id_number(), village=names[i], 派驻层级="乡派" if i % 2 else "县派")
            for i in range(6)]
    plan = run(world.users.admin, xlsx(rows))
    assert not plan.written
    assert [(p.row, p.column) for p in plan.problems] == [(3, "派驻层级"), (5, "派驻层级"), (7, "派驻层级")]
    assert len({p.reason for p in plan.problems}) == 1 and "“乡派”不是有效的选项" in plan.problems[0].reason


def test_a_yes_cell_and_a_one_cell_are_told_apart(world):
    # True == 1 in Python, but the cells read 是 and 1: each row's reason quotes its own cell.
    names = villages(world, 2)
    rows = [person("甲", f.id_number(), village=names[0], 民族=True),
            person("乙", f.id_number(), village=names[1], 民族=1)]
    reasons = {p.row: p.reason for p in run(world.users.admin, xlsx(rows)).problems}
    assert "“是”不是有效的选项" in reasons[2] and "“1”不是有效的选项" in reasons[3]


def test_the_same_date_in_many_rows_is_read_for_each(world):
    names = villages(world, 4)
    rows = [person(f"书记{i}", f.id_number(), village=names[i], 开始日期=datetime.date(2025, 3, 1), 结束日期="")
            for i in range(4)]
    rows[2][COLUMN["开始日期"]] = "2025-02-30"
    problems = run(world.users.admin, xlsx(rows)).problems
    assert [(p.row, p.column, p.reason) for p in problems] == [(4, "开始日期", "日期 2025-02-30 不存在")]
    rows[2][COLUMN["开始日期"]] = datetime.date(2025, 3, 1)
    assert run(world.users.admin, xlsx(rows)).written
    assert {a.start_date for a in Assignment.objects.filter(secretary__name__startswith="书记")} == {
        datetime.date(2025, 3, 1)}


def test_a_new_persons_uncalculated_phone_formula_gives_both_reasons_in_order(world):
    row = person("孙丽", f.id_number(), 联系电话="=A1")
    problems = run(world.users.admin, xlsx([row])).problems
    assert [(p.row, p.column) for p in problems] == [(2, "联系电话"), (2, "联系电话")]
    assert "公式" in problems[0].reason and problems[1].reason == "新增人员须填写联系电话。"


def test_a_known_person_needs_no_phone_but_a_new_one_does(world):
    known = person("张伟", world.sec_a.id_number, village="王庄村", 联系电话="")
    new = person("孙丽", f.id_number(), 联系电话="")
    problems = run(world.users.admin, xlsx([known, new])).problems
    assert [(p.row, p.column, p.reason) for p in problems] == [(3, "联系电话", "新增人员须填写联系电话。")]


def test_new_people_get_keys_their_assignments_and_audit_rows_point_to(world):
    names = villages(world, 3)
    numbers = [f.id_number() for _ in names]
    plan = run(world.users.admin, xlsx([person(f"新人{i}", numbers[i], village=names[i]) for i in range(3)]))
    assert plan.written
    for number, village in zip(numbers, names, strict=True):
        added = Secretary.objects.get(id_number=number)
        assert added.assignments.get().village.region.name == village
        log = AuditLog.objects.get(object_id=str(added.pk), content_type__model="secretary")
        assert log.object_repr == added.name and log.action == "create"
    # A person added by hand afterwards gets a key of their own (the sequence moved past the imported ones).
    later = f.secretary(world.county, world.unit, "后来")
    assert later.pk > max(Secretary.objects.filter(name__startswith="新人").values_list("pk", flat=True))


def test_the_audit_rows_name_the_importer_as_the_audit_log_shows_them(world):
    run(world.users.admin, xlsx([person("孙丽", f.id_number())]))
    log = AuditLog.objects.get(object_repr="孙丽")
    assert (log.user, log.username, log.user_role) == (world.users.admin, "admin_jx", "county_admin")
    assert log.changes == {"花名册导入": ["新增人员", "新派驻"]}
