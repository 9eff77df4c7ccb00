"""The indexes every create writes (migration 0017, issue 13 "fewer indexes"): no index that another one already
serves, and no LIKE (pattern-ops) index that no query uses; the lookups they served still find an index."""

import pytest
from django.db import connection

from screening.models import Screening, ScreeningOutcome
from tests.jobs.helpers import make_actor

pytestmark = pytest.mark.django_db


def indexes(model) -> dict[str, tuple[str, ...]]:
    """{index name: its columns} of the model's table as the database reports them (keys and unique ones too)."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {
        name: tuple(info["columns"])
        for name, info in found.items()
        if info["index"] or info["primary_key"] or info["unique"]
    }


def test_outcome_rows_carry_three_indexes_and_none_on_screening_alone():
    columns = sorted(indexes(ScreeningOutcome).values())
    assert columns == [("id",), ("outcome_id",), ("screening_id", "outcome_id")]


@pytest.mark.parametrize("model", [Screening, ScreeningOutcome])
def test_no_pattern_ops_index(model):
    assert not [name for name in indexes(model) if name.endswith("_like")]


def test_screening_keeps_its_country_index():
    assert ("country_of_origin",) in indexes(Screening).values()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are read on PostgreSQL only")
def test_a_screenings_outcome_rows_are_found_through_the_unique_index():
    actor = make_actor()
    screening = Screening.objects.create(organisation=actor.organisation, reference="r", answers={})
    ScreeningOutcome.objects.create(screening=screening, outcome_id="a", category="c", strength="s")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a two-row table: make the planner show the index it has
        cursor.execute(
            f"EXPLAIN SELECT * FROM {ScreeningOutcome._meta.db_table} WHERE screening_id = %s", [screening.pk]
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "unique_outcome_per_screening" in plan
