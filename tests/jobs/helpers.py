"""Shared pieces of the job tests: items from the public cases, an actor, waiting for a job."""

from __future__ import annotations

import time

from screening import services
from screening.auth import Actor
from screening.models import Job, Role
from tests.conftest import load_public_cases

CASES = load_public_cases()
INVALID_ITEM = {"reference": "bad-age", "answers": {"age": "nineteen"}}


def public_items(count: int | None = None) -> list[dict]:
    """`count` items (the public cases, repeated) with references ref-0, ref-1, ..."""
    count = len(CASES) if count is None else count
    return [{"reference": f"ref-{i}", "answers": CASES[i % len(CASES)]["answers"]} for i in range(count)]


def make_actor(org_name: str = "Org A", username: str = "sup") -> Actor:
    organisation = services.organisation_create(name=org_name)
    user = services.user_create(
        organisation=organisation, username=username, password="pw-123456", role=Role.SUPERVISOR
    )
    return Actor(organisation=organisation, user=user, role=Role.SUPERVISOR)


def wait_for(job: Job, *, timeout: float, until=lambda job: job.is_finished) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if until(job):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job not done in {timeout}s: {job}")
