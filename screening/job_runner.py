"""Where a job's chunks run (settings.SCREENING["JOB_EXECUTOR"]): Celery workers, a background thread of this
process, or inline. Each runs the same task code (screening/tasks.py: screen_job_chunk)."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def executor_name() -> str:
    return settings.SCREENING["JOB_EXECUTOR"]


def run_chunks(*, job_id: str, chunks: list[tuple[int, int]]) -> None:
    from .tasks import screen_job_chunk

    name = executor_name()
    if name == "celery":
        for start, end in chunks:
            screen_job_chunk.apply_async(args=(job_id, start, end))
    elif name == "inline":
        _run_all(job_id, chunks)
    elif name == "thread":
        _thread_pool().submit(_run_in_thread, job_id, chunks)
    else:
        raise ValueError(f"unknown SCREENING_JOB_EXECUTOR {name!r}: celery, thread or inline")


def _run_all(job_id: str, chunks: list[tuple[int, int]]) -> None:
    from . import jobs
    from .tasks import screen_job_chunk

    try:
        for start, end in chunks:
            screen_job_chunk(job_id, start, end)  # the task's own code, called in this process
    except Exception:
        logger.exception("job %s failed in the in-process executor", job_id)
        jobs.job_fail(job_id=job_id, message="The job stopped on an internal error; please report it.")


def _run_in_thread(job_id: str, chunks: list[tuple[int, int]]) -> None:
    close_old_connections()
    try:
        _run_all(job_id, chunks)
    finally:
        connections.close_all()  # this thread's connections


def _thread_pool() -> ThreadPoolExecutor:
    """One background thread: jobs run one after another, in the order they were created."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="screening-jobs")
        return _pool


def wait_for_background_jobs() -> None:
    """Block until the background thread has run every job submitted so far (tests)."""
    pool = _thread_pool()
    pool.submit(lambda: None).result()
