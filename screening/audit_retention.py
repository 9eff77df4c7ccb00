"""Retention of the audit trail (review D22): delete each chain's events older than the retention period, keeping
the chains verifiable.

Only a prefix of a chain is deleted (its oldest events, by position), and the chain's anchor moves to the last
deleted event's hash and position, so `verify_audit` starts from the oldest kept event. On PostgreSQL the
append-only trigger lets the DELETE through only because this transaction sets `refuge.audit_retention` and only
for events older than 365 days (the floor written into the trigger, migration 0011).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from . import audit_chain
from .models import AuditAction, AuditChain, AuditEvent, Organisation

TRIGGER_FLOOR_DAYS = 365  # written into the trigger: no session can delete the last year's events
MIN_DAYS = TRIGGER_FLOOR_DAYS + 1  # a day's margin, so a clock difference between app and database never trips it


@dataclass(frozen=True)
class ChainPurge:
    chain: str
    deleted: int
    anchor_seq: int


def _allow_retention_delete() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL refuge.audit_retention = 'on'")  # ends with the transaction


def purge_chain(organisation_id: int | None, *, cutoff: dt.datetime, dry_run: bool = False) -> ChainPurge:
    key = audit_chain.chain_key(organisation_id)
    with transaction.atomic():
        chain = audit_chain.lock_chain(organisation_id)
        events = AuditEvent._base_manager.filter(organisation_id=organisation_id)
        first_kept = events.filter(at__gte=cutoff).order_by("chain_seq").values_list("chain_seq", flat=True).first()
        first_kept = first_kept if first_kept is not None else chain.head_seq + 1
        doomed = events.filter(chain_seq__lt=first_kept, chain_seq__gt=chain.anchor_seq)
        count = doomed.count()
        if dry_run or not count:
            return ChainPurge(key, count, chain.anchor_seq)
        last = events.filter(chain_seq=first_kept - 1).values_list("hash", flat=True).get()
        _allow_retention_delete()
        doomed.delete()  # the base manager's plain queryset: the model's own refuses, this is the one sanctioned path
        AuditChain.objects.filter(key=chain.key).update(anchor_seq=first_kept - 1, anchor_hash=last)
    organisation = Organisation.objects.filter(pk=organisation_id).first() if organisation_id else None
    audit_chain.append(
        organisation=organisation,
        event=audit_chain.NewEvent(
            action=AuditAction.PURGED,
            actor_label="system:retention",
            detail={"audit_events": count, "before": cutoff.isoformat(), "anchor_seq": first_kept - 1},
        ),
    )
    return ChainPurge(key, count, first_kept - 1)


def purge(*, older_than_days: int, dry_run: bool = False) -> list[ChainPurge]:
    """Purge every chain; ValueError below MIN_DAYS."""
    if older_than_days < MIN_DAYS:
        raise ValueError(f"older than {older_than_days} days: the audit trail keeps at least {MIN_DAYS} days")
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    return [
        purge_chain(organisation_id, cutoff=cutoff, dry_run=dry_run) for _key, organisation_id in audit_chain.chains()
    ]
