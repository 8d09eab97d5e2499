"""Key rotation of the encrypted fields (governance.sensitive): the work of
`manage.py sensitive_rotate`.

Re-encryption reads the stored ciphertexts with SQL (the ORM would hand back plain values
and hide which key sealed them), and rewrites, one batch per transaction, those that name a
key id other than SENSITIVE_DATA_KEY_ID. Every row is readable at every moment: it holds
either its old ciphertext (the old key is still configured) or its new one. A crash loses at
most the batch in flight; a re-run skips what is already under the current key. A row saved
by the portal meanwhile is left alone (the UPDATE names the ciphertext it read), as the
portal encrypted it with the current key anyway.

Blind indexes cannot be rotated that way: an index is compared, not decrypted, so rows under
the old and the new index key cannot both be found, and the "one person, one row" check
(a unique index) would let a duplicate through a half-done run. `indexes_recompute` hence
recomputes a model's indexes in ONE transaction holding a lock that blocks writes (reads go
on). Portal processes still configured with the old index key would write old indexes
after it: stop them (or restart them all with the new key at once) around that run.
"""

from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.db import connections, models, router, transaction

from governance.sensitive import (
    FORMAT_VERSION,
    blind_index_fields,
    decrypt,
    encrypt,
    encrypted_fields,
    key_id_of,
    keyring,
)


def models_with_encrypted_fields() -> list[type[models.Model]]:
    """Every installed model holding an EncryptedCharField (the app registry decides)."""
    return [
        model
        for model in apps.get_models()
        if encrypted_fields(model) and not model._meta.proxy and model._meta.managed
    ]


def _raw_batches(
    model: type[models.Model], columns: list[str], batch_size: int
) -> Iterator[list[tuple[Any, ...]]]:
    """(pk, *raw column values) in primary-key order, batch_size rows at a time."""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    pk = model._meta.pk.column
    select = ", ".join(quote(column) for column in [pk, *columns])
    sql = (
        f"SELECT {select} FROM {quote(model._meta.db_table)} "
        f"WHERE {quote(pk)} > %s ORDER BY {quote(pk)} LIMIT %s"
    )
    last: Any = None
    while True:
        with connection.cursor() as cursor:
            if last is None:
                cursor.execute(sql.replace(f"WHERE {quote(pk)} > %s ", ""), [batch_size])
            else:
                cursor.execute(sql, [last, batch_size])
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def values_reencrypt(model: type[models.Model], *, batch_size: int = 1000) -> int:
    """Re-encrypt under the current key every value of `model` sealed with another key id;
    returns how many values were rewritten. Resumable: see the module's docstring."""
    fields = encrypted_fields(model)
    columns = [field.column for field in fields]
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    active = keyring().active_id
    rewritten = 0
    for rows in _raw_batches(model, columns, batch_size):
        updates: dict[str, list[tuple[str, str, Any]]] = {column: [] for column in columns}
        for pk_value, *values in rows:
            for field, value in zip(fields, values, strict=True):
                if value and key_id_of(value) != active:
                    plain = decrypt(value, context=field.context)
                    new = encrypt(plain, context=field.context)
                    updates[field.column].append((new, value, pk_value))
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            for column, params in updates.items():
                if params:
                    cursor.executemany(
                        f"UPDATE {table} SET {quote(column)} = %s "
                        f"WHERE {quote(column)} = %s AND {pk} = %s",
                        params,
                    )
                    rewritten += len(params)
    return rewritten


def values_under_other_keys(model: type[models.Model]) -> int:
    """How many stored values of `model` name a key id other than the current one."""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    active_prefix = f"{FORMAT_VERSION}:{keyring().active_id}:"
    total = 0
    with connection.cursor() as cursor:
        for field in encrypted_fields(model):
            column = quote(field.column)
            cursor.execute(
                f"SELECT COUNT(*) FROM {quote(model._meta.db_table)} "
                f"WHERE {column} <> '' AND {column} NOT LIKE %s",
                [active_prefix.replace("_", r"\_") + "%"],
            )
            total += cursor.fetchone()[0]
    return total


def indexes_recompute(model: type[models.Model], *, batch_size: int = 1000) -> int:
    """Recompute every blind index of `model` with the current index key, in one transaction
    that blocks writes to the table (see the module's docstring); returns how many indexes
    changed."""
    indexes = blind_index_fields(model)
    if not indexes:
        return 0
    sources = [index.source_field() for index in indexes]
    extras = sorted({name for index in indexes for name in index.extra_sources})
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    columns = (
        [str(field.column) for field in sources]
        + [str(index.column) for index in indexes]
        + [str(getattr(model._meta.get_field(name), "column", name)) for name in extras]
    )
    changed = 0
    with transaction.atomic(using=connection.alias):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        for rows in _raw_batches(model, columns, batch_size):
            updates: dict[str, list[tuple[str | None, Any]]] = {i.column: [] for i in indexes}
            for pk_value, *values in rows:
                stored = values[: len(indexes)]
                current = values[len(indexes) : 2 * len(indexes)]
                row_extras = dict(zip(extras, values[2 * len(indexes) :], strict=True))
                for index, source, value, old in zip(
                    indexes, sources, stored, current, strict=True
                ):
                    plain = decrypt(value, context=source.context) if value else value
                    given = {name: row_extras[name] for name in index.extra_sources}
                    new = index.index_of_row(plain, **given)
                    if new != old:
                        updates[index.column].append((new, pk_value))
            with connection.cursor() as cursor:
                for column, params in updates.items():
                    if params:
                        cursor.executemany(
                            f"UPDATE {table} SET {quote(column)} = %s WHERE {pk} = %s", params
                        )
                        changed += len(params)
    return changed
