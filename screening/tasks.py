"""Celery tasks. Thin: the work is in screening/jobs.py, which the in-process executor calls too."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from . import jobs, webhooks


@shared_task(
    name="screening.screen_job_chunk",
    acks_late=True,  # acknowledged once done: a killed worker's chunk goes back to the queue
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),  # e.g. a lock timeout or a lost connection: try again later
    retry_backoff=True,
    max_retries=8,
)
def screen_job_chunk(job_id: str, start: int, end: int) -> int:
    return jobs.chunk_screen(job_id=job_id, start=start, end=end)


@shared_task(bind=True, name="screening.deliver_webhook", acks_late=True, max_retries=8)
def deliver_webhook(self, delivery_id: str) -> bool:
    """One attempt; on failure, try again after 2, 4, 8 … seconds (the delivery records every attempt)."""
    if not webhooks.attempt_delivery(delivery_id):
        raise self.retry(countdown=2**self.request.retries)
    return True
