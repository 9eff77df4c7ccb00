"""Server CPU of the partner API in process (a script, not a test): prints figures, asserts nothing.

    python bench/api_inprocess_bench.py                  # 400 requests per endpoint, 1,000 bulk items
    python bench/api_inprocess_bench.py --requests 100   # a quick look
    python bench/api_inprocess_bench.py --profile post   # cProfile of POST screenings/ (top 40 by cumulative)

Django's test client with the production settings against PostgreSQL (the database `refuge_bench_inprocess` on
127.0.0.1 is dropped and created; --pg-url to change). Each request is timed with `time.process_time()` (CPU of
this process: Django, DRF, the rules, psycopg2's client side) and the PostgreSQL backend's CPU is read from /proc
(the server side of the same requests). Figures are medians over the requests; the endpoints are interleaved
round by round so that a change in the machine's load touches every endpoint alike.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import pstats
import secrets
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import yaml
from api_bench import _admin  # the same script folder: one helper for CREATE/DROP DATABASE
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "refuge_bench_inprocess"
CASES_FILE = ROOT / "tests" / "rules" / "cases_public_1.1.0.yaml"
TARGET_POST_MS = 5.0
TARGET_BULK_MS = 3.0
# GET screenings/{id}/ must be no slower than before issue 13. The machine's speed drifts by half between runs, so
# the GET is compared in units of a yardstick timed between the requests of the same run (a fixed piece of
# pure-Python work, no project code). Until session 13 the unit was GET me/, but session 14 made GET me/ itself
# 40% cheaper (the token lookup), so it no longer measures the machine alone. Main at 1e78119 (before issue 13),
# with this script, in six runs alternated with this branch's on 7 December 2026 (README, "API benchmark"): the
# GET 9.57 yardsticks (8.94-10.32), the POST 16.59 (15.44-17.92); medians.
BEFORE_GET_PER_YARDSTICK = 9.57
BEFORE_POST_PER_YARDSTICK = 16.59
YARD_DOC = {
    "answers": {f"question_{i}": [f"option_{j}" for j in range(i % 6)] or i for i in range(60)},
    "numbers": list(range(300)),
}


def yardstick() -> int:
    """A fixed piece of pure-Python work (JSON both ways, dicts, strings, hashing; no project code): the machine's
    speed at this moment, timed between the requests so that a request can be compared across runs and commits."""
    total = 0
    for _ in range(6):
        text = json.dumps(YARD_DOC, sort_keys=True)
        doc = json.loads(text)
        keys = {key.upper(): f"{key}={value!r}" for key, value in doc["answers"].items()}
        total += sum(len(v) for v in keys.values()) + len(hashlib.sha256(text.encode()).hexdigest())
    return total


def fig(values) -> float:
    """A figure of CPU per request: the median."""
    return statistics.median(values)


def pg(values) -> float:
    """PostgreSQL's CPU per request: /proc counts it in clock ticks (10 ms), so the mean over all requests."""
    return sum(values) / len(values)


