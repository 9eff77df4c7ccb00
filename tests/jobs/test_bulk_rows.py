"""screening.bulk_rows.update_rows: one UPDATE ... FROM (VALUES ...) writes what Django's bulk_update would, on
PostgreSQL and on SQLite: each row its own values, encrypted fields encrypted, JSON as JSON, NULLs, a foreign key;
the other rows and the other columns untouched."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from screening import bulk_rows, jobs
from screening.models import JobItem, JobItemStatus, JobSource, Screening, ScreeningOutcome
from tests.jobs.helpers import make_actor, public_items

pytestmark = pytest.mark.django_db


def test_update_rows_writes_each_rows_own_values_in_one_statement():
    actor = make_actor()
    job = jobs.job_create(actor=actor, source=JobSource.API, items=public_items(4))
    items = list(JobItem.objects.filter(job=job).order_by("index"))
    screening = Screening.objects.create(organisation=actor.organisation, reference="r", answers={})
    first, second, third = items[:3]
    first.status, first.screening, first.result, first.errors, first.payload = (
        JobItemStatus.DONE,
        screening,
        {"outcomes": [{"id": "x", "strength": "strong"}], "n": 1},
        [],
        {},
    )
    second.status, second.screening, second.result, second.errors = JobItemStatus.INVALID, None, None, [{"code": "c"}]
    second.payload = {"answers": {"age": "é 31"}, "nested": [1, None, True]}
    third_reference = third.reference
    third.reference = "not written: reference is not among the fields"
    with CaptureQueriesContext(connection) as queries:
        updated = bulk_rows.update_rows([first, second, third], ["status", "screening", "result", "errors", "payload"])
    assert updated == 3 and len(queries) == 1
    by_index = {item.index: item for item in JobItem.objects.filter(job=job)}
    assert (by_index[0].status, by_index[0].screening_id, by_index[0].result, by_index[0].errors) == (
        JobItemStatus.DONE,
        screening.pk,
        {"outcomes": [{"id": "x", "strength": "strong"}], "n": 1},
        [],
    )
    assert by_index[0].payload == {}
    assert (by_index[1].status, by_index[1].screening_id, by_index[1].result) == (JobItemStatus.INVALID, None, None)
    assert by_index[1].errors == [{"code": "c"}]
    assert by_index[1].payload == {"answers": {"age": "é 31"}, "nested": [1, None, True]}  # decrypted again
    assert by_index[2].reference == third_reference != third.reference
    assert by_index[3].status == JobItemStatus.PENDING and by_index[3].payload  # not passed: untouched
    with connection.cursor() as cursor:  # encrypted at rest, not stored as plain JSON
        cursor.execute(f"SELECT payload FROM {JobItem._meta.db_table} WHERE id = %s", [second.pk])
        text = cursor.fetchone()[0]
        assert text.startswith("gAAAA") and "answers" not in text  # a Fernet token


def test_update_rows_with_nothing_runs_no_statement():
    with CaptureQueriesContext(connection) as queries:
        assert bulk_rows.update_rows([], ["status"]) == 0
    assert len(queries) == 0


def test_insert_rows_stores_what_bulk_create_would_with_pks_and_prepared_values():
    actor = make_actor()
    made = [
        Screening(organisation=actor.organisation, reference=f"ins-{i}", answers={"age": 30 + i, "x": "é"})
        for i in range(3)
    ]
    with CaptureQueriesContext(connection) as queries:
        bulk_rows.insert_rows(made)
    assert len(queries) == 1
    assert all(not s._state.adding for s in made)
    for screening in made:
        stored = Screening.objects.get(pk=screening.pk)
        assert (stored.reference, stored.answers) == (screening.reference, screening.answers)
        assert stored.created_at is not None and stored.created_at == screening.created_at  # auto_now_add
    with connection.cursor() as cursor:  # the answers are encrypted at rest
        key = Screening._meta.pk.get_db_prep_value(made[0].pk, connection)
        cursor.execute(f"SELECT answers FROM {Screening._meta.db_table} WHERE id = %s", [key])
        text = cursor.fetchone()[0]
        assert text.startswith("gAAAA") and "age" not in text  # a Fernet token
    rows = [
        ScreeningOutcome(screening=made[i % 3], outcome_id=f"o{i}", category="c", strength="weak") for i in range(4)
    ]
    bulk_rows.insert_rows(rows)  # an auto-increment key: read back in VALUES order
    for row in rows:
        assert row.pk is not None
        assert ScreeningOutcome.objects.get(pk=row.pk).outcome_id == row.outcome_id
    rows[0].strength = "strong"
    rows[0].save()  # marked saved: an UPDATE, not a second row
    assert ScreeningOutcome.objects.filter(screening=made[0]).count() == 2
    assert ScreeningOutcome.objects.get(pk=rows[0].pk).strength == "strong"


def test_many_rows_go_in_batches_the_database_takes_with_every_key_and_value_in_place():
    """SQLite builds differ in how many parameters a statement may hold (999 in older ones, which bulk_create
    assumes): 1,000 screenings and 600 outcome rows go in several statements there, one each on PostgreSQL, and
    every row keeps its own key and values across the batches."""
    actor = make_actor()
    made = [Screening(organisation=actor.organisation, reference=f"many-{i}", answers={"n": i}) for i in range(1000)]
    with CaptureQueriesContext(connection) as queries:
        bulk_rows.insert_rows(made)
    assert len(queries) > 1 if connection.vendor == "sqlite" else len(queries) == 1
    assert {s.reference: s.answers["n"] for s in Screening.objects.filter(reference__startswith="many-")} == {
        f"many-{i}": i for i in range(1000)
    }
    rows = [
        ScreeningOutcome(screening=made[i % 60], outcome_id=f"o{i}", category="c", strength="weak") for i in range(600)
    ]
    bulk_rows.insert_rows(rows)
    assert len({row.pk for row in rows}) == 600
    stored = dict(ScreeningOutcome.objects.filter(screening__in=made).values_list("pk", "outcome_id"))
    assert all(stored[row.pk] == row.outcome_id for row in rows)
    for i, row in enumerate(rows):
        row.strength = "strong" if i % 2 else "moderate"
    assert bulk_rows.update_rows(rows, ["strength"]) == 600
    stored = dict(ScreeningOutcome.objects.filter(screening__in=made).values_list("pk", "strength"))
    assert all(stored[row.pk] == row.strength for row in rows)


def test_a_round_trip_sends_queued_statements_with_the_next_insert():
    """On PostgreSQL the screening's INSERT waits and goes with its outcome rows' INSERT: one round trip."""
    actor = make_actor()
    screening = Screening(organisation=actor.organisation, reference="together", answers={"age": 30})
    outcome = ScreeningOutcome(screening=screening, outcome_id="conscientious_objection", strength="strong")
    round_trip = bulk_rows.RoundTrip()
    with CaptureQueriesContext(connection) as queries:
        bulk_rows.insert_rows([screening], round_trip=round_trip, send=False)
        bulk_rows.insert_rows([outcome], round_trip=round_trip)
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    assert outcome.pk is not None and not outcome._state.adding  # RETURNING of the last statement read back
    stored = ScreeningOutcome.objects.select_related("screening").get(pk=outcome.pk)
    assert stored.screening.answers == {"age": 30} and stored.strength == "strong"


def test_objects_whose_keys_the_database_assigns_cannot_wait_in_a_round_trip():
    screening = Screening.objects.create(organisation=make_actor().organisation, reference="r", answers={})
    outcome = ScreeningOutcome(screening=screening, outcome_id="x", strength="strong")
    with pytest.raises(ValueError, match="cannot wait"):
        bulk_rows.insert_rows([outcome], round_trip=bulk_rows.RoundTrip(), send=False)
    assert not ScreeningOutcome.objects.exists()


def test_rows_whose_keys_are_not_read_back_can_wait_and_keep_no_key():
    screening = Screening.objects.create(organisation=make_actor().organisation, reference="r", answers={})
    rows = [ScreeningOutcome(screening=screening, outcome_id=oid, strength="arguable") for oid in ("a", "b")]
    round_trip = bulk_rows.RoundTrip()
    bulk_rows.insert_rows(rows, round_trip=round_trip, send=False, read_keys=False)
    round_trip.send()
    assert all(row.pk is None and row._state.adding for row in rows)  # written once, not for reuse
    assert sorted(ScreeningOutcome.objects.filter(screening=screening).values_list("outcome_id", flat=True)) == [
        "a",
        "b",
    ]


def test_a_create_sends_its_rows_with_the_audit_chains_lock():
    """services.screenings_create_many: on PostgreSQL the screening, its outcome rows and the chain's lock go in one
    round trip, the head's move and the audit event in another; the chain still verifies."""
    from screening import audit_chain, services
    from screening.models import AuditEvent

    actor = make_actor()
    answers = public_items(1)[0]["answers"]
    with CaptureQueriesContext(connection) as queries:
        (screening,) = services.screenings_create_many(actor=actor, items=[{"answers": answers}])
    statements = [q["sql"] for q in queries]
    together = [sql for sql in statements if "screening_screeningoutcome" in sql]
    assert len(together) == 1
    if connection.vendor == "postgresql":
        assert "INSERT INTO" in together[0] and "screening_screening" in together[0]
        assert "screening_auditchain" in together[0]  # the lock, last: its RETURNING is read
    assert ScreeningOutcome.objects.filter(screening=screening).count() == len(screening.assessment["outcomes"])
    assert AuditEvent.objects.filter(screening_id=screening.pk).count() == 1
    key = audit_chain.chain_key(actor.organisation.pk)
    assert audit_chain.verify_chain(key, actor.organisation.pk)[1] is None
