"""The audit trail's hash chains: appending events, and verifying that none was edited, removed or inserted.

One chain per organisation, and one for the platform (events with no organisation). An event's `hash` is the
SHA-256 of its chain predecessor's hash and a canonical JSON serialisation of its own fields (position in the
chain included), so changing any stored field, deleting an event or slipping one in breaks every later link.
Appending locks the chain's head row (AuditChain) until the surrounding transaction ends: two inserts of one
organisation queue up, and a unique (organisation, chain_seq) constraint refuses a fork should that ever fail.

The chain proves integrity against someone who can change rows but not recompute every later hash unnoticed:
record the heads that `manage.py verify_audit -v 2` prints somewhere else (e.g. the operator's log) to detect a
rewrite of the whole chain. On PostgreSQL a trigger also refuses UPDATE, DELETE and TRUNCATE (migration 0011).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import ipaddress
import json
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from . import bulk_rows
from .models import AuditChain, AuditEvent, Organisation

PLATFORM = "platform"


def chain_key(organisation_id: int | None) -> str:
    return PLATFORM if organisation_id is None else f"organisation:{organisation_id}"


def _canonical_ip(value) -> str | None:
    if not value:
        return None
    try:
        return ipaddress.ip_address(str(value)).exploded  # one spelling whatever the database gives back
    except ValueError:
        return str(value)


def _canonical_at(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def event_digest(*, prev_hash: str, fields: dict) -> str:
    """sha256(prev_hash, canonical JSON of the event's fields): the same value from a new event and a stored row."""
    canonical = {
        "seq": int(fields["chain_seq"]),
        "organisation": fields["organisation_id"],
        "screening": str(fields["screening_id"]) if fields["screening_id"] else None,
        "action": fields["action"],
        "actor_user": fields["actor_user_id"],
        "actor_client": str(fields["actor_client_id"]) if fields["actor_client_id"] else None,
        "actor_label": fields["actor_label"],
        "at": _canonical_at(fields["at"]),
        "ip": _canonical_ip(fields["ip_address"]),
        "detail": fields["detail"] or {},
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{prev_hash}\n{text}".encode()).hexdigest()


HASHED_FIELDS = (
    "chain_seq",
    "organisation_id",
    "screening_id",
    "action",
    "actor_user_id",
    "actor_client_id",
    "actor_label",
    "at",
    "ip_address",
    "detail",
)


def lock_chain(organisation_id: int | None, round_trip: bulk_rows.RoundTrip | None = None) -> AuditChain:
    """The chain's head row, locked until the transaction ends, in one statement: an UPDATE (a row lock on
    PostgreSQL, the database write lock on SQLite) that returns the head, so a second insert waits here rather
    than reading the same head. Created on first use. Statements queued in `round_trip` go with it."""
    key = chain_key(organisation_id)
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(AuditChain._meta.db_table)} SET {quote('head_seq')} = {quote('head_seq')} "
        f"WHERE {quote('key')} = %s RETURNING {quote('head_seq')}, {quote('head_hash')}, "
        f"{quote('anchor_seq')}, {quote('anchor_hash')}"
    )
    round_trip = round_trip or bulk_rows.RoundTrip()
    while True:
        rows = round_trip.send(sql, [key], fetch=True)
        if rows:
            head_seq, head_hash, anchor_seq, anchor_hash = rows[0]
            return AuditChain(
                key=key,
                organisation_id=organisation_id,
                head_seq=head_seq,
                head_hash=head_hash,
                anchor_seq=anchor_seq,
                anchor_hash=anchor_hash,
            )
        try:
            with transaction.atomic():
                AuditChain.objects.create(key=key, organisation_id=organisation_id)
        except IntegrityError:
            pass  # created by a concurrent insert meanwhile: lock it on the next turn


def _move_head(round_trip: bulk_rows.RoundTrip, key: str, seq: int, head_hash: str) -> None:
    """The chain's new head, in one plain statement (the row is already locked by lock_chain): the ORM's
    update() cost more client CPU than the statement itself, on every audited request. Queued in `round_trip`."""
    quote = connection.ops.quote_name
    round_trip.add(
        f"UPDATE {quote(AuditChain._meta.db_table)} SET {quote('head_seq')} = %s, {quote('head_hash')} = %s "
        f"WHERE {quote('key')} = %s",
        [seq, head_hash, key],
    )


@dataclass
class NewEvent:
    """What the caller says about an event; the chain adds position, time and hashes."""

    action: str
    actor_label: str
    screening_id: object = None
    actor_user: object = None
    actor_client: object = None
    ip_address: str | None = None
    detail: dict | None = None
    at: dt.datetime | None = None  # now, unless a test or an import says otherwise


_deferred: ContextVar = ContextVar("audit_deferred", default=None)


