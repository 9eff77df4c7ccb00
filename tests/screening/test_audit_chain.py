"""The audit trail's hash chains (review D4): linear per organisation, verified by `manage.py verify_audit`, and
on PostgreSQL protected by a trigger that refuses UPDATE, DELETE and TRUNCATE."""

from __future__ import annotations

import io
import threading
import uuid

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from screening import audit_chain, services
from screening.auth import Actor
from screening.models import AuditAction, AuditChain, AuditEvent

POSTGRES_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger is installed on PostgreSQL only"
)


def verify(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def tamper(sql: str, params=()) -> None:
    """Raw SQL by someone with the application's database role; on PostgreSQL the trigger is switched off first
    (as its owner could), so what is tested is that the chain detects the change."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE needs no deferred checks pending
            cursor.execute("ALTER TABLE screening_auditevent DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE screening_auditevent ENABLE TRIGGER USER")


@pytest.fixture
def org():
    return services.organisation_create(name="Chain Org")


@pytest.fixture
def events(org):
    """Five events of one organisation (create, view, view, change, reassess) and two of another."""
    actor = Actor(organisation=org, ip_address="2001:DB8::1")
    screening = services.screening_create(actor=actor, answers={"country_of_origin": "UA"})
    services.screening_viewed(actor=actor, screening=screening)
    services.screening_viewed(actor=actor, screening=screening, detail={"page": "result"})
    screening = services.screening_update(actor=actor, screening=screening, answers={"age": 30}, expected_version=1)
    services.screening_reassess(actor=actor, screening=screening)
    other = services.organisation_create(name="Other Chain Org")
    services.screening_create(actor=Actor(organisation=other), answers={"country_of_origin": "RU"})
    services.screening_create(actor=Actor(organisation=other), answers={"country_of_origin": "RU"})
    return list(AuditEvent.objects.filter(organisation=org).order_by("chain_seq"))


@pytest.mark.django_db
def test_each_event_links_to_the_previous_one_of_its_organisation(org, events):
    assert [e.chain_seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == ""
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    assert len({e.hash for e in events}) == 5
    chain = AuditChain.objects.get(organisation=org)
    assert (chain.head_seq, chain.head_hash) == (5, events[-1].hash)
    other = AuditEvent.objects.exclude(organisation=org).order_by("chain_seq")
    assert [e.chain_seq for e in other] == [1, 2] and other[0].prev_hash == ""


@pytest.mark.django_db
def test_verify_audit_says_ok_for_an_untouched_trail(org, events):
    assert verify() == (0, "OK, 7 events in 2 chains\n", "")
    assert verify("--organisation", "Chain Org") == (0, "OK, 5 events in 1 chains\n", "")
    assert verify("--organisation", str(org.pk))[1] == "OK, 5 events in 1 chains\n"


@pytest.mark.django_db
def test_an_unknown_organisation_is_a_clear_error():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No organisation named"):
        call_command("verify_audit", "--organisation", "Nobody")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "value"),
    [("actor_label", "user:someone-else"), ("action", "created"), ("ip_address", "192.0.2.99"), ("at", "2020-01-01")],
)
def test_a_changed_field_is_reported_at_that_event(events, column, value):
    target = events[2]
    tamper(f"UPDATE screening_auditevent SET {column} = %s WHERE id = %s", [value, target.id])
    code, out, err = verify()
    assert code == 1 and out == ""
    assert f"broken at event {target.id} at" in err and "the event was changed" in err
    assert err.count("BROKEN") == 1  # the other organisation's chain is intact


@pytest.mark.django_db
def test_a_changed_detail_is_reported(events):
    tamper("UPDATE screening_auditevent SET detail = %s WHERE id = %s", ['{"page": "memo"}', events[2].id])
    code, _out, err = verify("--organisation", "Chain Org")
    assert code == 1 and f"event {events[2].id}" in err


@pytest.mark.django_db
def test_a_deleted_event_is_reported_at_the_next_one(events):
    tamper("DELETE FROM screening_auditevent WHERE id = %s", [events[1].id])
    code, _out, err = verify()
    assert code == 1 and f"broken at event {events[2].id}" in err and "missing or inserted" in err


@pytest.mark.django_db
def test_deleting_the_newest_events_is_reported(events):
    tamper("DELETE FROM screening_auditevent WHERE id IN (%s, %s)", [events[3].id, events[4].id])
    code, _out, err = verify()
    assert code == 1 and "head says 5 events, found up to 3" in err


@pytest.mark.django_db
def test_rehashing_one_event_still_breaks_the_next_link(events):
    """An attacker who recomputes the changed event's own hash leaves the next event pointing at the old one."""
    target = events[1]
    fields = {name: getattr(target, name) for name in audit_chain.HASHED_FIELDS}
    fields["actor_label"] = "user:someone-else"
    forged = audit_chain.event_digest(prev_hash=target.prev_hash, fields=fields)
    tamper(
        "UPDATE screening_auditevent SET actor_label = %s, hash = %s WHERE id = %s",
        ["user:someone-else", forged, target.id],
    )
    code, _out, err = verify()
    assert code == 1 and f"broken at event {events[2].id}" in err and "previous hash" in err


@pytest.mark.django_db
def test_events_without_an_organisation_form_the_platform_chain():
    for name in ("ghost", "ghost2"):
        audit_chain.append(
            organisation=None,
            event=audit_chain.NewEvent(action=AuditAction.VIEWED, actor_label=f"anonymous:{name}"),
        )
    platform = list(AuditEvent.objects.filter(organisation=None).order_by("chain_seq"))
    assert [e.chain_seq for e in platform] == [1, 2] and platform[1].prev_hash == platform[0].hash
    assert verify("--organisation", "platform")[:2] == (0, "OK, 2 events in 1 chains\n")


# ---- PostgreSQL: the trigger ----------------------------------------------------------------------------------


def raw(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@POSTGRES_ONLY
@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE screening_auditevent SET actor_label = 'someone-else' WHERE id = %s",
        "DELETE FROM screening_auditevent WHERE id = %s",
    ],
)
def test_the_trigger_refuses_raw_updates_and_deletes(events, sql):
    with pytest.raises(DatabaseError, match="The audit trail is append-only"):
        raw(sql, [events[0].id])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():  # Django's own bypass too
        AuditEvent._base_manager.filter(pk=events[0].pk).update(actor_label="someone-else")
    assert AuditEvent.objects.get(pk=events[0].pk).actor_label == "system"
    assert verify()[0] == 0


