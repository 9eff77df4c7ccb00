"""Jobs benchmark (a script, not a test): prints figures, asserts nothing. Issue 12 item 6.

    python bench/job_bench.py                    # 100,000 rows (about 10-20 minutes on 2 cores)
    python bench/job_bench.py --rows 5000        # a quick look

The same rows two ways, on this machine, side by side:

1. **A partner job end to end**: drops and creates the PostgreSQL database of --pg-url (default
   `refuge_jobbench`: it is dropped!), migrates it, creates an organisation and a partner token; flushes the
   Redis database of --redis-url (default 14); starts gunicorn (production settings, 2 workers) and one Celery
   worker with --concurrency 2 (two worker processes) on the same PostgreSQL and Redis; POSTs the rows as one
   JSON Lines job (`POST /api/v1/jobs/`), then polls `GET /api/v1/jobs/{id}/` every 0.1 s until it is
   completed. Prints the submit time (the request that stores the rows), the time to the first processed row,
   the total time, rows/s, and the peak RSS of the web and worker processes (Linux's VmHWM of each process).
2. **`manage.py screen --workers 2`** on the same rows as a JSON Lines file: evaluates and prints a result per
   line, storing nothing (no database writes, no encryption, no audit): total time, rows/s, time to the first
   output line, and the peak RSS of the command and its worker processes.

The rows are the 30 public example cases (tests/rules/cases_public_1.1.0.yaml), repeated, each with its own
reference. Everything runs on the same machine (2 cores here, shared with PostgreSQL and Redis): the figures
are this machine's, not a capacity promise.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import redis
import yaml
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
CASES_FILE = ROOT / "tests" / "rules" / "cases_public_1.1.0.yaml"
sys.path.insert(0, str(ROOT / "bench"))

from api_bench import free_port, manage  # noqa: E402


def rows(count: int) -> list[dict]:
    cases = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))["cases"]
    return [{"reference": f"bench-{i}", "answers": cases[i % len(cases)]["answers"]} for i in range(count)]


def database_recreate(pg_url: str) -> None:
    name = urlsplit(pg_url).path.lstrip("/")
    admin = pg_url.rsplit("/", 1)[0] + "/postgres"
    connection = psycopg2.connect(admin)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


# ---- process memory (Linux /proc) ------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for child in children:
            found.append(int(child))
            queue.append(int(child))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far; 0 when it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class PeakMemory:
    """Samples a process tree every 0.2 s: the peak RSS of each process (its VmHWM, which also catches a peak
    between samples), and the peak of the tree's total RSS."""

    def __init__(self, root_pid: int):
        self.root_pid = root_pid
        self.per_process: dict[int, int] = {}
        self.cpu: dict[int, float] = {}  # latest CPU seconds of each process seen
        self.peak_total_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def sample(self) -> None:
        pids = [self.root_pid, *descendants(self.root_pid)]
        total = 0
        for pid in pids:
            total += status_kb(pid, "VmRSS")
            self.per_process[pid] = max(self.per_process.get(pid, 0), status_kb(pid, "VmHWM"))
            self.cpu[pid] = max(self.cpu.get(pid, 0.0), cpu_seconds(pid))
        self.peak_total_kb = max(self.peak_total_kb, total)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(0.2)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def line(self, name: str) -> str:
        root = self.per_process.get(self.root_pid, 0)
        children = [kb for pid, kb in self.per_process.items() if pid != self.root_pid]
        largest = max(children, default=0)
        return (
            f"{name:<18} peak RSS: largest child process {largest / 1024:6.1f} MiB, parent {root / 1024:6.1f} MiB, "
            f"whole tree at its peak {self.peak_total_kb / 1024:6.1f} MiB ({len(children)} child processes seen); "
            f"CPU {sum(self.cpu.values()):.0f} s"
        )

    def cpu_total(self) -> float:
        return sum(self.cpu.values())


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# ---- 1: a partner job on Celery ------------------------------------------------------------------------------


