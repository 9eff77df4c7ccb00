"""Jobs on Celery with a real Redis broker and real worker processes (started here), including a worker killed
mid-job: nothing is lost and nothing is created twice.

Redis: REDIS_URL, or redis://127.0.0.1:6379/12 (database 12: other projects' tests on this machine use others).
Each test uses a queue of its own, so parallel tests never take each other's tasks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection

from config.celery import app as celery_app
from screening import jobs
from screening.models import AuditAction, AuditEvent, JobItem, JobItemStatus, JobSource, JobStatus, Screening
from tests.jobs.helpers import INVALID_ITEM, make_actor, public_items, wait_for

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/12"
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)


def database_url() -> str:
    """The URL of the database this test runs on (the test database), for the worker processes."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    if db["ENGINE"].endswith("postgresql"):
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    raise AssertionError(f"no URL for {db['ENGINE']}")


@pytest.fixture
def broker(settings):
    """Point this process at Redis with a fresh queue; yields a function starting a worker on that queue."""
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()  # Redis must be running (`.ci/run` starts it)
    queue = f"test-jobs-{uuid.uuid4().hex[:8]}"
    settings.SCREENING = {**settings.SCREENING, "JOB_EXECUTOR": "celery", "JOB_CHUNK_SIZE": 25}
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_default_queue")}
    celery_app.conf.update(broker_url=REDIS_URL, task_default_queue=queue)
    reset_connections()
    workers: list[subprocess.Popen] = []

    def start_worker(*, concurrency: int = 1, visibility_timeout: int = 3600) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url(),
            "REDIS_URL": REDIS_URL,
            "CELERY_BROKER_URL": REDIS_URL,
            "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
            "CELERY_UNACKED_RESTORE_INTERVAL": "1",  # look for a dead worker's messages every second
            "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        }
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "--pool", "prefork"]
        command += ["--concurrency", str(concurrency), "--loglevel", "WARNING", "--without-gossip", "--without-mingle"]
        process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        workers.append(process)
        return process

    yield start_worker
    for process in workers:
        stop(process)
    client.delete(queue, "unacked", "unacked_index")  # nothing of this test left in Redis
    celery_app.conf.update(saved)
    reset_connections()


def reset_connections() -> None:
    """Drop the app's broker connections, so the next task is sent with the broker now configured."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    """Signal the worker's whole process group (the main process and its pool children)."""
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def assert_exactly_once(job, valid: int) -> None:
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED
    assert (job.processed_items, job.succeeded_items) == (job.total_items, valid)
    items = list(JobItem.objects.filter(job=job).order_by("index"))
    assert [i.index for i in items] == list(range(job.total_items))
    assert {i.status for i in items} <= {JobItemStatus.DONE, JobItemStatus.INVALID}
    screenings = Screening.objects.filter(organisation=job.organisation)
    assert screenings.count() == valid  # none lost, none twice
    assert {i.screening_id for i in items if i.status == JobItemStatus.DONE} == set(
        screenings.values_list("id", flat=True)
    )
    assert AuditEvent.objects.filter(organisation=job.organisation, action=AuditAction.CREATED).count() == valid


def test_a_job_runs_on_a_celery_worker(broker):
    worker = broker(concurrency=2)
    actor = make_actor()
    items = public_items(100)
    items[40] = INVALID_ITEM
    job = jobs.job_create(actor=actor, source=JobSource.API, items=items)
    job = wait_for(job, timeout=120)
    assert worker.poll() is None
    assert_exactly_once(job, valid=99)
    bad = JobItem.objects.get(job=job, index=40)
    assert bad.status == JobItemStatus.INVALID and bad.errors[0]["question"] == "age"
    assert [i.reference for i in jobs.job_results(job)] == [item["reference"] for item in items]


def test_killing_a_worker_mid_job_loses_and_duplicates_nothing(broker):
    # The first worker is killed (SIGKILL: no warm shutdown, nothing acknowledged) while it screens a chunk. Its
    # unacknowledged chunk goes back to the queue after the visibility timeout and a second worker finishes.
    first = broker(concurrency=1, visibility_timeout=5)
    actor = make_actor()
    job = jobs.job_create(actor=actor, source=JobSource.API, items=public_items(300))
    wait_for(job, timeout=120, until=lambda j: j.processed_items >= 50)
    stop(first, signal.SIGKILL)
    job.refresh_from_db()
    processed_at_kill = job.processed_items
    assert 0 < processed_at_kill < job.total_items, "the worker must be killed mid-job"
    broker(concurrency=2, visibility_timeout=5)
    job = wait_for(job, timeout=180)
    assert_exactly_once(job, valid=300)
    assert django_settings.SCREENING["JOB_EXECUTOR"] == "celery"
