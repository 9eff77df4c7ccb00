"""Update many rows with their own values in one statement.

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


def update_rows(objs: Sequence[Model], fields: Sequence[str]) -> int:
    """Write `fields` of each object (all of one model, already saved) to its row; returns the rows updated."""
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
    params: list = []
    for obj in objs:
        params.append(pk.get_db_prep_save(obj.pk, connection))
        params.extend(f.get_db_prep_save(f.pre_save(obj, add=False), connection) for f in columns)
    table = quote(meta.db_table)
    pk_join = "v.column1" + (f"::{pk.db_type(connection)}" if cast else "")
    sql = (
        f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([row] * len(objs))}) AS v "
        f"WHERE {table}.{quote(pk.column)} = {pk_join}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
