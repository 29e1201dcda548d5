"""What the import pipeline's bulk helpers promise: work done while the file is read, lookups by many values at
once, rows streamed into the database."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import AuditLog
from excel.pipeline import IN_BATCH, in_batches, insert_rows
from excel.reader import FileRejected
from excel.sandbox import read_limited
from secretaries.models import Secretary
from tests import factories as f

from .conftest import xlsx
from .test_reader import COLUMNS, HEADER, LI, ZHANG


def read(data, **kwargs):
    return read_limited(data, "名册.xlsx", COLUMNS, max_rows=100, max_bytes=1024 * 1024, **kwargs)


@pytest.mark.parametrize("isolated", [True, False])
def test_the_callers_work_runs_once_while_the_file_is_read(settings, isolated):
    settings.IMPORT_PARSE_ISOLATED = isolated
    done = []
    table = read(xlsx([HEADER, ZHANG, LI]), meanwhile=lambda: done.append("loaded"))
    assert done == ["loaded"]
    assert [row.values["name"] for row in table.rows] == ["张伟", "李娜"]


def test_a_refused_file_is_refused_whatever_ran_meanwhile():
    with pytest.raises(FileRejected):
        read(b"\x00\x01 not a spreadsheet", meanwhile=lambda: None)


def test_when_the_callers_work_fails_the_reading_child_is_ended_and_the_error_goes_on():
    def failing():
        raise RuntimeError("数据库不可用")

    with pytest.raises(RuntimeError, match="数据库不可用"):
        read(xlsx([HEADER, ZHANG]), meanwhile=failing)
    # The next file reads as usual (no child left behind holding anything).
    assert [row.values["name"] for row in read(xlsx([HEADER, LI])).rows] == ["李娜"]


@pytest.mark.django_db
def test_many_values_are_found_in_as_few_queries_as_the_database_allows(world, django_assert_num_queries):
    made = [f.secretary(world.county, world.unit, f"批量{i}") for i in range(3)]
    hashes = [person.id_number_hash for person in made] + ["0" * 32]  # one that matches nobody
    batches = list(in_batches(hashes, "text"))
    assert len(batches) == 1
    with django_assert_num_queries(1):
        found = {p.name for part in batches for p in Secretary.objects.filter(id_number_hash__in=part)}
    assert found == {"批量0", "批量1", "批量2"}
    pks = [person.pk for person in made]
    assert {p.name for part in in_batches(pks, "bigint") for p in Secretary.objects.filter(pk__in=part)} == found
    assert list(in_batches([], "text")) == []
    many = len(list(in_batches(range(IN_BATCH * 2 + 1), "bigint")))
    assert many == (1 if connection.vendor == "postgresql" else 3)


@pytest.mark.django_db
def test_rows_can_come_from_a_generator_and_share_one_changes_document(world):
    kind = ContentType.objects.get_for_model(Secretary).pk
    now, shared, other = timezone.now(), {"花名册导入": ["新增人员"]}, {"花名册导入": ["联系电话"]}
    columns = ("created_at", "user_id", "ip_address", "action", "content_type_id", "object_id", "object_repr",
               "changes", "region_id")
    rows = ((now, world.users.admin.pk, None, "create", kind, str(i), f"人{i}", other if i == 3 else shared,
             world.county.pk) for i in range(5))
    with transaction.atomic():
        insert_rows(AuditLog, columns, rows)
    logs = {log.object_repr: log for log in AuditLog.objects.filter(object_repr__startswith="人")}
    assert sorted(logs) == ["人0", "人1", "人2", "人3", "人4"]
    assert logs["人3"].changes == other and all(logs[f"人{i}"].changes == shared for i in (0, 1, 2, 4))
    assert logs["人0"].username == world.users.admin.username  # the actor is named as with any insert
    insert_rows(AuditLog, columns, iter(()))  # nothing to write: nothing happens
    assert AuditLog.objects.filter(object_repr__startswith="人").count() == 5
