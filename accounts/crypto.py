"""Sensitive fields at rest: one encrypted field type with a keyed-hash column for uniqueness and lookup.

    id_number = EncryptedField("身份证号", max_length=18, hash_field="id_number_hash")
    id_number_hash = KeyedHashField(source="id_number", unique=True)

In Python the field holds clear text; in the database it holds `<key id>:<base64(nonce ‖ AES-256-GCM ciphertext)>`,
authenticated together with the field's name (a value copied into another column does not decrypt). The hash
column holds HMAC-SHA256 of the normalised clear value under a separate key: equal values hash equally, so a
unique constraint on it keeps numbers unique and `filter(id_number=…)` / `filter(id_number__in=…)` are rewritten
to exact matches on it. Any other lookup on an encrypted field (contains, startswith, ordering is meaningless)
is refused: there is nothing to search in ciphertext, and a prefix search would be a guessing oracle.

Keys (settings, from the environment or a key file outside the repository, see config/settings/base.py):
FIELD_ENCRYPTION_KEYS, newest first, each 32 random bytes in urlsafe base64; FIELD_HASH_KEY likewise. New values
are encrypted under the newest key; reads accept every listed key (the key id says which), so a new key can be
put in front, `manage.py rotate_keys` re-encrypts the rows, and only then is the old key dropped. The hash key is
not rotated (every hash would change at once); choose it well.
"""

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core import checks
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.db.models.expressions import Col
from django.db.models.lookups import Exact, In, IsNull
from django.dispatch import receiver

TOKEN = re.compile(r"^[0-9a-f]{8}:[A-Za-z0-9_-]{24,}$")
NONCE = 12


class Keys:
    def __init__(self, encryption, hash_key):
        if not encryption:
            raise ImproperlyConfigured("未配置 FIELD_ENCRYPTION_KEYS：敏感字段（身份证号、电话）无法加密。")
        self.ciphers = {}
        self.order = []
        for text in encryption:
            raw = decode_key(text, "FIELD_ENCRYPTION_KEYS")
            kid = key_id(raw)
            self.ciphers[kid] = AESGCM(raw)
            self.order.append(kid)
        self.current = self.order[0]
        self.hash_key = decode_key(hash_key, "FIELD_HASH_KEY")
        self.hashers = {}  # purpose → an HMAC already fed the purpose; copied for each value (faster than anew)

    def hasher(self, purpose):
        if purpose not in self.hashers:
            self.hashers[purpose] = hmac.new(self.hash_key, f"{purpose}\x00".encode(), hashlib.sha256)
        return self.hashers[purpose].copy()


def decode_key(text, name):
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (ValueError, AttributeError):
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured(f"{name} 中的密钥应为 32 字节随机数的 base64 编码（生成方法见 README）。")
    return raw


def key_id(raw):
    """Eight hex characters naming a key without revealing it."""
    return hashlib.sha256(b"field-key-id:" + raw).hexdigest()[:8]


@lru_cache(maxsize=1)
def keys():
    return Keys(list(settings.FIELD_ENCRYPTION_KEYS), settings.FIELD_HASH_KEY)


@receiver(setting_changed)
def _forget_keys(setting, **kwargs):
    if setting in ("FIELD_ENCRYPTION_KEYS", "FIELD_HASH_KEY"):
        keys.cache_clear()


def uses_dev_keys():
    """The fixed development keys of config/settings/base.py (production.py refuses them)."""
    return (settings.FIELD_DEV_ENCRYPTION_KEY in settings.FIELD_ENCRYPTION_KEYS
            or settings.FIELD_HASH_KEY == settings.FIELD_DEV_HASH_KEY)


def encrypt(text, context):
    k = keys()
    nonce = os.urandom(NONCE)
    sealed = k.ciphers[k.current].encrypt(nonce, text.encode(), context.encode())
    return f"{k.current}:{base64.urlsafe_b64encode(nonce + sealed).rstrip(b'=').decode()}"


def decrypt(token, context):
    kid, _, body = token.partition(":")
    cipher = keys().ciphers.get(kid)
    if cipher is None:
        raise ImproperlyConfigured(
            f"无法解密敏感字段：密钥 {kid} 不在 FIELD_ENCRYPTION_KEYS 中（rotate_keys 完成前不能移除旧密钥）。"
        )
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    try:
        return cipher.decrypt(raw[:NONCE], raw[NONCE:], context.encode()).decode()
    except InvalidTag:
        raise ImproperlyConfigured(f"敏感字段密文校验失败（{context}）：数据被改动，或被复制到了别的字段。") from None


