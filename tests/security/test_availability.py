"""Availability (review D8): a database that cannot be reached gives 503 with Retry-After (the API's error body
under /api/), never a 500 or a hang; database timeouts; the health probes; gunicorn's threaded workers keep
serving while slow clients hold connections."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from django.db import IntegrityError, OperationalError, connection, connections
from django.test import Client, override_settings
from django.urls import reverse

from screening.availability import RETRY_AFTER_SECONDS
from tests.security.test_deploy_settings import production_env
from tests.web.test_views import client_in, member, organisation  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
REDIS_TEST_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/4"


@contextmanager
def database_raises(error: Exception):
    """Every query of the request fails as it would with the database down (the ORM asks for a cursor first)."""
    with mock.patch.object(connections["default"], "cursor", side_effect=error):
        yield


def down():
    return database_raises(OperationalError("could not connect to server: Connection refused"))


def assert_unavailable(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "no-store" in response["Cache-Control"]


# ---- 503 instead of 500 ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_answers_503_with_retry_after_and_its_error_body_when_the_database_is_down(partner, caplog):
    with caplog.at_level(logging.WARNING), down():
        response = partner.api.get("/api/v1/screenings/")  # the token lookup is the first query
    assert_unavailable(response)
    assert response.json() == {
        "code": "service_unavailable",
        "message": "The service is temporarily unavailable. Please retry later.",
        "errors": [],
    }
    lines = [r for r in caplog.records if r.name == "screening.availability"]
    assert len(lines) == 1 and lines[0].exc_info is None  # one line, no traceback
    assert "OperationalError" in lines[0].getMessage() and "Connection refused" not in lines[0].getMessage()


@pytest.mark.django_db
def test_a_web_page_answers_503_when_the_database_fails_in_a_middleware(client_in):  # noqa: F811
    client_in.raise_request_exception = False
    with down():  # the signed-in session is read from the database by the middleware, before the view
        response = client_in.get(reverse("web:case-list"))
    assert_unavailable(response)
    assert response["Content-Type"].startswith("text/html")
    assert "Service unavailable" in response.content.decode()


@pytest.mark.django_db
def test_the_503_page_is_in_the_interview_language(client_in):  # noqa: F811
    client_in.raise_request_exception = False
    with down():
        response = client_in.get(reverse("web:case-list"), HTTP_ACCEPT_LANGUAGE="ru")
    assert_unavailable(response)
    assert "Сервис недоступен" in response.content.decode()


@pytest.mark.django_db
def test_a_statement_timeout_is_a_503_too(partner):
    # psycopg2's QueryCanceled (statement_timeout) reaches Django as an OperationalError
    with database_raises(OperationalError("canceling statement due to statement timeout")):
        response = partner.api.get("/api/v1/screenings/")
    assert_unavailable(response)


@pytest.mark.django_db
def test_other_database_errors_stay_500(partner, client_in):  # noqa: F811
    client_in.raise_request_exception = False
    with database_raises(IntegrityError("a bug, not an outage")):
        api = partner.api.get("/api/v1/screenings/")
        web = client_in.get(reverse("web:case-list"))
    assert api.status_code == 500 and api.json()["code"] == "server_error"
    assert web.status_code == 500 and "Retry-After" not in web


# ---- probes ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_without_the_database():
    with down():
        response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert Client().post("/healthz").status_code == 405


NO_BROKER = {"REDIS_URL": "", "CELERY_BROKER_URL": ""}


@pytest.mark.django_db
@override_settings(**NO_BROKER)
def test_readyz_reports_the_database():
    ready = Client().get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "ruleset": "ok"}}
    with down():
        unready = Client().get("/readyz")
    assert_unavailable(unready)
    assert unready.json() == {
        "status": "unavailable",
        "checks": {"database": "unavailable", "cache": "ok", "ruleset": "ok"},
    }


def redis_cache(url: str) -> dict:
    # The production cache of base.py (test.py uses local memory), pointed at `url`.
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


@pytest.mark.django_db
def test_readyz_reports_an_unreachable_redis_without_its_address():
    closed = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    with override_settings(REDIS_URL=closed, CELERY_BROKER_URL=closed, CACHES=redis_cache(closed)):
        response = Client().get("/readyz")
    assert_unavailable(response)
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "unavailable", "broker": "unavailable", "ruleset": "ok"},
    }
    assert "127.0.0.1" not in response.content.decode()


@pytest.mark.django_db
@override_settings(**NO_BROKER)
def test_readyz_reports_a_ruleset_that_cannot_be_loaded():
    with mock.patch("screening.selectors.active_ruleset", side_effect=OSError("rules/rulesets/x: not found")):
        response = Client().get("/readyz")
    assert_unavailable(response)
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "ruleset": "unavailable"}
    assert "rulesets" not in response.content.decode()


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


@pytest.mark.django_db
def test_readyz_reports_a_reachable_redis():
    if not redis_reachable(REDIS_TEST_URL):
        pytest.skip(f"Redis is not reachable at {REDIS_TEST_URL} (.ci/run starts it; start redis-server locally)")
    with override_settings(
        REDIS_URL=REDIS_TEST_URL, CELERY_BROKER_URL=REDIS_TEST_URL, CACHES=redis_cache(REDIS_TEST_URL)
    ):
        response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok", "ruleset": "ok"},
    }


@pytest.mark.django_db
def test_readyz_goes_unready_when_redis_is_stopped(tmp_path):
    """A private redis-server (the machine's shared one on 6379 is never touched): ready while it runs, 503 naming
    the cache and the broker once it is stopped, ready again when it is back."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (.ci/run installs it)")
    port = free_port()

    def start() -> subprocess.Popen:
        process = subprocess.Popen(
            [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not redis_reachable(url):
            assert process.poll() is None and time.monotonic() < deadline, "the private redis-server did not start"
            time.sleep(0.05)
        return process

    def stop(process: subprocess.Popen) -> None:
        process.terminate()
        process.wait(timeout=10)

    url = f"redis://127.0.0.1:{port}/0"
    with override_settings(REDIS_URL=url, CELERY_BROKER_URL=url, CACHES=redis_cache(url)):
        process = start()
        try:
            assert Client().get("/readyz").status_code == 200
            stop(process)
            unready = Client().get("/readyz")
            assert_unavailable(unready)
            assert unready.json() == {
                "status": "unavailable",
                "checks": {"database": "ok", "cache": "unavailable", "broker": "unavailable", "ruleset": "ok"},
            }
            process = start()
            assert Client().get("/readyz").status_code == 200
        finally:
            if process.poll() is None:
                stop(process)


# ---- database timeouts -------------------------------------------------------------------------------------


def run_django(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_connecting_to_a_database_that_never_answers_gives_up_after_connect_timeout():
    with socket.socket() as silent:  # accepts connections (the kernel does) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        started = time.monotonic()
        result = run_django(
            "from django.db import connection, OperationalError\n"
            "try:\n    connection.ensure_connection()\nexcept OperationalError:\n    print('operational-error')",
            DATABASE_URL=f"postgres://nobody@127.0.0.1:{port}/nothing",
            DB_CONNECT_TIMEOUT="2",
        )
        elapsed = time.monotonic() - started
    assert result.stdout.strip() == "operational-error", result.stderr[-2000:]
    assert elapsed < 15  # Python start + 2 s (libpq may try twice: IPv4 host only here), not a hang


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="statement_timeout is a PostgreSQL setting (DATABASE_URL not set)"
)
def test_a_statement_longer_than_the_statement_timeout_is_cancelled():
    assert connections["default"].settings_dict["OPTIONS"]["options"] == "-c statement_timeout=30s"
    result = run_django(
        "from django.db import connection, OperationalError\n"
        "try:\n"
        "    connection.cursor().execute('SELECT pg_sleep(5)')\n"
        "    print('finished')\n"
        "except OperationalError as exc:\n"
        "    print('cancelled' if 'statement timeout' in str(exc) else repr(exc))",
        DB_STATEMENT_TIMEOUT="1",
    )
    assert result.stdout.strip() == "cancelled", result.stderr[-2000:]


# ---- gunicorn: slow clients ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port: int, path: str, timeout: float) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        return int(s.recv(100).split(b" ")[1])


def test_gunicorn_keeps_serving_while_slow_clients_hold_connections():
    """Two clients that send a request body 3 bytes of 100 stalled the sync workers for 32 s (review D8 / 4.9)."""
    port = free_port()
    env = production_env(
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="4",
        PYTHONWARNINGS="ignore:No directory at:UserWarning",
    )
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "config/gunicorn.conf.py", "config.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    slow: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert http_get(port, "/healthz", timeout=5) == 200
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        for _ in range(2):  # the login form reads its body (the CSRF check), no credentials needed
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(
                b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: csrftoken=" + b"a" * 32 + b"\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nusr"
            )
            slow.append(s)
        time.sleep(1)
        for _ in range(3):
            started = time.monotonic()
            assert http_get(port, "/healthz", timeout=10) == 200
            assert time.monotonic() - started < 3
    finally:
        for s in slow:
            s.close()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
