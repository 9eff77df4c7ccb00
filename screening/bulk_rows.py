"""Insert many rows, or update many rows with their own values, in one plain statement each.

insert_rows is what QuerySet.bulk_create does for new rows of our own models, without the ORM's per-field SQL
compilation (on a create, the compiled INSERTs of the screening, its outcome rows and its audit event were about a
fifth of the request's CPU): each value prepared by its field (pre_save: auto_now_add; get_db_prep_save:
encryption, JSON), an auto-increment primary key read back with RETURNING. Like bulk_create it sends no signals
and calls no save() method.

Django's QuerySet.bulk_update builds one `CASE WHEN pk = ... THEN ...` expression per field and row and resolves
each as an ORM expression: for a job chunk (100 items, 5 fields) that was over a third of the chunk's CPU
(README, "API benchmark"). Here the values go in one `VALUES` list that the table is joined to:

    UPDATE t SET a = v.column2, b = v.column3 FROM (VALUES (%s, %s, %s), ...) AS v WHERE t.pk = v.column1

(both databases name a VALUES list's columns column1, column2, ...; SQLite takes no `AS v(pk, a, b)` list)

PostgreSQL and SQLite (3.33 and later) both read this. Each value is prepared by its own field
(get_db_prep_save: encryption, JSON adaptation), as a save would; on PostgreSQL the joined value is cast to the
column's type, since a VALUES list's parameters have none of their own.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, router
from django.db.models import Model


def _batches(connection, fields, objs: Sequence[Model]):
    """The objects in runs the database takes in one statement (SQLite: at most 999 parameters, as bulk_create
    counts them; PostgreSQL: all of them)."""
    size = max(1, connection.ops.bulk_batch_size(fields, objs))
    for start in range(0, len(objs), size):
        yield objs[start : start + size]


class RoundTrip:
    """Statements sent to the database together. On PostgreSQL, psycopg2 sends `a; b; c` as one query: one round
    trip, and the result (RETURNING rows) of the last statement. Elsewhere (SQLite takes one statement per call)
    each statement runs when it is added. A create sends its screening's and outcome rows' INSERTs with the audit
    chain's lock, and the head's UPDATE with the audit event's INSERT: three round trips fewer per create."""

    def __init__(self, db: str = "default"):
        self.connection = connections[db]
        self.together = self.connection.vendor == "postgresql"
        self._sql: list[str] = []
        self._params: list = []

    def add(self, sql: str, params: Sequence) -> None:
        if self.together:
            self._sql.append(sql)
            self._params.extend(params)
        else:
            with self.connection.cursor() as cursor:
                cursor.execute(sql, params)

    def send(self, sql: str | None = None, params: Sequence = (), *, fetch: bool = False) -> list | None:
        """Run what is queued followed by `sql`; the rows `sql` returns when `fetch`."""
        statements, values = [*self._sql, *([sql] if sql else [])], [*self._params, *params]
        self._sql, self._params = [], []
        if not statements:
            return [] if fetch else None
        with self.connection.cursor() as cursor:
            cursor.execute("; ".join(statements), values)
            return cursor.fetchall() if fetch else None


def insert_rows(
    objs: Sequence[Model], *, round_trip: RoundTrip | None = None, send: bool = True, read_keys: bool = True
) -> None:
    """INSERT new objects (all of one model) in one statement (per batch, see _batches); an auto-increment primary
    key is set on each from RETURNING, and each object is marked saved (a later save() updates its row).

    `round_trip`: statements queued before are sent with this INSERT (on PostgreSQL, in one round trip); with
    `send=False` the INSERT itself is queued there too, to go with a later statement (only for objects that carry
    their own primary keys, or with `read_keys=False`: nothing is read back). `read_keys=False`: keys the database
    assigns are not read back; such objects keep no key and are not marked saved (written once, not for reuse)."""
    if not objs:
        if round_trip is not None and send:
            round_trip.send()
        return
    model = type(objs[0])
    meta = model._meta
    db = router.db_for_write(model)
    connection = connections[db]
    round_trip = round_trip or RoundTrip(db)
    quote = connection.ops.quote_name
    auto_pk = meta.auto_field is not None and all(obj.pk is None for obj in objs)
    if not send and auto_pk and read_keys:
        raise ValueError("objects whose keys the database assigns cannot wait in a round trip: send them")
    fields = [f for f in meta.concrete_fields if not (auto_pk and f is meta.auto_field)]
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
    returning = auto_pk and read_keys
    tail = f" RETURNING {quote(meta.pk.column)}" if returning else ""
    for batch in _batches(connection, fields, objs):
        params: list = []
        for obj in batch:
            params.extend(f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields)
        sql = head + ", ".join([row] * len(batch)) + tail
        if not send:
            round_trip.add(sql, params)
        elif returning:
            # Both databases return the rows in VALUES order (Django's bulk_create relies on it too).
            for obj, (pk,) in zip(batch, round_trip.send(sql, params, fetch=True), strict=True):
                obj.pk = pk
        else:
            round_trip.send(sql, params)
        if auto_pk and not read_keys:
            continue
        for obj in batch:
            obj._state.adding, obj._state.db = False, db


def update_rows(objs: Sequence[Model], fields: Sequence[str]) -> int:
    """Write `fields` of each object (all of one model, already saved) to its row, in one statement per batch;
    returns the rows updated."""
    if not objs:
        return 0
    model = type(objs[0])
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    pk = meta.pk
    columns = [meta.get_field(name) for name in fields]
    cast = connection.vendor == "postgresql"
    assignments = ", ".join(
        f"{quote(f.column)} = v.column{n}" + (f"::{f.db_type(connection)}" if cast else "")
        for n, f in enumerate(columns, 2)
    )
    row = "(" + ", ".join(["%s"] * (1 + len(columns))) + ")"
    table = quote(meta.db_table)
    pk_join = "v.column1" + (f"::{pk.db_type(connection)}" if cast else "")
    updated = 0
    for batch in _batches(connection, [pk, *columns], objs):
        params: list = []
        for obj in batch:
            params.append(pk.get_db_prep_save(obj.pk, connection))
            params.extend(f.get_db_prep_save(f.pre_save(obj, add=False), connection) for f in columns)
        sql = (
            f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([row] * len(batch))}) AS v "
            f"WHERE {table}.{quote(pk.column)} = {pk_join}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            updated += cursor.rowcount
    return updated
