"""Lookups the ORM compiles once per process and database, then runs with new values each time.

Compiling a QuerySet (its columns, joins, select_related and converters) costs more CPU than a small indexed lookup
takes to run. The partner-token lookup runs on every API request, and the screening lookup on every detail GET:
compiling their SELECTs was most of a `GET me/` and a third of the detail GET's own work (README, "API
benchmark"). PreparedLookup builds the queryset once with a marker in place of each value, keeps the compiled SQL,
and on each call runs that SQL with the values, prepared by their fields as a filter prepares them, and turns the
rows into model instances as QuerySet iteration does (Django's own compiler converters; select_related objects
populated by Django's RelatedPopulator). A test holds its results equal to the queryset's on both databases.

Values are compared with text, integer or UUID fields (`exact` lookups): each marker must come out of compilation
as exactly one parameter, prepared as its field prepares a value, or the lookup refuses to prepare (ValueError).
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, models, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple
    slots: tuple[tuple[int, models.Field], ...]  # (index in params, field), in the order of the lookup's values
    compiler: object
    model: type[Model]
    fields: slice
    init_list: list[str]
    related: list


def _marker(field: models.Field):
    """A value no query would hold by chance, of a type the field takes."""
    if isinstance(field, models.ForeignKey):
        return _marker(field.target_field)
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.IntegerField):
        return 2**30 + secrets.randbits(29)  # in range of every integer column
    if isinstance(field, models.CharField | models.TextField):
        return f"prepared-lookup-{secrets.token_hex(16)}"
    raise ValueError(f"{field!r}: a prepared lookup takes text, integer or UUID fields")


class PreparedLookup:
    """`build(*values)` returns a queryset of `model` filtered by the values (compared, in order, with the fields
    named in `fields`; "pk" for the primary key), ordered or not, sliced as wanted; `get(*values)` the first model
    instance it gives, or None."""

    def __init__(self, model: type[Model], build: Callable[..., QuerySet], fields: tuple[str, ...]):
        self._model = model
        self._build = build
        self._fields = [model._meta.pk if name == "pk" else model._meta.get_field(name) for name in fields]
        self._plans: dict[tuple[str, str], _Plan] = {}
        self._lock = threading.Lock()

    def _plan(self, db: str) -> _Plan:
        key = (db, connections[db].vendor)
        plan = self._plans.get(key)
        if plan is None:
            with self._lock:
                plan = self._plans.get(key) or self._compile(db)
                self._plans[key] = plan
        return plan

    def _compile(self, db: str) -> _Plan:
        connection = connections[db]
        markers = [_marker(field) for field in self._fields]
        compiler = self._build(*markers).using(db).query.get_compiler(using=db)
        sql, params = compiler.as_sql()
        slots = []
        for field, marker in zip(self._fields, markers, strict=True):
            prepared = field.get_db_prep_value(marker, connection)
            found = [i for i, param in enumerate(params) if param == prepared]
            if len(found) != 1:
                raise ValueError(f"{field.name}: the value must appear once, as its field prepares it, in the query")
            slots.append((found[0], field))
        klass_info = compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return _Plan(
            sql=sql,
            params=tuple(params),
            slots=tuple(slots),
            compiler=compiler,
            model=klass_info["model"],
            fields=slice(start, end),
            init_list=[column[0].target.attname for column in compiler.select[start:end]],
            related=get_related_populators(klass_info, compiler.select, db),
        )

    def get(self, *values) -> Model | None:
        db = router.db_for_read(self._model)
        connection = connections[db]
        plan = self._plan(db)
        params = list(plan.params)
        for (slot, field), value in zip(plan.slots, values, strict=True):
            params[slot] = field.get_db_prep_value(value, connection)  # as an exact filter prepares it
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        (row,) = plan.compiler.results_iter(results=[[row]])  # the fields' converters, as iteration applies them
        obj = plan.model.from_db(db, plan.init_list, row[plan.fields])
        for populator in plan.related:
            populator.populate(row, obj)
        return obj
