"""Background screening jobs: create a job from a list of items, screen it in chunks, read its results.

A chunk is screened in ONE transaction that claims its pending items (an UPDATE, so a second run of the same
chunk waits for the first and then finds nothing to claim), stores a screening per valid item, records each
item's result or errors and adds to the job's counts. A worker killed mid-chunk rolls all of it back, and the
chunk runs again (Celery acks late): nothing is lost and nothing is created twice. Results are read in input
order (JobItem.index) whatever order the chunks ran in.

Where chunks run (settings.SCREENING["JOB_EXECUTOR"]): "celery" sends one task per chunk to the broker (workers
started by `make worker`, on any machine reaching the same database and Redis); "thread" runs them one after
another in a background thread of this process (the default with no broker: `make run` needs nothing more);
"inline" runs them at once in the caller. All three run the same function, chunk_screen.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import audit_chain, bulk_rows
from .auth import Actor
from .errors import answer_errors, validation_items
from .models import Job, JobItem, JobItemStatus, JobSource, JobStatus, Membership

logger = logging.getLogger(__name__)

MAX_JOB_ITEMS = 100_000
BULK_BATCH = 2000  # rows per INSERT when storing a job's items


class IdempotencyConflict(Exception):
    """The Idempotency-Key was already used for a job of this organisation; `job` is that job."""

    def __init__(self, job: Job):
        self.job = job
        super().__init__(f"idempotency key already used for job {job.id}")


def job_create(
    *,
    actor: Actor,
    source: str,
    items: Iterable[dict],
    rows: Iterable[int | None] | None = None,
    idempotency_key: str = "",
    file_name: str = "",
    errors: list[dict] | None = None,
) -> Job:
    """Store a job and its items (in input order) and queue it; returns the job.

    `items` are screenings as POST /api/v1/screenings/ takes them ({reference?, answers, ...}); `rows` their line
    or row numbers in an uploaded file. With an `idempotency_key` already used by the organisation, raises
    IdempotencyConflict (nothing is stored)."""
    items = list(items)
    rows = list(rows) if rows is not None else [None] * len(items)
    with transaction.atomic():
        if idempotency_key:
            existing = Job.objects.filter(organisation=actor.organisation, idempotency_key=idempotency_key).first()
            if existing is not None:
                raise IdempotencyConflict(existing)
        job = Job.objects.create(
            organisation=actor.organisation,
            created_by_user=actor.user if getattr(actor.user, "pk", None) else None,
            created_by_client=actor.client,
            source=source,
            idempotency_key=idempotency_key,
            file_name=file_name[:200],
            chunk_size=max(1, settings.SCREENING["JOB_CHUNK_SIZE"]),
            total_items=len(items),
            errors=errors or [],
        )
        JobItem.objects.bulk_create(
            (
                JobItem(
                    job=job,
                    index=index,
                    row=row,
                    reference=_reference_of(item),
                    payload=item if isinstance(item, dict) else {"_not_an_object": True},
                )
                for index, (item, row) in enumerate(zip(items, rows, strict=True))
            ),
            batch_size=BULK_BATCH,
        )
        transaction.on_commit(lambda: job_dispatch(job=job))
    logger.info("job %s created: %s items from %s", job.id, job.total_items, source)
    return job


def _reference_of(item) -> str:
    reference = item.get("reference") if isinstance(item, dict) else None
    return reference[:100] if isinstance(reference, str) else ""


def job_chunks(job: Job) -> list[tuple[int, int]]:
    """[start, end) index ranges of the job's chunks, in input order."""
    size = job.chunk_size
    return [(start, min(start + size, job.total_items)) for start in range(0, job.total_items, size)]


def job_dispatch(*, job: Job) -> None:
    """Queue every chunk of the job on the configured executor (called once the job is committed)."""
    from . import job_runner

    job_runner.run_chunks(job_id=str(job.id), chunks=job_chunks(job))
    if job.total_items == 0:
        _finish_if_done(job.id)


def job_actor(job: Job) -> Actor:
    """Who the job's screenings are created by: the user or partner client that created the job."""
    role = None
    if job.created_by_user is not None:
        role = Membership.objects.filter(user=job.created_by_user).values_list("role", flat=True).first()
    return Actor(organisation=job.organisation, user=job.created_by_user, client=job.created_by_client, role=role)


