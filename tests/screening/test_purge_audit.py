"""Audit-trail retention (review D22): `manage.py purge_audit` deletes each chain's oldest events through the
append-only trigger (PostgreSQL) and leaves the chains verifiable from the oldest kept event."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from screening import audit_chain, services
from screening.models import AuditAction, AuditChain, AuditEvent

pytestmark = pytest.mark.django_db


def add(organisation, days_ago: int, label="user:old"):
    at = timezone.now() - dt.timedelta(days=days_ago)
    return audit_chain.append(
        organisation=organisation,
        event=audit_chain.NewEvent(action=AuditAction.VIEWED, actor_label=label, detail={"page": "check"}, at=at),
    )


def run(command, *args) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def org():
    return services.organisation_create(name="Retention Org")


@pytest.fixture
def trail(org):
    """Three events older than 7 years, two recent; and a platform chain that is all old."""
    old = [add(org, 3000), add(org, 2900), add(org, 2600)]
    recent = [add(org, 100), add(org, 1)]
    add(None, 2800, "anonymous")
    return old, recent


def test_purge_audit_deletes_the_old_prefix_and_the_chains_still_verify(org, trail, settings):
    settings.AUDIT_RETENTION_DAYS = 2555
    old, recent = trail
    out = run("purge_audit")
    assert f"organisation:{org.pk}: deleted 3 events older than 2555 days" in out
    assert "platform: deleted 1 events" in out and "Deleted 4 audit events older than 2555 days in 2 chains." in out
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in recent]).count() == 2
    chain = AuditChain.objects.get(organisation=org)
    assert (chain.anchor_seq, chain.anchor_hash) == (3, old[-1].hash)
    purged = AuditEvent.objects.filter(organisation=org, action=AuditAction.PURGED).get()
    assert purged.chain_seq == 6 and purged.detail["audit_events"] == 3 and purged.detail["anchor_seq"] == 3
    assert run("verify_audit").startswith("OK, 4 events in 2 chains")  # 2 recent + 2 purge records
    add(org, 0)  # the chain goes on from its head
    assert run("verify_audit").startswith("OK, 5 events")


def test_after_a_purge_tampering_with_the_oldest_kept_event_is_still_detected(org, trail):
    _old, recent = trail
    run("purge_audit", "--older-than-days", "2555")
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE screening_auditevent DISABLE TRIGGER USER")
        cursor.execute("UPDATE screening_auditevent SET actor_label = 'user:x' WHERE id = %s", [recent[0].id])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE screening_auditevent ENABLE TRIGGER USER")
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_audit", stdout=io.StringIO(), stderr=err)
    assert exit_.value.code == 1 and f"event {recent[0].id}" in err.getvalue()


def test_a_dry_run_deletes_nothing(org, trail):
    before = AuditEvent.objects.count()
    out = run("purge_audit", "--older-than-days", "2555", "--dry-run")
    assert "Would delete 4 audit events" in out
    assert AuditEvent.objects.count() == before
    assert AuditChain.objects.get(organisation=org).anchor_seq == 0


def test_nothing_younger_than_the_floor_can_be_purged(org, trail):
    with pytest.raises(CommandError, match="--older-than-days 30: .*keeps at least 366 days"):
        run("purge_audit", "--older-than-days", "30")
    assert AuditEvent.objects.count() == 6


def test_a_chain_purged_entirely_goes_on_from_its_anchor(org):
    add(org, 3000)
    add(org, 2999)
    run("purge_audit", "--older-than-days", "2555")
    chain = AuditChain.objects.get(organisation=org)
    assert chain.anchor_seq == 2
    assert list(AuditEvent.objects.filter(organisation=org).values_list("chain_seq", "action")) == [
        (3, AuditAction.PURGED)
    ]
    assert run("verify_audit").startswith("OK, 1 events in 1 chains")
    assert run("purge_audit", "--older-than-days", "2555").startswith("Deleted 0")  # nothing more: no new event
    assert AuditEvent.objects.filter(organisation=org).count() == 1
