"""Partner API load benchmark (a script, not a test): prints figures, asserts nothing.

    python bench/api_bench.py                 # ~20 s per endpoint, 32 clients (about a minute in all)
    python bench/api_bench.py --duration 5    # a quick look

What it does, all on this machine (loopback only):

1. drops and creates the PostgreSQL database `refuge_bench` (127.0.0.1, user postgres; --pg-url to change),
   migrates it, loads the country profiles, creates an organisation and a full-scope partner token
   (`manage.py createorganisation` / `createpartner`);
2. starts `gunicorn config.wsgi:application` with the production settings (SECRET_KEY set,
   SECURE_SSL_REDIRECT=false, a rate limit too high to interfere) and 2 workers on a free loopback port, and
   waits until it answers;
3. runs a load bounded in time (--duration) and in requests (--max-requests) with 32 concurrent keep-alive
   clients against (1) `POST /api/v1/screenings/` with a public example case (tests/rules/cases_public_1.1.0.yaml,
   a different reference on every request) and (2) `GET /api/v1/me/`, a trivial authenticated endpoint;
   with `wrk` (Debian's; installed with apt-get when missing and allowed) or, failing that, Python threads; the
   two endpoints alternate in --rounds slices (default 4 of 5 s each), so that both see the machine at the same
   speeds (it drifts within minutes);
4. prints requests/s, p50/p99 latency and errors for both, and the ratio screening/trivial;
5. stops gunicorn and drops the database.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import yaml
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "refuge_bench"
CASES_FILE = ROOT / "tests" / "rules" / "cases_public_1.1.0.yaml"


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    tool: str
    cpu_ms: tuple[float, float] | None = None  # server CPU per request: (gunicorn workers, PostgreSQL backends)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        return (
            f"{self.name:<26} {self.rps:8.1f} req/s   p50 {self.p50_ms:7.1f} ms   p99 {self.p99_ms:7.1f} ms   "
            f"errors {self.errors}   ({self.requests} requests in {self.seconds:.1f} s, {self.tool})"
        )

    def cpu_line(self) -> str:
        if not self.cpu_ms:
            return f"{self.name:<26} server CPU per request: not measured"
        app, db = self.cpu_ms
        return (
            f"{self.name:<26} server CPU per request: {app + db:6.2f} ms "
            f"(gunicorn {app:.2f} ms + PostgreSQL {db:.2f} ms)"
        )


def merged(parts: list[Result]) -> Result:
    """One endpoint's slices as one load: requests and seconds summed, p50 the median of the slices' p50s, p99 the
    highest slice's p99, the server CPU per request weighted by each slice's requests."""
    requests = sum(p.requests for p in parts)
    cpu = None
    if requests and all(p.cpu_ms for p in parts):
        cpu = tuple(sum(p.cpu_ms[i] * p.requests for p in parts) / requests for i in (0, 1))
    return Result(
        parts[0].name,
        requests,
        sum(p.seconds for p in parts),
        sum(p.errors for p in parts),
        statistics.median(p.p50_ms for p in parts),
        max(p.p99_ms for p in parts),
        f"{parts[0].tool}, {len(parts)} alternated slices",
        cpu,
    )


# ---- database and server -----------------------------------------------------------------------------------


def _admin(pg_url: str, *statements: str) -> None:
    connection = psycopg2.connect(pg_url)
    connection.autocommit = True  # DROP/CREATE DATABASE cannot run in a transaction
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        connection.close()


def database_recreate(pg_url: str) -> None:
    _admin(pg_url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)', f'CREATE DATABASE "{DB_NAME}"')


def database_drop(pg_url: str) -> None:
    _admin(pg_url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def bench_url(pg_url: str) -> str:
    parts = urlsplit(pg_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{DB_NAME}", parts.query, parts.fragment))


def count_screenings(pg_url: str) -> int:
    connection = psycopg2.connect(bench_url(pg_url))
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM screening_screening")
            return cursor.fetchone()[0]
    finally:
        connection.close()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc); 0 when it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def server_cpu(master_pid: int, pg_url: str) -> tuple[dict[int, float], dict[int, float]] | None:
    """CPU seconds so far of the gunicorn workers and of the PostgreSQL backends serving refuge_bench."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    if not children.exists():
        return None
    workers = [int(pid) for pid in children.read_text().split()]
    connection = psycopg2.connect(bench_url(pg_url))
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [DB_NAME])
            backends = [row[0] for row in cursor.fetchall()]
    finally:
        connection.close()
    return {pid: _cpu_seconds(pid) for pid in workers}, {pid: _cpu_seconds(pid) for pid in backends}


