"""Jobs without a broker: chunks, counts, input order, per-item errors, idempotent chunks, the background thread."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rules import evaluate
from screening import job_runner, jobs, services
from screening.models import AuditAction, AuditEvent, Job, JobItem, JobItemStatus, JobSource, JobStatus, Screening
from tests.jobs.helpers import CASES, INVALID_ITEM, make_actor, public_items, wait_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_chunks(settings):
    settings.SCREENING = {**settings.SCREENING, "JOB_CHUNK_SIZE": 7}


def test_inline_job_screens_every_item_in_input_order(small_chunks, django_capture_on_commit_callbacks):
    actor = make_actor()
    items = public_items()
    items.insert(5, INVALID_ITEM)
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_create(actor=actor, source=JobSource.API, items=items)
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED and job.started_at and job.finished_at
    n = len(CASES) + 1
    assert (job.total_items, job.processed_items, job.succeeded_items, job.failed_items) == (n, n, n - 1, 1)
    results = list(jobs.job_results(job))
    assert [r.index for r in results] == list(range(n))
    assert [r.reference for r in results] == [item["reference"] for item in items]
    bad = results[5]
    assert bad.status == JobItemStatus.INVALID and bad.screening is None
    assert [(e["question"], e["code"]) for e in bad.errors] == [("age", "invalid_type")]
    for item, source in zip(results[:5] + results[6:], CASES, strict=True):
        expected = {o.id: o.strength for o in evaluate(source["answers"]).outcomes}
        assert {o["id"]: o["strength"] for o in item.result["outcomes"]} == expected
        assert item.screening.organisation == actor.organisation
        assert item.screening.reference == item.reference
        assert item.payload == {}  # the answers live only in the screening
    assert Screening.objects.filter(organisation=actor.organisation).count() == n - 1
    created = AuditEvent.objects.filter(action=AuditAction.CREATED, actor_user=actor.user)
    assert created.count() == n - 1


def test_a_chunk_run_again_creates_nothing_twice(small_chunks, settings):
    actor = make_actor()
    job = jobs.job_create(actor=actor, source=JobSource.API, items=public_items(10))  # on_commit not run here
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
    assert jobs.chunk_screen(job_id=job.pk, start=0, end=7) == 7
    assert jobs.chunk_screen(job_id=job.pk, start=0, end=7) == 0  # a redelivered chunk: nothing to claim
    job.refresh_from_db()
    assert (job.status, job.processed_items) == (JobStatus.RUNNING, 7)
    assert jobs.chunk_screen(job_id=job.pk, start=7, end=10) == 3
    job.refresh_from_db()
    assert (job.status, job.processed_items, job.succeeded_items) == (JobStatus.COMPLETED, 10, 10)
    assert Screening.objects.count() == 10


def test_a_chunk_that_fails_midway_leaves_nothing_behind(small_chunks, monkeypatch):
    actor = make_actor()
    job = jobs.job_create(actor=actor, source=JobSource.API, items=public_items(7))
    calls = {"n": 0}
    real = services.screening_evaluate

    def dies_on_the_fourth(**kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise SystemExit("worker killed")  # what a killed worker leaves: a transaction never committed
        return real(**kwargs)

    monkeypatch.setattr(services, "screening_evaluate", dies_on_the_fourth)
    with pytest.raises(SystemExit):
        jobs.chunk_screen(job_id=job.pk, start=0, end=7)
    assert Screening.objects.count() == 0
    assert set(JobItem.objects.filter(job=job).values_list("status", flat=True)) == {JobItemStatus.PENDING}
    monkeypatch.setattr(services, "screening_evaluate", real)
    assert jobs.chunk_screen(job_id=job.pk, start=0, end=7) == 7
    assert Screening.objects.count() == 7
    job.refresh_from_db()
    assert (job.status, job.processed_items) == (JobStatus.COMPLETED, 7)


def test_items_that_are_not_objects_are_reported_and_the_rest_screened(django_capture_on_commit_callbacks):
    actor = make_actor()
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_create(actor=actor, source=JobSource.API, items=["x", public_items(1)[0], {"answers": []}])
    statuses = [(i.status, [e["code"] for e in i.errors]) for i in jobs.job_results(job)]
    assert statuses[0] == (JobItemStatus.INVALID, ["invalid"])
    assert statuses[1] == (JobItemStatus.DONE, [])
    assert statuses[2][0] == JobItemStatus.INVALID and statuses[2][1]


def test_storing_a_large_job_takes_few_queries(settings):
    actor = make_actor()
    with CaptureQueriesContext(connection) as queries:
        jobs.job_create(actor=actor, source=JobSource.API, items=public_items(5000))
    assert JobItem.objects.count() == 5000
    assert len(queries) < 100  # batched INSERTs (SQLite caps the rows per statement), not one per item


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_jobs_run_in_a_background_thread(settings):
    settings.SCREENING = {**settings.SCREENING, "JOB_EXECUTOR": "thread", "JOB_CHUNK_SIZE": 10}
    actor = make_actor()
    job = jobs.job_create(actor=actor, source=JobSource.UPLOAD, items=public_items(25))
    job_runner.wait_for_background_jobs()
    job = wait_for(job, timeout=30)
    assert (job.status, job.processed_items, job.succeeded_items) == (JobStatus.COMPLETED, 25, 25)
    assert Screening.objects.filter(organisation=actor.organisation).count() == 25
