"""Sensitive values stored so that a database dump alone reveals nothing (GB/T 39786-2021).

Each value is encrypted with SM4-GCM and stored as ``v1:<key id>:<base64 of nonce,
ciphertext and tag>``. The associated data names the field the value belongs to (its
"context", e.g. ``population.Resident.id_number``) and the key id, so a ciphertext copied
into another column, or relabelled with another key id, fails to decrypt. Exact search uses
a blind index: HMAC-SM3 of the normalised value under a separate key, stored beside it.

Keys come from the environment (governance/settings.py; required with DEBUG off):

- ``SENSITIVE_DATA_KEYS``: ``kid1:<32 hex>,kid2:<32 hex>``: every SM4 key (128 bits) any
  stored value may use;
- ``SENSITIVE_DATA_KEY_ID``: the one new values are encrypted with;
- ``SENSITIVE_INDEX_KEY``: the HMAC-SM3 key of the blind indexes (at least 32 hex digits).

Rotating the encryption key: add the new key to SENSITIVE_DATA_KEYS and make it
SENSITIVE_DATA_KEY_ID. New and changed values use it at once; old rows still name the old
key id and decrypt with it, so the old key stays listed until ``manage.py sensitive_rotate``
has re-encrypted every encrypted field whose value names another key id. Then the old key
is removed. The blind-index key: see that command's ``--reindex-from`` (an index is searched
for, not decrypted, so its key changes only with every index recomputed).

Using it in a model (the population app's residents, for instance)::

    id_number = EncryptedCharField(_("ID number"), max_length=18,
                                   context="population.Resident.id_number",
                                   validators=[validate_id_number])
    id_number_index = BlindIndexField(source="id_number", normalize=id_number_validate)

    # search: Resident.objects.filter(id_number_index=blind_index_of(Resident, "id_number", q))

The context is written out rather than derived from the model's name, so that renaming the
model or the field does not orphan its rows. The index field fills itself whenever the row is
written through save() or bulk_create(); ``save(update_fields=...)``, ``bulk_update`` and
``QuerySet.update`` must name the index field with the encrypted one (save() refuses to
forget it). Order by, or compare, an encrypted column in SQL is meaningless and refused.

The audit log: django-auditlog reads the Python (plain) value of a field, so an encrypted
field must be registered masked and its index left out::

    auditlog.register(Resident, **audit_options(Resident))

(``mask_fields`` every encrypted field, ``exclude_fields`` every index; AUDITLOG_MASK_CALLABLE,
governance.audit.mask_entirely, hides every character).

What else sees the plain value: anything that reads the model in Python (forms, serializers,
the admin, ``dumpdata``, which needs the keys to run). A value that ``normalize`` refuses
cannot be saved: save() raises its ValidationError, so validate (full_clean, a form) first.
"""

import base64
import binascii
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core import checks
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models
from django.db.models.signals import pre_save

FORMAT_VERSION = "v1"
NONCE_BYTES = 12  # the GCM nonce size that needs no extra hashing
TAG_BYTES = 16
KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_HEX_KEY = re.compile(r"[0-9a-fA-F]{32}")


class SensitiveDataError(Exception):
    """A stored value that cannot be decrypted: unknown key id, damaged, or from another
    field. Never carries the value itself."""


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, bytes]
    active_id: str
    index_key: bytes

    @property
    def active_key(self) -> bytes:
        return self.keys[self.active_id]


def parse_keys(text: str) -> dict[str, bytes]:
    """``kid1:<32 hex>,kid2:<32 hex>`` as a dict of key id to 16-byte SM4 key."""
    keys: dict[str, bytes] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        kid, _sep, hexkey = item.strip().partition(":")
        if not KEY_ID.fullmatch(kid) or not _HEX_KEY.fullmatch(hexkey):
            raise ImproperlyConfigured(
                "SENSITIVE_DATA_KEYS must read kid:<32 hex digits>[,kid:<32 hex digits>...] "
                "(key ids: letters, digits, _ and -)"
            )
        if kid in keys:
            raise ImproperlyConfigured(f"SENSITIVE_DATA_KEYS names key id {kid!r} twice")
        keys[kid] = bytes.fromhex(hexkey)
    if not keys:
        raise ImproperlyConfigured("SENSITIVE_DATA_KEYS names no key")
    return keys


@lru_cache(maxsize=4)
def _keyring(keys_text: str, active_id: str, index_hex: str) -> Keyring:
    keys = parse_keys(keys_text)
    if active_id not in keys:
        raise ImproperlyConfigured(
            f"SENSITIVE_DATA_KEY_ID {active_id!r} is not one of SENSITIVE_DATA_KEYS' key ids"
        )
    try:
        index_key = bytes.fromhex(index_hex)
    except ValueError:
        index_key = b""
    if len(index_key) < 16:
        raise ImproperlyConfigured("SENSITIVE_INDEX_KEY must be at least 32 hex digits")
    return Keyring(keys=keys, active_id=active_id, index_key=index_key)