@contextlib.contextmanager
def deferred():
    """Inside, appended events are queued and written together on leaving (inside the caller's transaction, so
    they commit or roll back with its data). A long transaction (a job chunk creating 100 screenings) then holds
    its organisation's chain lock for the last moment only, not while it evaluates, so the organisation's page
    views and API calls do not wait for it. Nothing is written if the block raises."""
    pending: list[tuple[Organisation | None, NewEvent]] = []
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    by_chain: dict = {}
    for organisation, event in pending:
        key = organisation.pk if organisation is not None else None
        by_chain.setdefault(key, (organisation, []))[1].append(event)
    for organisation, events in by_chain.values():
        append_many(organisation=organisation, events=events)


def append_many(
    *, organisation: Organisation | None, events: list[NewEvent], round_trip: bulk_rows.RoundTrip | None = None
) -> list[AuditEvent]:
    """Append events to the organisation's chain (None: the platform's), in order, in one locked step. Inside
    `deferred()` they are queued instead (with the time of the call) and [] is returned. Statements queued in
    `round_trip` go with the chain's lock (the caller sends them if the events were deferred)."""
    if not events:
        return []
    pending = _deferred.get()
    if pending is not None:
        for event in events:
            event.at = event.at or timezone.now()
            pending.append((organisation, event))
        return []
    organisation_id = organisation.pk if organisation is not None else None
    # No savepoint inside the caller's transaction: a failed audit write fails the caller's whole change anyway.
    with transaction.atomic(savepoint=False):
        round_trip = round_trip or bulk_rows.RoundTrip()
        chain = lock_chain(organisation_id, round_trip)
        seq, prev = chain.head_seq, chain.head_hash
        rows = []
        for new in events:
            seq += 1
            row = AuditEvent(
                organisation_id=organisation_id,
                screening_id=new.screening_id,
                action=new.action,
                actor_user=new.actor_user if getattr(new.actor_user, "pk", None) else None,
                actor_client=new.actor_client,
                actor_label=new.actor_label[:200],
                at=new.at or timezone.now(),
                ip_address=new.ip_address or None,
                detail=new.detail or {},
                chain_seq=seq,
                prev_hash=prev,
            )
            row.hash = event_digest(prev_hash=prev, fields={name: getattr(row, name) for name in HASHED_FIELDS})
            prev = row.hash
            rows.append(row)
        _move_head(round_trip, chain.key, seq, prev)  # sent with the INSERT (one round trip on PostgreSQL)
        bulk_rows.insert_rows(rows, round_trip=round_trip)  # new rows only (the trail is append-only)
    return rows


def append(*, organisation: Organisation | None, event: NewEvent) -> AuditEvent | None:
    """The appended event (None inside `deferred()`, where it is written on leaving)."""
    rows = append_many(organisation=organisation, events=[event])
    return rows[0] if rows else None


# ---- verification --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BrokenLink:
    chain: str
    event_id: int | None
    at: dt.datetime | None
    reason: str

    def __str__(self):
        where = f"event {self.event_id} at {_canonical_at(self.at)}" if self.event_id is not None else "the chain's end"
        return f"{self.chain}: broken at {where}: {self.reason}"


def verify_chain(key: str, organisation_id: int | None) -> tuple[int, BrokenLink | None]:
    """Walk one chain from its anchor; (events checked, the first broken link or None)."""
    chain = AuditChain.objects.filter(key=key).first()
    seq, prev = (chain.anchor_seq, chain.anchor_hash) if chain is not None else (0, "")
    rows = AuditEvent._base_manager.filter(organisation_id=organisation_id).order_by("chain_seq", "id")
    count = 0
    for row in rows.values("id", "prev_hash", "hash", *HASHED_FIELDS).iterator(chunk_size=2000):
        count += 1
        seq += 1

        reason = None
        if row["chain_seq"] != seq:
            reason = f"position {row['chain_seq']}, expected {seq}: an event before it is missing or inserted"
        elif row["prev_hash"] != prev:
            reason = "its previous hash does not match the event before it"
        elif event_digest(prev_hash=prev, fields=row) != row["hash"]:
            reason = "its fields do not match its hash: the event was changed"
        if reason is not None:
            return count, BrokenLink(key, row["id"], row["at"], reason)
        prev = row["hash"]
    if chain is not None and (chain.head_seq, chain.head_hash) != (seq, prev):
        return count, BrokenLink(
            key, None, None, f"the head says {chain.head_seq} events, found up to {seq}: events at the end are missing"
        )
    return count, None


def chains(organisation: Organisation | None = None, platform_only: bool = False) -> list[tuple[str, int | None]]:
    """(key, organisation id) of every chain, or of one organisation's, or of the platform's."""
    if platform_only:
        return [(PLATFORM, None)]
    if organisation is not None:
        return [(chain_key(organisation.pk), organisation.pk)]
    ids = set(AuditChain.objects.values_list("organisation_id", flat=True))
    ids |= set(AuditEvent._base_manager.values_list("organisation_id", flat=True).distinct())
    return [(chain_key(i), i) for i in sorted(ids, key=lambda i: (i is not None, i or 0))]


def head_of(key: str) -> AuditChain | None:
    return AuditChain.objects.filter(key=key).first()
