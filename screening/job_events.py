"""What happens when a job completes. A hook point for notifications (webhooks subscribe here)."""

from __future__ import annotations


def job_completed(*, job_id) -> None:
    """Called exactly once per job, when its last chunk is recorded: notifies the organisation's webhooks."""
    from .webhooks import job_completed as notify

    notify(job_id=job_id)