@POSTGRES_ONLY
@pytest.mark.django_db
def test_the_retention_flag_alone_does_not_delete_recent_events(events):
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL refuge.audit_retention = 'on'")
            cursor.execute("DELETE FROM screening_auditevent WHERE id = %s", [events[0].id])
    assert AuditEvent.objects.filter(pk=events[0].pk).exists()


@POSTGRES_ONLY
@pytest.mark.django_db
def test_the_trigger_refuses_truncate_to_a_role_that_is_not_superuser(events):
    role = f"refuge_app_{uuid.uuid4().hex[:12]}"
    with pytest.raises(DatabaseError, match="TRUNCATE refused"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE needs no deferred checks pending
            cursor.execute(f"CREATE ROLE {role} NOSUPERUSER")  # rolled back with the transaction
            cursor.execute(f"GRANT ALL ON screening_auditevent TO {role}")
            cursor.execute(f"SET LOCAL SESSION AUTHORIZATION {role}")
            cursor.execute("TRUNCATE screening_auditevent")
    assert AuditEvent.objects.count() == 7


@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_concurrent_inserts_of_one_organisation_keep_the_chain_linear():
    org = services.organisation_create(name="Busy Org")
    other = services.organisation_create(name="Busy Org 2")
    threads_count, per_thread = 6, 8
    barrier = threading.Barrier(threads_count)
    errors = []

    def work(n):
        try:
            barrier.wait()
            for i in range(per_thread):
                target = org if (n + i) % 3 else other
                actor = Actor(organisation=target, ip_address=f"192.0.2.{n}")
                services.audit_record(actor=actor, screening_id=uuid.uuid4(), action=AuditAction.VIEWED)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    total = threads_count * per_thread
    for target in (org, other):
        seqs = list(
            AuditEvent.objects.filter(organisation=target).order_by("chain_seq").values_list("chain_seq", flat=True)
        )
        assert seqs == list(range(1, len(seqs) + 1))
    assert AuditEvent.objects.filter(organisation__in=[org, other]).count() == total
    assert verify() == (0, f"OK, {total} events in 2 chains\n", "")


@pytest.mark.django_db
def test_deferred_events_are_written_together_at_the_end_and_not_at_all_on_error(org):
    actor = Actor(organisation=org)
    with audit_chain.deferred():
        services.audit_record(actor=actor, screening_id=uuid.uuid4(), action=AuditAction.VIEWED)
        services.audit_record(actor=Actor(organisation=None), screening_id=None, action=AuditAction.VIEWED)
        assert not AuditEvent.objects.exists()  # queued, the chain not locked yet
    assert AuditEvent.objects.filter(organisation=org).count() == 1
    assert AuditEvent.objects.filter(organisation=None).count() == 1

    with pytest.raises(RuntimeError), transaction.atomic(), audit_chain.deferred():
        services.audit_record(actor=actor, screening_id=uuid.uuid4(), action=AuditAction.VIEWED)
        raise RuntimeError("the chunk failed")
    assert AuditEvent.objects.filter(organisation=org).count() == 1
    assert verify()[0] == 0
