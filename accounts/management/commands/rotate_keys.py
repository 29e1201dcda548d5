"""manage.py rotate_keys [--batch N]: re-encrypt every encrypted field under the newest key, in small batches.

Put the new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), restart the application, run this
command, then drop the old keys. The application keeps serving throughout: reads accept every listed key, and each
batch is a short transaction that locks only its own rows.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from accounts import crypto


def encrypted_fields():
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, crypto.EncryptedField)]
        if fields:
            yield model, fields


def stale(fields, current):
    """Rows with a value under another key than `current` (the stored text, read without decrypting)."""
    condition = Q()
    for field in fields:
        condition |= Q(**{f"_raw_{field.name}__gt": ""}) & ~Q(**{f"_raw_{field.name}__startswith": f"{current}:"})
    return condition


def raw(model, fields):
    return model._default_manager.annotate(**{f"_raw_{f.name}": Cast(f.name, TextField()) for f in fields})


def rotate(model, fields, *, batch=500):
    """Re-encrypt `model`'s stale rows; returns how many rows were rewritten."""
    current = crypto.keys().current
    names = [f.name for f in fields]
    done, last = 0, 0
    while True:
        pks = list(raw(model, fields).filter(stale(fields, current), pk__gt=last).order_by("pk")
                   .values_list("pk", flat=True)[:batch])
        if not pks:
            return done
        with transaction.atomic():
            rows = list(model._default_manager.select_for_update().filter(pk__in=pks).only("pk", *names))
            # Saving writes each value anew, encrypted under the newest key; the clear value and its hash stay.
            model._default_manager.bulk_update(rows, names)
        done += len(rows)
        last = pks[-1]


class Command(BaseCommand):
    help = "用最新的密钥（FIELD_ENCRYPTION_KEYS 的第一个）重新加密所有加密字段；分批进行，不停机。"

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500, help="每批重新加密的行数（默认 500）")

    def handle(self, *args, batch, **options):
        current = crypto.keys().current
        total = 0
        for model, fields in encrypted_fields():
            count = rotate(model, fields, batch=batch)
            total += count
            self.stdout.write(f"{model._meta.verbose_name}：重新加密 {count} 行")
        left = sum(raw(m, fs).filter(stale(fs, current)).count() for m, fs in encrypted_fields())
        self.stdout.write(f"完成：共重新加密 {total} 行，当前密钥 {current}，仍使用旧密钥的行 {left}。")