def chunk_screen(*, job_id, start: int, end: int) -> int:
    """Screen the job's pending items with index in [start, end); returns how many this call screened (0 when
    the chunk was already done). Idempotent: see the module docstring."""
    job = Job.objects.select_related("organisation", "created_by_user", "created_by_client").get(pk=job_id)
    Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(status=JobStatus.RUNNING, started_at=timezone.now())
    actor = job_actor(job)
    in_chunk = JobItem.objects.filter(job_id=job.pk, index__gte=start, index__lt=end)
    # The chunk's audit events are written together at its end: the organisation's audit chain is locked from
    # then to the commit only, not while 100 items are evaluated (screening/audit_chain.py deferred).
    with transaction.atomic(), audit_chain.deferred():
        if not in_chunk.filter(status=JobItemStatus.PENDING).update(status=JobItemStatus.CLAIMED):
            claimed = []
        else:
            claimed = list(in_chunk.filter(status=JobItemStatus.CLAIMED).order_by("index"))
        _items_screen(claimed, actor=actor)
        if claimed:
            bulk_rows.update_rows(claimed, ["status", "screening", "result", "errors", "payload"])
            succeeded = sum(1 for item in claimed if item.status == JobItemStatus.DONE)
            Job.objects.filter(pk=job.pk).update(
                processed_items=F("processed_items") + len(claimed),
                succeeded_items=F("succeeded_items") + succeeded,
                failed_items=F("failed_items") + len(claimed) - succeeded,
            )
    _finish_if_done(job.pk)
    return len(claimed)


def _item_validated(item: JobItem) -> dict | None:
    """The item's validated screening fields, or None with the item marked invalid (updated, not saved)."""
    from .serializers import ScreeningCreateSerializer

    payload, item.payload = item.payload, {}  # answers are kept only in the screening
    if payload.get("_not_an_object"):
        item.status = JobItemStatus.INVALID
        item.errors = [{"code": "invalid", "field": None, "question": None, "message": "An item must be an object."}]
        return None
    if isinstance(payload.get("_error"), str):  # an uploaded line that could not be read (spreadsheets.py)
        item.status = JobItemStatus.INVALID
        item.errors = [{"code": "invalid", "field": None, "question": None, "message": payload["_error"]}]
        return None
    serializer = ScreeningCreateSerializer(data=payload)
    if not serializer.is_valid():
        item.status, item.errors = JobItemStatus.INVALID, validation_items(serializer.errors)
        return None
    return serializer.validated_data


def _items_screen(items: list[JobItem], *, actor: Actor) -> None:
    """Create the items' screenings, stored together (services.screenings_create_many), or record why not; the
    items are updated, not saved."""
    from . import services

    valid = [(item, data) for item in items if (data := _item_validated(item)) is not None]
    created = services.screenings_create_many(actor=actor, items=[data for _, data in valid])
    for (item, _), result in zip(valid, created, strict=True):
        if isinstance(result, services.ScreeningInvalid):
            item.status, item.errors = JobItemStatus.INVALID, answer_errors(result.errors)
            continue
        item.status, item.screening, item.errors = JobItemStatus.DONE, result, []
        item.result = {
            "screening": str(result.id),
            "outcomes": [
                {"id": o["id"], "category": o["category"], "strength": o["strength"]}
                for o in (result.assessment or {}).get("outcomes", [])
            ],
        }


def _finish_if_done(job_id) -> bool:
    """Mark the job completed once every item is processed; True for the one call that did it."""
    done = Job.objects.filter(
        pk=job_id, status__in=[JobStatus.QUEUED, JobStatus.RUNNING], processed_items__gte=F("total_items")
    ).update(status=JobStatus.COMPLETED, finished_at=timezone.now())
    if done:
        logger.info("job %s completed", job_id)
        from .job_events import job_completed

        job_completed(job_id=job_id)
    return bool(done)


def job_fail(*, job_id, message: str) -> None:
    """Mark a job failed with a job-level error (never answer values)."""
    job = Job.objects.get(pk=job_id)
    job.errors = [*job.errors, {"code": "job_failed", "message": message}]
    job.status = JobStatus.FAILED
    job.finished_at = timezone.now()
    job.save(update_fields=["errors", "status", "finished_at"])


def job_results(job: Job):
    """The job's items in input order (a queryset: paginate it)."""
    return JobItem.objects.filter(job=job).exclude(status=JobItemStatus.CLAIMED).order_by("index")


__all__ = ["JobSource", "MAX_JOB_ITEMS", "chunk_screen", "job_create", "job_results"]
