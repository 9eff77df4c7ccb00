"""Celery tasks. Thin: the work is in screening/jobs.py, which the in-process executor calls too."""

from __future__ import annotations

from celery import shared_task
from celery.signals import task_postrun, task_prerun
from django.db import DatabaseError

from . import jobs, webhooks
from .log_context import job_id_var, log_context


@shared_task(
    name="screening.screen_job_chunk",
    acks_late=True,  # acknowledged once done: a killed worker's chunk goes back to the queue
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),  # e.g. a lock timeout or a lost connection: try again later
    retry_backoff=True,
    max_retries=8,
)
def screen_job_chunk(job_id: str, start: int, end: int) -> int:
    with log_context(job_id=job_id):  # also when the in-process executor calls it (no Celery signals there)
        return jobs.chunk_screen(job_id=job_id, start=start, end=end)


@shared_task(bind=True, name="screening.deliver_webhook", acks_late=True, max_retries=8)
def deliver_webhook(self, delivery_id: str) -> bool:
    """One attempt; on failure, try again after 2, 4, 8 … seconds (the delivery records every attempt)."""
    if not webhooks.attempt_delivery(delivery_id):
        raise self.retry(countdown=2**self.request.retries)
    return True


# On a Celery worker, the job id is set before the task starts and reset after it ends, so Celery's own lines about
# the chunk ("received", "succeeded in 0.8 s", a retry) carry it too.
_job_tokens: dict[str, object] = {}


@task_prerun.connect
def _job_log_context_on(task_id=None, task=None, args=None, **kwargs):
    if task is not None and task.name == screen_job_chunk.name and args:
        _job_tokens[task_id] = job_id_var.set(str(args[0]))


@task_postrun.connect
def _job_log_context_off(task_id=None, **kwargs):
    token = _job_tokens.pop(task_id, None)
    if token is not None:
        job_id_var.reset(token)
