"""身份证号 and phones at rest: encrypted, found through the keyed hash, rotated, converted by the migration."""

import base64
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from accounts import crypto
from secretaries.models import Secretary
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]
# As psql shows them: a number on its own, not a run of digits inside a hash or a ciphertext.
ID_NUMBER = re.compile(r"(?<![\w-])\d{17}[\dX](?![\w-])")
MOBILE = re.compile(r"(?<![\w-])1[3-9]\d{9}(?![\w-])")


def new_key():
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def raw_rows(table="secretaries_secretary"):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - a fixed table name
        return cursor.fetchall()


def test_the_table_holds_no_clear_id_number_or_phone(world):
    f.secretary(world.county, world.unit, "孙丽", phone="0537-8721234")
    text = " ".join(str(value) for row in raw_rows() for value in row)
    assert not ID_NUMBER.search(text) and not MOBILE.search(text)
    assert "0537" not in text and "8721234" not in text
    assert world.sec_a.id_number not in text


def test_values_read_back_in_clear(world):
    stored = Secretary.objects.get(pk=world.sec_a.pk)
    assert stored.id_number == world.sec_a.id_number and stored.phone == "13805371234"
    assert Secretary.objects.filter(pk=world.sec_a.pk).values_list("id_number", flat=True).get() == stored.id_number


def test_id_numbers_and_phones_are_found_by_exact_value_through_the_hash(world):
    number = world.sec_b.id_number
    assert list(Secretary.objects.filter(id_number=number)) == [world.sec_b]
    assert list(Secretary.objects.filter(id_number=number.lower()[:-1] + number[-1].lower())) == [world.sec_b]
    assert set(Secretary.objects.filter(id_number__in=[number, world.sec_c.id_number])) == {world.sec_b, world.sec_c}
    assert world.sec_b.assignments.get().secretary == Secretary.objects.get(id_number=number)
    assert world.asg_b.__class__.objects.filter(secretary__id_number=number).get() == world.asg_b
    sun = f.secretary(world.county, world.unit, "孙丽", phone="0537-8721234")
    assert list(Secretary.objects.filter(phone="05378721234")) == [sun]
    assert not Secretary.objects.filter(id_number=f.id_number()).exists()


def test_a_search_by_part_of_a_number_is_refused(world):
    for lookup in ("contains", "startswith", "icontains", "gt", "regex"):
        with pytest.raises(FieldError):
            list(Secretary.objects.filter(**{f"id_number__{lookup}": "3708"}))


def test_the_same_number_cannot_be_registered_twice(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        f.secretary(world.county, world.unit, id_number=world.sec_a.id_number)


def test_a_value_moved_to_another_column_or_altered_does_not_decrypt(world):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE secretaries_secretary SET phone = id_number WHERE id = %s", [world.sec_a.pk])
    with pytest.raises(ImproperlyConfigured, match="校验失败"):
        Secretary.objects.get(pk=world.sec_a.pk)


def test_rotate_keys_reencrypts_every_row_and_reads_never_stop(world, settings):
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    old_id = crypto.keys().current
    settings.FIELD_ENCRYPTION_KEYS = [new_key(), old]
    new_id = crypto.keys().current
    assert new_id != old_id
    assert Secretary.objects.get(pk=world.sec_a.pk).id_number == world.sec_a.id_number  # old rows still read
    call_command("rotate_keys", "--batch", "2", stdout=open(os.devnull, "w"))
    prefixes = {str(value).split(":")[0] for row in raw_rows() for value in row if crypto.is_token(value)}
    assert prefixes == {new_id}
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]  # the old key is gone
    assert Secretary.objects.get(pk=world.sec_b.pk).id_number == world.sec_b.id_number
    assert Secretary.objects.get(id_number=world.sec_c.id_number) == world.sec_c  # the hash key never changed


def test_a_row_under_a_dropped_key_says_which_key_is_missing(world, settings):
    settings.FIELD_ENCRYPTION_KEYS = [new_key()]
    with pytest.raises(ImproperlyConfigured, match="不在 FIELD_ENCRYPTION_KEYS 中"):
        Secretary.objects.get(pk=world.sec_a.pk)


def test_development_keys_are_flagged_by_the_system_check(settings):
    assert [w.id for w in crypto.check_keys(None)] == ["accounts.W101"]
    settings.FIELD_ENCRYPTION_KEYS, settings.FIELD_HASH_KEY = [new_key()], new_key()
    assert crypto.check_keys(None) == []
    settings.FIELD_HASH_KEY = "too short"
    assert [e.id for e in crypto.check_keys(None)] == ["accounts.E101"]


def settings_in_a_fresh_process(module, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FIELD_")}
    clean.update(SECRET_KEY="x" * 60, ALLOWED_HOSTS="example.org", REDIS_URL="redis://127.0.0.1:6379/3", **env)
    code = f"import {module} as s; print(s.FIELD_ENCRYPTION_KEYS[0], s.FIELD_HASH_KEY)"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_production_refuses_to_start_without_real_keys():
    refused = settings_in_a_fresh_process("config.settings.production")
    assert refused.returncode != 0 and "ImproperlyConfigured" in refused.stderr
    assert "FIELD_ENCRYPTION_KEYS" in refused.stderr and "生产环境必须提供敏感字段密钥" in refused.stderr
    key, hash_key = new_key(), new_key()
    started = settings_in_a_fresh_process("config.settings.production", FIELD_ENCRYPTION_KEYS=key,
                                          FIELD_HASH_KEY=hash_key)
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == [key, hash_key]


def test_keys_may_come_from_a_file_outside_the_repository(tmp_path):
    key, hash_key = new_key(), new_key()
    (tmp_path / "field-keys").write_text(f"FIELD_ENCRYPTION_KEYS={key}\nFIELD_HASH_KEY={hash_key}\n")
    started = settings_in_a_fresh_process("config.settings.production", FIELD_KEYS_FILE=str(tmp_path / "field-keys"))
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == [key, hash_key]


# --- The migration on a database with data -------------------------------------------------------------------

BEFORE = [("secretaries", "0001_initial")]
AFTER = [("secretaries", "0002_pdata_encrypt_fields")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_rows_and_can_be_reversed():
    county = f.county() if hasattr(f, "county") else None
    from villages.models import Region
    from villages.services import region_create

    county = county or region_create(name="金乡县", level=Region.Level.COUNTY, code="370828000000")
    unit = f.unit(county, "县财政局")
    numbers = [f.id_number() for _ in range(3)]
    try:
        old = migrate(BEFORE).get_model("secretaries", "Secretary")
        for i, number in enumerate(numbers):
            old.objects.create(name=f"书记{i}", id_number=number, phone=f"1380537000{i}", unit_id=unit.pk,
                               region_id=county.pk)
        assert ID_NUMBER.search(str(raw_rows()))  # clear before

        migrate(AFTER)
        text = str(raw_rows())
        assert not ID_NUMBER.search(text) and not MOBILE.search(text)
        assert sorted(Secretary.objects.values_list("id_number", flat=True)) == sorted(numbers)
        assert Secretary.objects.get(id_number=numbers[1]).phone == "13805370001"
        assert Secretary.objects.filter(phone="13805370002").get().name == "书记2"

        old = migrate(BEFORE).get_model("secretaries", "Secretary")
        assert sorted(old.objects.values_list("id_number", flat=True)) == sorted(numbers)
    finally:
        # Every app's latest migration: going back to 0001 also unapplied those that depend on 0002 (training,
        # list indexes), which the tests after this one need.
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