def keyring() -> Keyring:
    """The keys as the settings name them now (parsed once per distinct setting)."""
    return _keyring(
        settings.SENSITIVE_DATA_KEYS, settings.SENSITIVE_DATA_KEY_ID, settings.SENSITIVE_INDEX_KEY
    )


def _associated_data(kid: str, context: str) -> bytes:
    return f"{FORMAT_VERSION}:{kid}:{context}".encode()


def encrypt(plain: str, *, context: str) -> str:
    """``v1:<kid>:<base64>`` of the value under the active key, bound to its context."""
    return encryptor(context=context)(plain)


def encryptor(*, context: str, nonces_at_once: int = 1) -> Callable[[str], str]:
    """encrypt(…, context=context) for many values of one field (a bulk load): the active
    key's SM4 algorithm object, the associated data and the prefix are made once; every value
    still gets its own random nonce and GCM context, so the output is encrypt()'s exactly.
    The nonces are drawn from os.urandom `nonces_at_once` at a time (one system call for
    many): each is still 12 fresh random bytes, used once. Use it within one process and
    drop it (a forked copy would hold the same unused nonces)."""
    ring = keyring()
    algorithm = algorithms.SM4(ring.active_key)
    associated = _associated_data(ring.active_id, context)
    prefix = f"{FORMAT_VERSION}:{ring.active_id}:"
    b64encode, gcm = base64.b64encode, modes.GCM
    drawn = 0
    pool = memoryview(b"")

    def seal(plain: str) -> str:
        nonlocal drawn, pool
        if drawn == len(pool):
            pool, drawn = memoryview(os.urandom(NONCE_BYTES * max(1, nonces_at_once))), 0
        nonce = bytes(pool[drawn : drawn + NONCE_BYTES])
        drawn += NONCE_BYTES
        sealer = Cipher(algorithm, gcm(nonce)).encryptor()
        sealer.authenticate_additional_data(associated)
        sealed = sealer.update(plain.encode()) + sealer.finalize() + sealer.tag
        return prefix + b64encode(nonce + sealed).decode()

    return seal


def decrypt(token: str, *, context: str) -> str:
    """The value ``encrypt(..., context=context)`` sealed, with whichever known key it names."""
    version, _sep, rest = token.partition(":")
    kid, _sep, payload = rest.partition(":")
    if version != FORMAT_VERSION or not kid or not payload:
        raise SensitiveDataError(f"{context}: not an encrypted value")
    key = keyring().keys.get(kid)
    if key is None:
        raise SensitiveDataError(f"{context}: key id {kid!r} is not in SENSITIVE_DATA_KEYS")
    try:
        raw = base64.b64decode(payload, validate=True)
    except binascii.Error:
        raise SensitiveDataError(f"{context}: damaged value") from None
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise SensitiveDataError(f"{context}: damaged value")
    nonce, sealed, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(_associated_data(kid, context))
    try:
        plain = decryptor.update(sealed) + decryptor.finalize()
    except InvalidTag:
        raise SensitiveDataError(
            f"{context}: the value does not decrypt (damaged, or written for another field)"
        ) from None
    return plain.decode()


def key_id_of(token: str) -> str:
    """The key id a stored value names (for rotation: which rows still use an old key)."""
    return token.split(":", 2)[1] if token.startswith(FORMAT_VERSION + ":") else ""


def blind_index(normalised: str, *, context: str) -> str:
    """HMAC-SM3 of a normalised value, as 64 hex digits, for exact search.

    The context is part of the message: the same number gives different indexes in two
    fields, so a dump cannot link tables by them either."""
    return blind_indexer(context=context)(normalised)


def blind_indexer(*, context: str) -> Callable[[str], str]:
    """blind_index(…, context=context) for many values (a bulk load or check): the HMAC is
    keyed, and fed the context, once; each value continues a copy of that state."""
    keyed = crypto_hmac.HMAC(keyring().index_key, hashes.SM3())
    keyed.update(context.encode() + b"\0")

    def index(normalised: str) -> str:
        mac = keyed.copy()
        mac.update(normalised.encode())
        return mac.finalize().hex()

    return index


# --- Model fields ----------------------------------------------------------------------------


class EncryptedCharField(models.CharField):
    """A short text stored encrypted (a text column holding ``encrypt()``'s output); Python
    code sees the plain value. max_length and validators apply to the plain value.

    An empty string and None are stored as they are (emptiness is not a secret). No lookup
    but ``isnull`` works on it: search through its BlindIndexField."""

    description = "Text stored encrypted with SM4-GCM"

    def __init__(self, *args: Any, context: str = "", **kwargs: Any) -> None:
        self.context = context
        super().__init__(*args, **kwargs)

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        if not self.context:
            errors.append(
                checks.Error(
                    "EncryptedCharField needs context='<app>.<Model>.<field>', written out "
                    "so that renaming the model does not orphan its rows.",
                    obj=self,
                    id="governance.E101",
                )
            )
        return errors

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["context"] = self.context
        return name, path, args, kwargs

    def get_internal_type(self) -> str:
        return "TextField"  # the ciphertext is longer than max_length, which bounds the plain

    def _require_context(self) -> str:
        if not self.context:
            raise ImproperlyConfigured(f"{self!r} has no context")
        return self.context

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return decrypt(value, context=self._require_context())

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value), context=self._require_context())

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(
            f"{self.context or self.name} is encrypted: it cannot be compared in SQL "
            f"(__{lookup_name}). Search by its BlindIndexField: "
            f"filter(<name>_index=blind_index_of(Model, {self.name!r}, value))."
        )

    def get_transform(self, lookup_name: str) -> Any:
        return None