def bench_url(pg_url: str) -> str:
    parts = urlsplit(pg_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{DB_NAME}", parts.query, parts.fragment))


def backend_cpu_seconds() -> float:
    """CPU of this process's PostgreSQL backend (same host), from /proc."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def setup_django(pg_url: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEYS": os.environ.get("FIELD_ENCRYPTION_KEYS") or Fernet.generate_key().decode(),
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": bench_url(pg_url),
            "SCREENING_API_RATE": "100000000/min",
            "ALLOWED_HOSTS": "testserver",
            "LOG_LEVEL": "ERROR",
            "PYTHONWARNINGS": "ignore:No directory at:UserWarning",
            "SCREENING_JOB_EXECUTOR": "inline",  # a job's chunks run the Celery task's code in this process
        }
    )
    sys.path.insert(0, str(ROOT))
    import warnings

    import django

    warnings.filterwarnings("ignore", "No directory at", UserWarning)  # no collectstatic: the API serves no files

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400, help="requests per endpoint (default 400)")
    parser.add_argument("--bulk-items", type=int, default=1000, help="items screened through bulk (default 1,000)")
    parser.add_argument("--job-items", type=int, default=2000, help="items of the job screened (default 2,000)")
    parser.add_argument("--case", default="pub-02")
    parser.add_argument(
        "--profile", choices=["post", "get", "bulk", "job"], help="cProfile one endpoint (or the job) instead"
    )
    parser.add_argument("--profile-file", help="with --profile: also save the raw profile here (pstats)")
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    args = parser.parse_args()

    _admin(args.pg_url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)', f'CREATE DATABASE "{DB_NAME}"')
    try:
        setup_django(args.pg_url)
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        _admin(args.pg_url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def run(args) -> None:
    from django.core.management import call_command
    from django.test import Client

    from screening import services

    call_command("migrate", "--noinput", verbosity=0)
    call_command("loadprofiles", verbosity=0)
    organisation = services.organisation_create(name="Bench organisation")
    _client, token = services.partner_client_create(organisation=organisation, name="Bench client")
    cases = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))["cases"]
    answers = next(case["answers"] for case in cases if case["id"] == args.case)
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    client = Client()
    counter = iter(range(10**9))

    def post():
        body = json.dumps({"reference": f"b-{next(counter)}", "respondent": "caseworker", "answers": answers})
        response = client.post("/api/v1/screenings/", body, content_type="application/json", **auth)
        assert response.status_code == 201, response.content[:300]
        return response

    created = post().json()["id"]

    def get():
        response = client.get(f"/api/v1/screenings/{created}/", **auth)
        assert response.status_code == 200, response.content[:300]

    def me():
        response = client.get("/api/v1/me/", **auth)
        assert response.status_code == 200, response.content[:300]

    bulk_size = 100

    def bulk():
        items = [
            {"reference": f"k-{next(counter)}", "respondent": "caseworker", "answers": answers}
            for _ in range(bulk_size)
        ]
        response = client.post(
            "/api/v1/screenings/bulk/", json.dumps({"items": items}), content_type="application/json", **auth
        )
        assert response.status_code in (200, 201, 207), response.content[:300]

    endpoints = {"post": post, "get": get, "me": me, "yardstick": yardstick}
    for _ in range(20):  # warm up: the ruleset is compiled, connections opened, caches filled
        for call in endpoints.values():
            call()
    bulk()

    if args.profile and args.profile != "job":
        target = {"post": post, "get": get, "bulk": bulk}[args.profile]
        profiler = cProfile.Profile(time.process_time)  # CPU time: what the figures measure
        profiler.enable()
        for _ in range(args.requests if args.profile != "bulk" else max(1, args.bulk_items // bulk_size)):
            target()
        profiler.disable()
        if args.profile_file:
            profiler.dump_stats(args.profile_file)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return

    cpu = {name: [] for name in endpoints}
    backend = {name: [] for name in endpoints}
    for _ in range(0 if args.profile else args.requests):
        for name, call in endpoints.items():
            pg_before = backend_cpu_seconds()
            before = time.process_time()
            call()
            cpu[name].append((time.process_time() - before) * 1000)
            backend[name].append((backend_cpu_seconds() - pg_before) * 1000)
    bulk_cpu, bulk_pg = [], []
    for _ in range(0 if args.profile else max(1, args.bulk_items // bulk_size)):
        pg_before = backend_cpu_seconds()
        before = time.process_time()
        bulk()
        bulk_cpu.append((time.process_time() - before) * 1000 / bulk_size)
        bulk_pg.append((backend_cpu_seconds() - pg_before) * 1000 / bulk_size)

    # a job through the task code (chunks of 100, the inline executor): CPU per item of screening the chunks
    from django.db import transaction

    from screening import jobs
    from screening.auth import Actor
    from screening.models import Job, JobSource, JobStatus

    actor = Actor(organisation=organisation, client=_client)
    items = [{"reference": f"j-{i}", "respondent": "caseworker", "answers": answers} for i in range(args.job_items)]
    with transaction.atomic():  # queued on commit, so the chunks are timed alone
        job = jobs.job_create(actor=actor, source=JobSource.API, items=items)
        job_id = job.pk
        from screening import job_runner

        run_chunks, job_runner.run_chunks = job_runner.run_chunks, lambda **kwargs: None
    job_runner.run_chunks = run_chunks
    pg_before = backend_cpu_seconds()
    before = time.process_time()
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    if profiler:
        profiler.enable()
    for start, end in jobs.job_chunks(job):
        jobs.chunk_screen(job_id=job_id, start=start, end=end)
    if profiler:
        profiler.disable()
        if args.profile_file:
            profiler.dump_stats(args.profile_file)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        return
    job_cpu = (time.process_time() - before) * 1000 / args.job_items
    job_pg = (backend_cpu_seconds() - pg_before) * 1000 / args.job_items
    assert Job.objects.get(pk=job_id).status == JobStatus.COMPLETED

    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; case {args.case} ({len(answers)} answers)")
    print(f"{args.requests} requests per endpoint, interleaved; CPU ms per request: median (p90); PostgreSQL backend")
    labels = {
        "post": "POST /api/v1/screenings/",
        "get": "GET /api/v1/screenings/{id}/",
        "me": "GET /api/v1/me/",
        "yardstick": "yardstick (no project code)",
    }
    for name, label in labels.items():
        values = sorted(cpu[name])
        p90 = values[int(len(values) * 0.9)]
        line = f"  {label:32} {fig(cpu[name]):6.2f} ms ({p90:.2f}); PostgreSQL {pg(backend[name]):.2f} ms (mean)"
        if name == "post":
            verdict = "met" if fig(cpu[name]) <= TARGET_POST_MS else "NOT met"
            per_yard = fig(cpu["post"]) / fig(cpu["yardstick"])
            line += (
                f"   target <= {TARGET_POST_MS} ms: {verdict}; = {per_yard:.2f} yardsticks, "
                f"{per_yard / BEFORE_POST_PER_YARDSTICK:.2f} of before ({BEFORE_POST_PER_YARDSTICK:.2f})"
            )
        if name == "get":
            per_yard = fig(cpu["get"]) / fig(cpu["yardstick"])
            verdict = "met" if per_yard <= BEFORE_GET_PER_YARDSTICK else "NOT met"
            line += f"   = {per_yard:.2f} yardsticks; before {BEFORE_GET_PER_YARDSTICK:.2f}: {verdict}"
        print(line)
    ratio = fig(cpu["me"]) / fig(cpu["post"])
    print(f"  CPU ratio GET me/ : POST screenings/ = {ratio:.2f} (throughput ratio if CPU-bound; target >= 0.5)")
    print_own_work(post, me, cpu, backend, max(100, args.requests // 2))
    verdict = "met" if fig(bulk_cpu) <= TARGET_BULK_MS else "NOT met"
    print(
        f"  bulk, {bulk_size} items per request: {fig(bulk_cpu):.2f} ms per item; "
        f"PostgreSQL {pg(bulk_pg):.2f} ms (mean)   target <= {TARGET_BULK_MS} ms: {verdict}"
    )
    verdict = "met" if job_cpu <= TARGET_BULK_MS else "NOT met"
    print(
        f"  job of {args.job_items} items (task code, chunks of {job.chunk_size}): {job_cpu:.2f} ms per item; "
        f"PostgreSQL {job_pg:.2f} ms   target <= {TARGET_BULK_MS} ms: {verdict}"
    )


def print_own_work(post, me, cpu, backend, requests: int) -> None:
    """Where the create's own work goes (its CPU and PostgreSQL's beyond GET me/'s, which every request pays too),
    measured in a second pass of creates with the validation and the evaluation timed inside them (apart from
    the figures above: the timers cost a little). A throughput ratio of 0.5 needs the create's whole server CPU
    at most twice GET me/'s, so all of its own work at most GET me/'s whole cost."""
    from rules import evaluation as rules_evaluation
    from screening import services

    spent: dict[str, list[float]] = {"validation": [], "evaluation": []}

    def timed(function, part):
        def run(*args, **kwargs):
            before = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[part].append((time.process_time() - before) * 1000)

        return run

    check, evaluate = services._check, rules_evaluation.evaluate_checked
    services._check, rules_evaluation.evaluate_checked = timed(check, "validation"), timed(evaluate, "evaluation")
    try:
        for _ in range(requests):
            post()
            me()  # as in the first pass: the create does not run with a cache warmed by the one before
    finally:
        services._check, rules_evaluation.evaluate_checked = check, evaluate
    validation, evaluation = (fig(spent[part]) for part in ("validation", "evaluation"))
    database = pg(backend["post"]) - pg(backend["me"])
    own = fig(cpu["post"]) + pg(backend["post"]) - fig(cpu["me"]) - pg(backend["me"])
    rest = own - validation - evaluation - database
    budget = fig(cpu["me"]) + pg(backend["me"])
    print(
        f"  the create's own work (beyond GET me/'s): {own:.2f} ms = validation {validation:.2f} + evaluation "
        f"{evaluation:.2f} (medians of a second pass) + PostgreSQL's writes {database:.2f} + the rest {rest:.2f} "
        f"(request serializer, storing, audit chain, response); for 0.5 it must fit in GET me/'s whole cost, "
        f"{budget:.2f} ms: it is {own / budget:.2f}x, validation, evaluation and the writes alone "
        f"{(validation + evaluation + database) / budget:.2f}x"
    )


if __name__ == "__main__":
    main()
