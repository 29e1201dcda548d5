"""Races between imports, on PostgreSQL with real concurrent connections (threads): every one ends in a Chinese
message, one write, no duplicates, never a 500 or a traceback.

SQLite lets one writer in at a time and has no row locks or advisory locks to test; these are skipped there.
"""

import threading
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from evaluations.models import Score
from excel import services
from excel.models import ImportRecord
from secretaries.models import Secretary
from tests import factories as f
from tests.evaluations.conftest import open_period
from tests.evaluations.test_score_import import row as score_row
from tests.evaluations.test_score_import import xlsx as score_xlsx
from tests.secretaries.test_roster_import import person, xlsx

pytestmark = [
    pytest.mark.faults,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="row locks, advisory locks and deadlocks need PostgreSQL (set DATABASE_URL)"),
]


def at_once(*jobs):
    """Run the jobs in threads released together; → their results (or the exceptions they raised)."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except BaseException as error:  # noqa: B036 - reported to the test, which fails on it
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def logged_in(user):
    client = Client()
    client.force_login(user, backend="accounts.backends.RoleBackend")
    return client


def upload(client, data):
    client.post(reverse("excel:import_start", args=["roster"]), {"file": SimpleUploadedFile("花名册.xlsx", data)})
    return ImportRecord.objects.latest("pk")


def someone(name, number=None):
    """A roster row for a new person, without a village (so that any number of them fit)."""
    return person(name, number or f.id_number(), village="", township="")


@pytest.fixture
def second_admin(world):
    return f.user("admin_jx2", Role.COUNTY_ADMIN, world.county)


def test_two_users_confirming_one_preview_at_once_write_once(world, second_admin):
    first, second = logged_in(world.users.admin), logged_in(second_admin)
    for attempt in range(3):  # the issue saw duplicates 3 times of 3
        before = Secretary.objects.count()
        record = upload(first, xlsx([someone(f"孙丽{attempt}"), someone(f"周敏{attempt}")]))
        address = reverse("excel:import_confirm", args=[record.pk])
        pages = at_once(*(lambda c=client, a=address: c.post(a, follow=True) for client in (first, second)))
        texts = [page.content.decode() for page in pages]
        assert [page.status_code for page in pages] == [200, 200]
        assert sum("导入完成：新增 2 人" in text for text in texts) == 1
        assert sum("该导入已确认" in text for text in texts) == 1
        assert Secretary.objects.count() == before + 2


def test_the_confirm_function_run_twice_at_once_writes_once(world):
    record = upload(logged_in(world.users.admin), xlsx([someone("孙丽")]))
    outcomes = at_once(*(lambda: services.import_confirm(import_id=record.pk, user_id=world.users.admin.pk),) * 2)
    assert sorted(o.written for o in outcomes) == [False, True]
    assert [o.message for o in outcomes if not o.written] == ["该导入已确认，不能再次确认。"]
    assert Secretary.objects.filter(name="孙丽").count() == 1


def test_two_overlapping_imports_confirmed_at_once_end_in_messages_without_duplicates(world, second_admin):
    numbers = [f.id_number() for _ in range(40)]
    rows = [someone(f"同志{i}", number) for i, number in enumerate(numbers)]
    one = upload(logged_in(world.users.admin), xlsx(rows))
    other = upload(logged_in(second_admin), xlsx(list(reversed(rows))))  # the other order: deadlock-prone
    outcomes = at_once(lambda: services.import_confirm(import_id=one.pk, user_id=world.users.admin.pk),
                       lambda: services.import_confirm(import_id=other.pk, user_id=second_admin.pk))
    assert all(isinstance(o, services.Outcome) for o in outcomes), outcomes
    assert any(o.written for o in outcomes)
    assert all(o.message.startswith(("导入完成", "数据在预览之后", "数据库繁忙")) for o in outcomes)
    assert Secretary.objects.filter(id_number__in=numbers).count() == 40


def test_a_unique_violation_raised_by_copy_becomes_the_importers_message(world, monkeypatch):
    from secretaries.importers import RosterImporter

    number = f.id_number()
    real_write = RosterImporter.write

    def someone_else_first(self, plan):  # registers the same person between the check and the write
        f.secretary(world.county, world.unit, "抢先登记", id_number=number)
        real_write(self, plan)

    monkeypatch.setattr(RosterImporter, "write", someone_else_first)
    plan = RosterImporter(world.users.admin).run(xlsx([someone("孙丽", number)]), "花名册.xlsx", commit=True)
    assert not plan.written
    # The roster's own neutral answer (it names neither the other record nor where it is), never a traceback.
    assert plan.problems[0].reason.startswith("第 2 行不能作为新增人员登记")
    assert plan.problems[0].reason.endswith("未写入任何数据。")
    assert Secretary.objects.filter(name="孙丽").count() == 0


def run_command(name, *args):
    out = StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue()


def test_import_roster_twice_at_once_ends_in_two_chinese_results(world, tmp_path):
    path = tmp_path / "花名册.xlsx"
    numbers = [f.id_number() for _ in range(30)]
    path.write_bytes(xlsx([someone(f"同志{i}", n) for i, n in enumerate(numbers)]))
    results = at_once(*(lambda: run_command("import_roster", str(path), "--user", "admin_jx"),) * 2)
    assert all(isinstance(r, tuple) for r in results), results
    assert all("已全部写入" in out or "未写入任何数据" in out for _, out in results)
    assert "Traceback" not in str(results)
    assert Secretary.objects.filter(id_number__in=numbers).count() == 30
    assert ImportRecord.objects.filter(status="done").count() >= 1


def test_import_scores_twice_at_once_ends_in_two_chinese_results(world, scheme, extra_secretaries, tmp_path):
    period = open_period(world, scheme)
    path = tmp_path / "分数.xlsx"
    path.write_bytes(score_xlsx([score_row(world.sec_a, "组织考评", 90), score_row(world.sec_b, "组织考评", 80)]))
    args = (str(path), "--period", str(period.pk), "--user", "admin_jx")
    results = at_once(*(lambda: run_command("import_scores", *args),) * 2)
    assert all(isinstance(r, tuple) for r in results), results
    assert all("已全部写入" in out or "未写入任何数据" in out for _, out in results)
    assert Score.objects.filter(period=period, channel="org").count() == 10  # 2 people × 5 dimensions, once
