"""身份证号 and 联系电话 encrypted at rest, with keyed-hash columns for uniqueness and lookup.

The rows already there are converted in batches: first the columns become plain text (no unique constraint),
then every clear value is encrypted and hashed, then the columns take the encrypted field type and the hash of
the ID number its unique constraint. Reversible: backwards, every value is decrypted again.
"""

import django.core.validators
from django.db import migrations, models

import accounts.crypto
import secretaries.idcard

BATCH = 1000
FIELDS = (("id_number", "id_number_hash", "id_number"), ("phone", "phone_hash", "phone"))
CONTEXT = "secretaries.secretary.{}"


def encrypt_rows(apps, schema_editor):
    Secretary = apps.get_model("secretaries", "Secretary")
    _convert(Secretary, forwards=True)


def decrypt_rows(apps, schema_editor):
    Secretary = apps.get_model("secretaries", "Secretary")
    _convert(Secretary, forwards=False)


def _convert(Secretary, *, forwards):
    crypto = accounts.crypto
    last = 0
    while True:
        rows = list(Secretary.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not rows:
            return
        for row in rows:
            for name, hash_name, purpose in FIELDS:
                value = getattr(row, name) or ""
                context = CONTEXT.format(name)
                if forwards and value and not crypto.is_token(value):
                    setattr(row, hash_name, crypto.keyed_hash(value, purpose))
                    setattr(row, name, crypto.encrypt(value, context))
                elif not forwards and crypto.is_token(value):
                    setattr(row, name, crypto.decrypt(value, context))
        Secretary.objects.bulk_update(rows, ["id_number", "id_number_hash", "phone", "phone_hash"])
        last = rows[-1].pk


PHONE_VALIDATOR = django.core.validators.RegexValidator(
    "^(1[3-9]\\d{9}|0\\d{2,3}-?\\d{7,8})$", "请填写 11 位手机号，或带区号的固定电话（如 0537-8721234）。"
)


class Migration(migrations.Migration):
    dependencies = [
        ("secretaries", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="secretary",
            name="id_number_hash",
            field=accounts.crypto.KeyedHashField(null=True, purpose=None, source="id_number",
                                                 verbose_name="身份证号哈希"),
        ),
        migrations.AddField(
            model_name="secretary",
            name="phone_hash",
            field=accounts.crypto.KeyedHashField(db_index=True, null=True, purpose=None, source="phone",
                                                 verbose_name="联系电话哈希"),
        ),
        migrations.AlterField(model_name="secretary", name="id_number", field=models.TextField(verbose_name="身份证号")),
        migrations.AlterField(model_name="secretary", name="phone", field=models.TextField(verbose_name="联系电话")),
        migrations.RunPython(encrypt_rows, decrypt_rows, elidable=False),
        migrations.AlterField(
            model_name="secretary",
            name="id_number",
            field=accounts.crypto.EncryptedField(
                hash_field="id_number_hash", max_length=18,
                validators=[secretaries.idcard.validate_id_number], verbose_name="身份证号",
            ),
        ),
        migrations.AlterField(
            model_name="secretary",
            name="phone",
            field=accounts.crypto.EncryptedField(hash_field="phone_hash", max_length=20, validators=[PHONE_VALIDATOR],
                                                 verbose_name="联系电话"),
        ),
        migrations.AlterField(
            model_name="secretary",
            name="id_number_hash",
            field=accounts.crypto.KeyedHashField(error_messages={"unique": "该身份证号已登记。"}, purpose=None,
                                                 source="id_number", unique=True, verbose_name="身份证号哈希"),
        ),
    ]