def request(port: int, method: str, path: str, token: str, body: bytes | None = None, content_type: str = ""):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {"Authorization": f"Token {token}"}
    if content_type:
        headers["Content-Type"] = content_type
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, json.loads(data) if data else None


def wait_until_up(port: int, token: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode}")
        try:
            if request(port, "GET", "/api/v1/me/", token)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer in 90 s")


def wait_for_worker(env: dict, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited with status {process.returncode}")
        ping = subprocess.run(
            [sys.executable, "-m", "celery", "-A", "config", "inspect", "ping", "--timeout", "2"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if "pong" in ping.stdout:
            return
        time.sleep(0.5)
    raise RuntimeError("the Celery worker did not answer in 90 s")


def bench_job(args, items: list[dict]) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": os.environ.get("FIELD_ENCRYPTION_KEYS") or Fernet.generate_key().decode(),
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": args.pg_url,
        "REDIS_URL": args.redis_url,
        "SCREENING_API_RATE": "100000000/min",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "text",
        "SCREENING_JOB_CHUNK_SIZE": str(args.chunk_size),
        "PYTHONWARNINGS": "ignore:No directory at:UserWarning",
    }
    database_recreate(args.pg_url)
    redis.Redis.from_url(args.redis_url).flushdb()
    manage(env, "migrate", "--noinput")
    manage(env, "loadprofiles")
    manage(env, "createorganisation", "Bench organisation")
    token = manage(env, "createpartner", "Bench organisation", "Bench client").strip().splitlines()[-1]

    port = free_port()
    logs = tempfile.mkdtemp(prefix="job-bench-")
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi:application"],
        env={**env, "PORT": str(port), "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "4", "GUNICORN_TIMEOUT": "600"},
        cwd=ROOT,
        stdout=open(f"{logs}/web.log", "w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "2", "--loglevel", "WARNING"],
        env=env,
        cwd=ROOT,
        stdout=open(f"{logs}/worker.log", "w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until_up(port, token, web)
        wait_for_worker(env, worker)
        body = "\n".join(json.dumps(item, separators=(",", ":")) for item in items).encode()
        with PeakMemory(web.pid) as web_memory, PeakMemory(worker.pid) as worker_memory:
            web_memory.sample()
            worker_memory.sample()
            cpu_before = web_memory.cpu_total() + worker_memory.cpu_total()
            started = time.perf_counter()
            status, job = request(port, "POST", "/api/v1/jobs/", token, body, "application/x-ndjson")
            if status != 202:
                raise RuntimeError(f"POST /api/v1/jobs/ answered {status}: {job}")
            submitted = time.perf_counter() - started
            first = None
            while True:
                status, job = request(port, "GET", f"/api/v1/jobs/{job['id']}/", token)
                now = time.perf_counter() - started
                if first is None and job["processed_items"] > 0:
                    first = now
                if job["status"] in {"completed", "failed"}:
                    break
                time.sleep(0.1)
            total = time.perf_counter() - started
            web_memory.sample()
            worker_memory.sample()
        status, page = request(port, "GET", f"/api/v1/jobs/{job['id']}/results/?page_size=3", token)
        return {
            "rows": len(items),
            "status": job["status"],
            "succeeded": job["succeeded_items"],
            "failed": job["failed_items"],
            "submit_s": submitted,
            "first_s": first,
            "total_s": total,
            "web": web_memory.line("web (gunicorn)"),
            "worker": worker_memory.line("worker (celery)"),
            "cpu_ms_per_row": (web_memory.cpu_total() + worker_memory.cpu_total() - cpu_before) / len(items) * 1e3,
            "first_results_ok": status == 200 and [r["index"] for r in page["results"]] == [0, 1, 2],
            "body_mb": len(body) / 1e6,
        }
    finally:
        stop(web)
        stop(worker)


# ---- 2: manage.py screen --workers 2 ----------------------------------------------------------------------


def bench_screen(args, items: list[dict]) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": args.pg_url,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        for item in items:
            handle.write(json.dumps({"id": item["reference"], "answers": item["answers"]}) + "\n")
    try:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "screen", handle.name, "--workers", "2"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        lines = 0
        first = None
        with PeakMemory(process.pid) as memory:
            for _line in process.stdout:
                if first is None:
                    first = time.perf_counter() - started
                lines += 1
            process.wait()
        total = time.perf_counter() - started
        return {
            "rows": len(items),
            "lines": lines,
            "exit": process.returncode,
            "first_s": first,
            "total_s": total,
            "memory": memory.line("screen command"),
            "cpu_ms_per_row": memory.cpu_total() / len(items) * 1e3,
        }
    finally:
        os.unlink(handle.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--chunk-size", type=int, default=100, help="SCREENING_JOB_CHUNK_SIZE (default 100)")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/refuge_jobbench"),
        help="PostgreSQL database for the job (DROPPED and created again)",
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--skip-screen", action="store_true")
    parser.add_argument("--skip-job", action="store_true")
    args = parser.parse_args()

    items = rows(args.rows)
    print(
        f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; {args.rows:,} rows (the 30 public cases "
        f"repeated); PostgreSQL and Redis on 127.0.0.1; load average at the start: {os.getloadavg()}",
        flush=True,
    )
    results = {}
    if not args.skip_job:
        job = results["job"] = bench_job(args, items)
        print(
            f"\nJob on Celery (1 worker, --concurrency 2; chunks of {args.chunk_size}; gunicorn 2 x 4 threads):\n"
            f"  status {job['status']}: {job['succeeded']:,} screenings stored, {job['failed']} invalid rows\n"
            f"  submit (POST of {job['body_mb']:.1f} MB JSON Lines, rows stored as items): {job['submit_s']:.1f} s\n"
            f"  time to first result: {job['first_s']:.1f} s after the POST began\n"
            f"  total: {job['total_s']:.1f} s = {job['rows'] / job['total_s']:.0f} rows/s end to end "
            f"({job['rows'] / (job['total_s'] - job['submit_s']):.0f} rows/s after the submit)\n"
            f"  {job['web']}\n  {job['worker']}\n"
            f"  CPU of web + worker processes: {job['cpu_ms_per_row']:.1f} ms per row (PostgreSQL's not counted)\n"
            f"  first results in input order: {job['first_results_ok']}",
            flush=True,
        )
    if not args.skip_screen:
        screen = results["screen"] = bench_screen(args, items)
        print(
            f"\nmanage.py screen --workers 2 (evaluates and prints; stores nothing):\n"
            f"  exit {screen['exit']}, {screen['lines']:,} result lines\n"
            f"  time to first result: {screen['first_s']:.1f} s\n"
            f"  total: {screen['total_s']:.1f} s = {screen['rows'] / screen['total_s']:.0f} rows/s\n"
            f"  {screen['memory']}\n"
            f"  CPU of the command and its workers: {screen['cpu_ms_per_row']:.1f} ms per row",
            flush=True,
        )
    if "job" in results and "screen" in results:
        job, screen = results["job"], results["screen"]
        print(
            "\n| | rows/s | time to first result | total | CPU per row |\n| --- | --- | --- | --- | --- |\n"
            f"| job on Celery (2 worker processes, stored) | {job['rows'] / job['total_s']:.0f} | "
            f"{job['first_s']:.1f} s | {job['total_s']:.0f} s | {job['cpu_ms_per_row']:.1f} ms |\n"
            f"| `manage.py screen --workers 2` (not stored) | {screen['rows'] / screen['total_s']:.0f} | "
            f"{screen['first_s']:.1f} s | {screen['total_s']:.0f} s | {screen['cpu_ms_per_row']:.1f} ms |"
        )
    print(f"\nload average at the end (1, 5, 15 min): {os.getloadavg()}  (other work shares this machine)")


if __name__ == "__main__":
    main()
