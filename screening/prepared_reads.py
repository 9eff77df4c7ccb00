"""A lookup the ORM compiles once per process and database, then runs with a new string value each time.

Compiling a QuerySet (its columns, joins, select_related and converters) costs more CPU than a small indexed lookup
takes to run. The partner-token lookup runs on every API request: compiling its SELECT was about a tenth of a
create's CPU and more of a `GET me/`'s (README, "API benchmark"). PreparedLookup builds the queryset once with a
marker in place of the value, keeps the compiled SQL, and on each call runs that SQL with the value and turns the
rows into model instances as QuerySet iteration does (Django's own compiler converters; select_related objects
populated by Django's RelatedPopulator). A test holds its results equal to the queryset's on both databases.

Only for a value that a text field's lookup passes through unchanged (a str compared with a CharField): the marker
must come out of compilation as one parameter, as given, or the lookup refuses to prepare (ValueError).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple
    slot: int  # the index of the value in params
    compiler: object
    model: type[Model]
    fields: slice
    init_list: list[str]
    related: list


class PreparedLookup:
    """`build(value)` returns a queryset of `model` (filtered by `value`, ordered or not, sliced as wanted);
    `get(value)` the first model instance it gives, or None."""

    def __init__(self, model: type[Model], build: Callable[[str], QuerySet]):
        self._model = model
        self._build = build
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
        marker = f"prepared-lookup-{secrets.token_hex(16)}"
        queryset = self._build(marker).using(db)
        compiler = queryset.query.get_compiler(using=db)
        sql, params = compiler.as_sql()
        slots = [i for i, param in enumerate(params) if param == marker]
        if len(slots) != 1 or any(isinstance(p, str) and marker in p and p != marker for p in params):
            raise ValueError("the value must appear once, unchanged, among the compiled query's parameters")
        klass_info = compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return _Plan(
            sql=sql,
            params=tuple(params),
            slot=slots[0],
            compiler=compiler,
            model=klass_info["model"],
            fields=slice(start, end),
            init_list=[column[0].target.attname for column in compiler.select[start:end]],
            related=get_related_populators(klass_info, compiler.select, db),
        )

    def get(self, value: str) -> Model | None:
        db = router.db_for_read(self._model)
        plan = self._plan(db)
        params = list(plan.params)
        params[plan.slot] = value
        with connections[db].cursor() as cursor:
            cursor.execute(plan.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        (row,) = plan.compiler.results_iter(results=[[row]])  # the fields' converters, as iteration applies them
        obj = plan.model.from_db(db, plan.init_list, row[plan.fields])
        for populator in plan.related:
            populator.populate(row, obj)
        return obj