_INDEX_DEFAULTS = {
    "max_length": 64,
    "db_index": True,
    "editable": False,
    "null": True,
    "blank": True,
}


class BlindIndexField(models.CharField):
    """The HMAC-SM3 index of an EncryptedCharField of the same model, kept in step with it.

    ``normalize`` turns a value into its one searchable form (e.g. id_number_validate: strip,
    upper-case X); the same function serves the search (blind_index_of)."""

    description = "Blind index (HMAC-SM3) of an encrypted field"

    def __init__(
        self,
        *args: Any,
        source: str = "",
        normalize: Callable[[str], str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.source = source
        self.normalize = normalize
        for key, ours in _INDEX_DEFAULTS.items():
            kwargs.setdefault(key, ours)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        if self.normalize is not None:
            kwargs["normalize"] = self.normalize
        for key, ours in _INDEX_DEFAULTS.items():
            value = getattr(self, key)
            if value == ours:
                kwargs.pop(key, None)
            else:
                kwargs[key] = value
        return name, path, args, kwargs

    def source_field(self) -> EncryptedCharField:
        field = self.model._meta.get_field(self.source)
        if not isinstance(field, EncryptedCharField):
            raise ImproperlyConfigured(
                f"{self.model._meta.label}.{self.name}: source {self.source!r} is not an "
                "EncryptedCharField"
            )
        return field

    # Other fields of the same row that the index is computed with (besides its source), read
    # as stored (plain): a re-index (governance/sensitive_rotation.py) reads them too.
    extra_sources: tuple[str, ...] = ()

    def index_of_row(self, value: str | None, **extra: Any) -> str | None:
        """The index of a row's plain source value, given its `extra_sources` values."""
        return self.index_of(value)

    def index_of(self, value: str | None) -> str | None:
        """The index of a plain value (None for no value)."""
        if value is None or value == "":
            return None
        normalised = self.normalize(value) if self.normalize else value
        return blind_index(normalised, context=self.source_field().context)

    def indexer(self) -> Callable[[str | None], str | None]:
        """index_of for many values (a bulk load): the keyed HMAC made once. Only for an
        index of its source alone (no `extra_sources`)."""
        if self.extra_sources:
            raise TypeError(f"{self.name} is indexed with {self.extra_sources}: use index_of_row")
        index = blind_indexer(context=self.source_field().context)
        normalize = self.normalize

        def index_of(value: str | None) -> str | None:
            if value is None or value == "":
                return None
            return index(normalize(value) if normalize else value)

        return index_of

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        # Called for save() and bulk_create() alike, whichever order the fields are in.
        value = self.index_of(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


def _index_saved_with_source(
    sender: type[models.Model], update_fields: frozenset[str] | None = None, **kwargs: Any
) -> None:
    """save(update_fields=[encrypted field]) without its index would leave a stale index."""
    if not update_fields:
        return
    for field in sender._meta.concrete_fields:
        if (
            isinstance(field, BlindIndexField)
            and field.source in update_fields
            and field.name not in update_fields
        ):
            raise ValueError(
                f"save(update_fields=...) names {field.source!r} without its index "
                f"{field.name!r}: name both"
            )


# One receiver for every model (not one per class: historical models in migrations would add
# one each); it returns at once unless save() was given update_fields.
pre_save.connect(_index_saved_with_source, dispatch_uid="governance.sensitive.index_with_source")


def encrypted_fields(model: type[models.Model]) -> list[EncryptedCharField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedCharField)]


def blind_index_fields(model: type[models.Model]) -> list[BlindIndexField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]


def audit_options(model: type[models.Model]) -> dict[str, list[str]]:
    """auditlog.register() options for a model with encrypted fields: every encrypted field
    masked (auditlog reads plain values), every blind index left out, so that a new encrypted
    field cannot reach the audit trail in clear by being forgotten here."""
    return {
        "mask_fields": [f.name for f in encrypted_fields(model)],
        "exclude_fields": [f.name for f in blind_index_fields(model)],
    }


def blind_index_of(model: type[models.Model], source: str, value: str) -> str | None:
    """The index to filter by for an exact search of `source` (normalised first; a value that
    does not normalise raises its ValidationError)."""
    for field in model._meta.concrete_fields:
        if isinstance(field, BlindIndexField) and field.source == source:
            return field.index_of(value)
    raise ImproperlyConfigured(f"{model._meta.label}.{source} has no BlindIndexField")


@checks.register(checks.Tags.security)
def check_sensitive_keys(**kwargs: Any) -> list[checks.CheckMessage]:
    """Malformed keys fail `manage.py check` (and migrate, runserver) instead of the first save."""
    try:
        keyring()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="governance.E100")]
    return []