def cpu_per_request(before, after, requests: int) -> tuple[float, float] | None:
    if not before or not after or not requests:
        return None
    used = [
        sum(max(0.0, seconds - old.get(pid, 0.0)) for pid, seconds in new.items())
        for old, new in zip(before, after, strict=True)
    ]
    return used[0] / requests * 1e3, used[1] / requests * 1e3


def manage(env: dict, *args: str) -> str:
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    return subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True, text=True).stdout


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, token: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/v1/me/", headers={"Authorization": f"Token {token}"})
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer in time")


# ---- load generators ---------------------------------------------------------------------------------------

LUA = r"""
local prefix = [==[%(prefix)s]==]
local suffix = [==[%(suffix)s]==]
local limit = %(limit)d
local counter = 0
local done_count = 0
local next_id = 1
wrk.method = "%(method)s"
wrk.headers["Authorization"] = "Token %(token)s"
wrk.headers["Content-Type"] = "application/json"

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
end

request = function()
  counter = counter + 1
  if prefix == "" then
    return wrk.format(nil, nil, nil, nil)
  end
  return wrk.format(nil, nil, nil, prefix .. "%(tag)s-" .. tid .. "-" .. counter .. suffix)
end

response = function(status, headers, body)
  done_count = done_count + 1
  if done_count >= limit then
    wrk.thread:stop()
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%%d duration_us=%%d errors=%%d p50_us=%%d p99_us=%%d\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def ensure_wrk(allow_install: bool) -> str | None:
    found = shutil.which("wrk")
    if found or not allow_install or not shutil.which("apt-get") or os.geteuid() != 0:
        return found
    print("wrk not found: installing Debian's package (apt-get install -y wrk) ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        subprocess.run(install, env=env, capture_output=True)
    return shutil.which("wrk")


def run_wrk(wrk, *, name, port, method, path, token, body_parts, clients, duration, max_requests, tag) -> Result:
    threads = min(2, clients)
    prefix, suffix = body_parts if body_parts else ("", "")
    script = LUA % {
        "prefix": prefix,
        "suffix": suffix,
        "limit": math.ceil(max_requests / threads),
        "method": method,
        "token": token,
        "tag": tag,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        command = [
            wrk,
            f"-t{threads}",
            f"-c{clients}",
            f"-d{duration}s",
            "--timeout",
            "30s",
            "-s",
            handle.name,
            f"http://127.0.0.1:{port}{path}",
        ]
        output = subprocess.run(command, capture_output=True, text=True, timeout=duration + 120).stdout
    finally:
        os.unlink(handle.name)
    match = re.search(r"RESULT requests=(\d+) duration_us=(\d+) errors=(\d+) p50_us=(\d+) p99_us=(\d+)", output)
    if not match:
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    requests, duration_us, errors, p50, p99 = (int(g) for g in match.groups())
    return Result(name, requests, duration_us / 1e6, errors, p50 / 1e3, p99 / 1e3, "wrk")


def run_threads(*, name, port, method, path, token, body_parts, clients, duration, max_requests, tag) -> Result:
    """The fallback: `clients` Python threads, each with one keep-alive http.client connection."""
    expected = 201 if method == "POST" else 200
    lock = threading.Lock()
    latencies: list[float] = []
    state = {"sent": 0, "errors": 0}
    stop_at = time.monotonic() + duration

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        counter = 0
        while time.monotonic() < stop_at:
            with lock:
                if state["sent"] >= max_requests:
                    return
                state["sent"] += 1
            counter += 1
            body = f"{body_parts[0]}{tag}-{index}-{counter}{body_parts[1]}".encode() if body_parts else None
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == expected
            except (OSError, http.client.HTTPException):
                connection.close()
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if not ok:
                    state["errors"] += 1
        connection.close()

    started = time.perf_counter()
    workers = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - started
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1e3 if latencies else 0.0
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1e3 if latencies else 0.0
    return Result(name, len(latencies), seconds, state["errors"], p50, p99, "python threads")


# ---- main --------------------------------------------------------------------------------------------------


def screening_body_parts(case_id: str) -> tuple[tuple[str, str], dict]:
    """The POST body around a reference placeholder, as (prefix, suffix), and the answers."""
    cases = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))["cases"]
    answers = next(case["answers"] for case in cases if case["id"] == case_id)
    body = json.dumps({"reference": "@REF@", "language": "en", "respondent": "caseworker", "answers": answers})
    prefix, suffix = body.split("@REF@")
    return (prefix, suffix), answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=20, help="seconds per endpoint (default 20)")
    parser.add_argument(
        "--rounds", type=int, default=4, help="slices per endpoint, the endpoints alternating (default 4)"
    )
    parser.add_argument("--max-requests", type=int, default=100_000, help="request cap per endpoint")
    parser.add_argument("--clients", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--case", default="pub-02", help="public case whose answers are posted (default pub-02)")
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--no-install", action="store_true", help="never apt-get install wrk")
    args = parser.parse_args()

    body_parts, answers = screening_body_parts(args.case)
    wrk = None if args.tool == "python" else ensure_wrk(allow_install=not args.no_install)
    if args.tool == "wrk" and wrk is None:
        sys.exit("wrk is not installed")

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),  # the production settings refuse a weak key
        "FIELD_ENCRYPTION_KEYS": os.environ.get("FIELD_ENCRYPTION_KEYS") or Fernet.generate_key().decode(),
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": bench_url(args.pg_url),
        "SCREENING_API_RATE": "100000000/min",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore:No directory at:UserWarning",  # no collectstatic: the API serves no files
    }
    print(
        f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; gunicorn {args.workers} workers (sync), "
        f"{args.clients} clients, {args.duration} s or {args.max_requests} requests per endpoint; "
        f"case {args.case} ({len(answers)} answers, {len(body_parts[0]) + len(body_parts[1])} bytes)",
        flush=True,
    )
    database_recreate(args.pg_url)
    server = None
    error_log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "loadprofiles")
        manage(env, "createorganisation", "Bench organisation")
        token = manage(env, "createpartner", "Bench organisation", "Bench client").strip().splitlines()[-1]
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--error-logfile",
                error_log.name,
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        wait_until_up(port, token, server)

        common = {"port": port, "token": token, "clients": args.clients}
        screening = {"name": "POST /api/v1/screenings/", "method": "POST", "path": "/api/v1/screenings/"}
        trivial = {"name": "GET /api/v1/me/", "method": "GET", "path": "/api/v1/me/"}

        def run(spec, *, duration, max_requests, tag, body=None) -> Result:
            kwargs = {**common, **spec, "body_parts": body, "duration": duration, "max_requests": max_requests}
            before = server_cpu(server.pid, args.pg_url)
            if wrk:
                result = run_wrk(wrk, tag=tag, **kwargs)
            else:
                result = run_threads(tag=tag, **kwargs)
            time.sleep(0.5)  # let the requests still in flight finish before reading the CPU times
            result.cpu_ms = cpu_per_request(before, server_cpu(server.pid, args.pg_url), result.requests)
            return result

        # Warm up both workers (the ruleset is loaded and compiled on a worker's first evaluation).
        run(screening, duration=3, max_requests=2_000, tag="warmup", body=body_parts)
        run(trivial, duration=2, max_requests=2_000, tag="warmup")
        before = count_screenings(args.pg_url)

        # The two endpoints alternate in --rounds slices of the duration: this machine's speed drifts within
        # minutes, and a ratio of two loads taken at different speeds measures the drift (0.19 against 0.28-0.33).
        per_slice = {
            "duration": max(1, args.duration // args.rounds),
            "max_requests": max(1, args.max_requests // args.rounds),
            "tag": "bench",
        }
        loads = [(screening, body_parts), (trivial, None)]
        slices: list[list[Result]] = [[] for _ in loads]
        for _ in range(args.rounds):
            for (spec, body), parts in zip(loads, slices, strict=True):
                parts.append(run(spec, body=body, **per_slice))
        results = [merged(parts) for parts in slices]
        stored = count_screenings(args.pg_url) - before
        print()
        for result in results:
            print(result.line())
        for result in results:
            print(result.cpu_line())
        ratio = results[0].rps / results[1].rps if results[1].rps else 0.0
        verdict = "met" if ratio >= 0.5 else "NOT met"
        print(f"ratio screening/trivial: {ratio:.2f} (throughput; target >= 0.5: {verdict})", end="")
        if results[0].cpu_ms and results[1].cpu_ms:
            print(
                f", {sum(results[1].cpu_ms) / sum(results[0].cpu_ms):.2f} (server CPU per request, trivial/screening)"
            )
        else:
            print()
        print(f"screenings stored during the screening run: {stored} (requests completed: {results[0].requests})")
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        error_log.seek(0)
        problems = [line for line in error_log.read().splitlines() if "ERROR" in line or "Traceback" in line]
        if problems:
            print("gunicorn error log:\n  " + "\n  ".join(problems[:20]))
        error_log.close()
        os.unlink(error_log.name)
        database_drop(args.pg_url)


if __name__ == "__main__":
    main()
