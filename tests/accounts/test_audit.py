"""Audit rows name who acted for good, and (on PostgreSQL) can be neither edited nor deleted."""

import datetime
import importlib

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from accounts import audit
from accounts.models import AuditLog, User
from excel.pipeline import insert_rows
from tests import factories as f

pytestmark = pytest.mark.django_db
on_postgres = pytest.mark.skipif(connection.vendor != "postgresql",
                                 reason="the append-only trigger exists on PostgreSQL only")


def test_a_record_keeps_the_acting_users_name_and_role(world):
    row = audit.record(user=world.users.town_a, action=AuditLog.Action.UPDATE, obj=world.village_a)
    row.refresh_from_db()
    assert (row.username, row.user_role) == ("town_a", "township")
    assert "town_a（镇街工作人员）" in str(row)


def test_bulk_written_rows_get_the_actor_filled_in_by_the_database(world):
    kind = ContentType.objects.get_for_model(world.sec_a).pk
    insert_rows(AuditLog, ("created_at", "user_id", "ip_address", "action", "content_type_id", "object_id",
                           "object_repr", "changes", "region_id"),
                [(timezone.now(), world.users.admin.pk, None, "update", kind, str(world.sec_a.pk), "张伟", {}, None)])
    row = AuditLog.objects.get(object_repr="张伟")
    assert (row.username, row.user_role) == ("admin_jx", "county_admin")


def test_the_data_migration_names_the_actor_on_old_rows(world):
    row = audit.record(user=world.users.leader, action=AuditLog.Action.UPDATE, obj=world.village_a)
    if connection.vendor == "postgresql":
        pytest.skip("old rows cannot be blanked on PostgreSQL: the table is append-only")
    AuditLog.objects.filter(pk=row.pk).update(username="", user_role="")
    migration = importlib.import_module("accounts.migrations.0003_sec_audit_append_only")
    with connection.cursor() as cursor:
        cursor.execute(migration.FILL_SQL)
    row.refresh_from_db()
    assert (row.username, row.user_role) == ("leader", "leader")


def test_an_account_that_has_acted_cannot_be_deleted(world):
    audit.record(user=world.users.town_a, action=AuditLog.Action.UPDATE, obj=world.village_a)
    with pytest.raises(ProtectedError):
        world.users.town_a.delete()


def test_the_admin_offers_to_deactivate_an_account_that_has_acted(world, login):
    audit.record(user=world.users.town_a, action=AuditLog.Action.UPDATE, obj=world.village_a)
    client = login(world.users.admin)
    page = client.get(reverse("admin:accounts_user_delete", args=[world.users.town_a.pk])).content.decode()
    assert "不能删除" in page and "停用该账号" in page
    client.post(reverse("admin:accounts_user_delete", args=[world.users.town_a.pk]), {"post": "yes"})
    assert User.objects.filter(pk=world.users.town_a.pk).exists()
    response = client.post(reverse("admin:accounts_user_deactivate", args=[world.users.town_a.pk]))
    assert response.status_code == 302
    town_a = User.objects.get(pk=world.users.town_a.pk)
    assert not town_a.is_active
    row = AuditLog.objects.filter(object_id=str(town_a.pk), content_type__model="user").get()
    assert row.changes == {"is_active": [True, False]} and row.username == "admin_jx"
    # The rows the deactivated account wrote still name it.
    assert AuditLog.objects.filter(username="town_a").count() == 1


def test_the_admin_deletes_an_account_that_never_acted(world, login):
    spare = f.user("spare", f.Role.LEADER, world.county)
    login(world.users.admin).post(reverse("admin:accounts_user_delete", args=[spare.pk]), {"post": "yes"})
    assert not User.objects.filter(pk=spare.pk).exists()


def test_the_deactivate_button_is_post_only_and_scoped(world, login):
    client = login(world.users.admin)
    assert client.get(reverse("admin:accounts_user_deactivate", args=[world.users.town_a.pk])).status_code == 405
    assert client.post(reverse("admin:accounts_user_deactivate", args=[world.users.admin_ls.pk])).status_code == 404


def test_the_new_actions_read_in_chinese():
    assert AuditLog.Action("view").label == "查看完整信息" and AuditLog.Action("export").label == "导出"


def old_row(world, days):
    """An audit row written `days` ago (raw INSERT: created_at is otherwise always now)."""
    kind = ContentType.objects.get_for_model(world.village_a).pk
    when = timezone.now() - datetime.timedelta(days=days)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_auditlog (created_at, user_id, action, content_type_id, object_id, object_repr,"
            " changes, region_id, username, user_role) VALUES (%s, %s, 'update', %s, %s, %s, '{}', NULL, '', '')",
            [when, world.users.admin.pk, kind, str(world.village_a.pk), f"{days} 天前"],
        )
    return AuditLog.objects.get(object_repr=f"{days} 天前")


def test_purge_refuses_a_date_within_the_retention_period(world):
    recent = (timezone.localdate() - datetime.timedelta(days=100)).isoformat()
    with pytest.raises(CommandError, match="至少保留 180 天"):
        call_command("purge_audit", before=recent)


def test_purge_deletes_only_rows_older_than_the_date(world):
    old, young = old_row(world, 400), old_row(world, 30)
    call_command("purge_audit", before=(timezone.localdate() - datetime.timedelta(days=200)).isoformat())
    assert not AuditLog.objects.filter(pk=old.pk).exists()
    assert AuditLog.objects.filter(pk=young.pk).exists()


@on_postgres
def test_postgres_refuses_to_edit_an_audit_row(world):
    row = audit.record(user=world.users.admin, action=AuditLog.Action.UPDATE, obj=world.village_a)
    with pytest.raises(DatabaseError, match="只能追加"), transaction.atomic():
        AuditLog.objects.filter(pk=row.pk).update(object_repr="改过")
    row.refresh_from_db()
    assert row.object_repr != "改过"


@on_postgres
def test_postgres_refuses_to_delete_an_audit_row_even_an_old_one(world):
    row, old = audit.record(user=world.users.admin, action=AuditLog.Action.UPDATE, obj=world.village_a), old_row(
        world, 400)
    for target in (row, old):
        with pytest.raises(DatabaseError, match="只能追加"), transaction.atomic():
            AuditLog.objects.filter(pk=target.pk).delete()
    assert AuditLog.objects.filter(pk__in=[row.pk, old.pk]).count() == 2


@on_postgres
def test_postgres_lets_the_purge_command_through_only_for_old_rows(world):
    old, young = old_row(world, 400), old_row(world, 30)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL dyfs.audit_purge = 'on'")
        with pytest.raises(DatabaseError, match="只能追加"), transaction.atomic():
            AuditLog.objects.filter(pk=young.pk)._raw_delete(connection.alias)
        call_command("purge_audit", before=(timezone.localdate() - datetime.timedelta(days=200)).isoformat())
    assert not AuditLog.objects.filter(pk=old.pk).exists() and AuditLog.objects.filter(pk=young.pk).exists()


@on_postgres
def test_postgres_refuses_to_delete_an_account_that_acted_even_behind_the_orm(world):
    audit.record(user=world.users.town_a, action=AuditLog.Action.UPDATE, obj=world.village_a)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditlog SET user_id = NULL WHERE user_id = %s", [world.users.town_a.pk])
