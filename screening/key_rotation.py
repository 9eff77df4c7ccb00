"""Key rotation (review D5): re-encrypt every stored encrypted value with the newest key of
FIELD_ENCRYPTION_KEYS (`manage.py rotate_keys`), batch by batch, so that an old key can then be removed.

Tokens already made with the newest key are left alone, so a run can be repeated or resumed after a failure. A
row changed by the application while a batch runs is not overwritten: the write only happens while the column
still holds the token that was read (the application writes with the newest key anyway)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, transaction

from .encrypted_fields import EncryptedTextField
from .encryption import DecryptionError, is_token, newest_key_encrypted, rotate_token


@dataclass
class ColumnCounts:
    label: str  # table.column
    rotated: int = 0  # re-encrypted with the newest key
    current: int = 0  # already under the newest key
    empty: int = 0  # NULL
    changed_meanwhile: int = 0  # written by the application during the run (so under the newest key)

    def line(self) -> str:
        text = f"{self.label}: {self.rotated} re-encrypted, {self.current} already under the newest key"
        if self.empty:
            text += f", {self.empty} empty"
        if self.changed_meanwhile:
            text += f", {self.changed_meanwhile} changed meanwhile (left as written)"
        return text


class RotationError(Exception):
    """A stored value could not be re-encrypted (its label and row id say which; never the value)."""


def encrypted_columns() -> list[tuple[type, list[str]]]:
    """(model, [column]) of every encrypted field (EncryptedTextField and its subclasses) of every installed model."""
    found = []
    for model in apps.get_models():
        columns = [f.column for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if columns:
            found.append((model, columns))
    return found


def rotate_all(*, batch_size: int = 500, progress: Callable[[ColumnCounts], None] | None = None) -> list[ColumnCounts]:
    """Re-encrypt every encrypted column of every model; the counts per column. Raises RotationError."""
    results = []
    for model, columns in encrypted_columns():
        counts = {column: ColumnCounts(f"{model._meta.db_table}.{column}") for column in columns}
        _rotate_table(model, counts, batch_size=batch_size)
        for column in columns:
            results.append(counts[column])
            if progress is not None:
                progress(counts[column])
    return results


def _rotate_table(model, counts: dict[str, ColumnCounts], *, batch_size: int) -> None:
    qn = connection.ops.quote_name
    table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
    columns = list(counts)
    select = f"SELECT {pk}, {', '.join(qn(c) for c in columns)} FROM {table}"
    last = None
    while True:
        with transaction.atomic(), connection.cursor() as cursor:  # one transaction per batch
            if last is None:
                cursor.execute(f"{select} ORDER BY {pk} LIMIT %s", [batch_size])
            else:
                cursor.execute(f"{select} WHERE {pk} > %s ORDER BY {pk} LIMIT %s", [last, batch_size])
            rows = cursor.fetchall()
            for key, *tokens in rows:
                for column, token in zip(columns, tokens, strict=True):
                    _rotate_value(cursor, table, pk, qn(column), key, token, counts[column])
        if len(rows) < batch_size:
            return
        last = rows[-1][0]


def _rotate_value(cursor, table, pk, column, key, token, counts: ColumnCounts) -> None:
    if token is None:
        counts.empty += 1
        return
    where = f"{counts.label} of row {key}"
    if not is_token(token):
        raise RotationError(f"{where} is not encrypted (has migration 0008 run?).")
    if newest_key_encrypted(token):
        counts.current += 1
        return
    try:
        rotated = rotate_token(token, label=where)
    except DecryptionError as exc:
        raise RotationError(str(exc)) from None
    cursor.execute(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s", [rotated, key, token])
    if cursor.rowcount:
        counts.rotated += 1
    else:
        counts.changed_meanwhile += 1