def is_token(value):
    return isinstance(value, str) and bool(TOKEN.match(value))


def normalise(text):
    """What the hash sees: half-width, no spaces or hyphens, upper case ("0537-872 1234" = "05378721234")."""
    return re.sub(r"[\s\-]+", "", unicodedata.normalize("NFKC", str(text))).upper()


def keyed_hash(text, purpose):
    """HMAC-SHA256 of the normalised value, 128 bits in hex. `purpose` keeps ID numbers and phones apart."""
    text = str(text)
    text = text.upper() if text.isascii() and text.isalnum() else normalise(text)
    hasher = keys().hasher(purpose)
    hasher.update(text.encode())
    return hasher.hexdigest()[:32]


# --- The field types -------------------------------------------------------------------------------------------


class EncryptedField(models.CharField):
    """Clear text in Python (max_length limits the clear value), authenticated ciphertext in a text column."""

    def __init__(self, *args, hash_field=None, **kwargs):
        self.hash_field = hash_field
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["hash_field"] = self.hash_field
        return name, path, args, kwargs

    def get_internal_type(self):
        return "TextField"

    @property
    def context(self):
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return decrypt(value, self.context)

    def get_db_prep_value(self, value, connection, prepared=False):
        value = self.get_prep_value(value)
        if not value:
            return value
        return encrypt(value, self.context)

    def encrypt(self, value):
        """The stored form of a clear value (for writers that bypass the ORM, e.g. COPY)."""
        return encrypt(value, self.context) if value else value

    def get_lookup(self, lookup_name):
        if lookup_name in HASHED_LOOKUPS:
            return HASHED_LOOKUPS[lookup_name]
        return None  # Django answers "Unsupported lookup" (FieldError)

    def get_transform(self, lookup_name):
        return None

    def hash_column(self):
        if not self.hash_field:
            raise FieldError(f"加密字段 {self.name} 没有哈希列，不能按值查找。")
        return self.model._meta.get_field(self.hash_field)


class KeyedHashField(models.CharField):
    """HMAC of another field's clear value, computed on every save; for unique constraints and exact lookups."""

    def __init__(self, *args, source=None, purpose=None, **kwargs):
        self.source, self.purpose = source, purpose
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, purpose=self.purpose)
        if kwargs.get("max_length") == 32:
            del kwargs["max_length"]
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def of(self, value):
        """The hash of a clear value (None for a blank one, so a unique constraint ignores blanks)."""
        return keyed_hash(value, self.purpose or self.source) if value else None

    def pre_save(self, model_instance, add):
        value = self.of(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


def _hashed(lhs, rhs):
    """The hash column in place of the encrypted one, and the hash of each compared value."""
    if hasattr(rhs, "resolve_expression"):
        raise FieldError("加密字段只能与具体的值比较。")
    column = lhs.target.hash_column()
    return Col(lhs.alias, column, column), column.of


class HashedExact(Exact):
    """`encrypted = value` → `hash column = HMAC(value)`."""

    def __init__(self, lhs, rhs):
        if isinstance(lhs, Col) and isinstance(lhs.target, EncryptedField) and rhs is not None:
            lhs, of = _hashed(lhs, rhs)
            rhs = of(str(rhs)) or ""
        super().__init__(lhs, rhs)


class HashedIn(In):
    def __init__(self, lhs, rhs):
        if isinstance(lhs, Col) and isinstance(lhs.target, EncryptedField):
            lhs, of = _hashed(lhs, rhs)
            rhs = [of(str(v)) for v in rhs if v]
        super().__init__(lhs, rhs)


HASHED_LOOKUPS = {"exact": HashedExact, "in": HashedIn, "isnull": IsNull}


# --- Warnings ------------------------------------------------------------------------------------------------


@checks.register(checks.Tags.security, deploy=False)
def check_keys(app_configs, **kwargs):
    try:
        keys()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="accounts.E101")]
    if uses_dev_keys():
        return [checks.Warning(
            "敏感字段（身份证号、电话）正在使用开发用的固定密钥加密：仅可用于开发和测试。",
            hint="生产环境请设置 FIELD_ENCRYPTION_KEYS 和 FIELD_HASH_KEY（或 FIELD_KEYS_FILE），见 README。",
            id="accounts.W101",
        )]
    return []
