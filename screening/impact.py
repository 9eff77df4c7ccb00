"""What a ruleset version would change in stored screenings, before switching: each screening's answers are
carried to the target version's questionnaire (set-aside rules as a re-screen applies them) and evaluated there,
nothing stored. Used by `manage.py ruleset_impact` and the supervisor's impact page."""

from __future__ import annotations

import multiprocessing
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from rules.versions import has_changes, outcome_changes

from .impact_worker import evaluate_chunk, evaluate_under, init_worker
from .models import Screening, ScreeningOutcome
from .selectors import country_profiles_all, ruleset_for

CHUNK = 2000


@dataclass
class ImpactReport:
    to_version: str
    to_sha256: str
    from_version: str | None
    organisation: str | None
    total: int = 0
    unchanged: int = 0
    changed: int = 0
    # outcome id -> Counter of "gained", "lost", "strengthened", "weakened"
    by_outcome: dict[str, Counter] = field(default_factory=dict)
    # (screening id, reference, organisation id, from version, changes) of every changed screening
    changed_screenings: list[dict] = field(default_factory=list)

    def add(self, *, screening_id, reference, version, changes) -> None:
        self.total += 1
        if not has_changes(changes):
            self.unchanged += 1
            return
        self.changed += 1
        for key, kind in (("added", "gained"), ("removed", "lost")):
            for oid in changes[key]:
                self.by_outcome.setdefault(oid, Counter())[kind] += 1
        for key in ("strengthened", "weakened"):
            for item in changes[key]:
                self.by_outcome.setdefault(item["id"], Counter())[key] += 1
        self.changed_screenings.append(
            {"id": str(screening_id), "reference": reference, "from_version": version, **changes}
        )

    def as_dict(self) -> dict:
        return {
            "to_version": self.to_version,
            "to_sha256": self.to_sha256,
            "from_version": self.from_version,
            "organisation": self.organisation,
            "screenings": self.total,
            "unchanged": self.unchanged,
            "changed": self.changed,
            "by_outcome": {
                oid: {k: counts.get(k, 0) for k in ("gained", "lost", "strengthened", "weakened")}
                for oid, counts in sorted(self.by_outcome.items())
            },
            "changed_screenings": self.changed_screenings,
        }


def _stored_outcomes(queryset) -> Iterator[tuple[str, dict[str, str]]]:
    """(screening id, {outcome id: strength}) in screening-id order, streamed from the outcome rows."""
    rows = (
        ScreeningOutcome.objects.filter(screening__in=queryset.values("pk"))
        .order_by("screening_id")
        .values_list("screening_id", "outcome_id", "strength")
        .iterator(chunk_size=CHUNK * 8)
    )
    current, outcomes = None, {}
    for sid, oid, strength in rows:
        if sid != current:
            if current is not None:
                yield current, outcomes
            current, outcomes = sid, {}
        outcomes[oid] = strength
    if current is not None:
        yield current, outcomes


def screenings_for_impact(*, organisation=None, from_version: str | None = None):
    qs = Screening.objects.all()
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    if from_version:
        qs = qs.filter(ruleset_version=from_version)
    return qs.order_by("pk")


def ruleset_impact(
    *, to_version: str, from_version: str | None = None, organisation=None, workers: int = 1
) -> ImpactReport:
    """Evaluate the chosen stored screenings under `to_version` (nothing stored) and count what would change.
    workers > 1: the evaluations run in that many "spawn" worker processes (never fork: durable_rules' C engine
    must not be shared with a forked child); the database is read here only, in screening-id order."""
    target = ruleset_for(version=to_version)
    report = ImpactReport(
        to_version=target.version,
        to_sha256=target.sha256,
        from_version=from_version,
        organisation=organisation.name if organisation is not None else None,
    )
    queryset = screenings_for_impact(organisation=organisation, from_version=from_version)
    profiles = country_profiles_all()  # one query; small
    chunks = _stored_chunks(queryset)
    if workers <= 1:
        for chunk in chunks:
            _add_chunk(report, chunk, [evaluate_under(target, *row[3:6], profiles) for row in chunk])
        return report
    executor = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_worker,
        initargs=(target.name, profiles),
    )
    pending: deque = deque()  # (chunk, future) in screening order; bounded so memory stays flat
    try:
        for chunk in chunks:
            pending.append((chunk, executor.submit(evaluate_chunk, [row[3:6] for row in chunk])))
            if len(pending) >= workers * 2:
                done, future = pending.popleft()
                _add_chunk(report, done, future.result())
        while pending:
            done, future = pending.popleft()
            _add_chunk(report, done, future.result())
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    return report


def _stored_chunks(queryset) -> Iterator[list[tuple]]:
    """Lists of (id, reference, version, answers, set-aside, apply profile, stored outcomes), CHUNK at a time."""
    stored = _stored_outcomes(queryset)
    next_stored = next(stored, (None, {}))
    fields = ("pk", "reference", "ruleset_version", "answers", "set_aside_answers", "apply_country_profile")
    chunk: list[tuple] = []
    for row in queryset.values_list(*fields).iterator(chunk_size=CHUNK):
        before: dict[str, str] = {}
        if next_stored[0] == row[0]:
            before = next_stored[1]
            next_stored = next(stored, (None, {}))
        chunk.append((*row, before))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _add_chunk(report: ImpactReport, chunk: list[tuple], afters: list[dict[str, str]]) -> None:
    for (sid, reference, version, *_rest, before), after in zip(chunk, afters, strict=True):
        report.add(screening_id=sid, reference=reference, version=version, changes=outcome_changes(before, after))
