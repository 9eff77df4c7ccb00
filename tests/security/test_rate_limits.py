"""Rate limits shared across processes, and failed partner-token attempts limited per address (review D12)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from django.test import override_settings
from rest_framework.test import APIRequestFactory

from screening import services, token_failures
from screening.throttling import ApiRateThrottle
from tests.api.conftest import api_client
from tests.security.test_deploy_settings import production_env

ROOT = Path(__file__).resolve().parents[2]
REDIS_TEST_URL = "redis://127.0.0.1:6379/4"
FAILED = {**settings.SCREENING, "FAILED_TOKEN_RATE": "3/min"}
BAD_TOKEN = "rs_not-a-real-token-3f9a"


def failing(address: str = "198.51.100.7"):
    return api_client(BAD_TOKEN), {"REMOTE_ADDR": address}


# ---- failed token attempts per address ---------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(SCREENING=FAILED)
def test_failed_token_attempts_are_limited_per_address(partner, caplog):
    client, here = failing()
    with caplog.at_level(logging.WARNING, logger="screening.token_failures"):
        for _ in range(3):
            assert client.get("/api/v1/me/", **here).status_code == 401
        refused = client.get("/api/v1/me/", **here)
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled" and "failed token attempts" in refused.json()["message"]
    assert 1 <= int(refused["Retry-After"]) <= 60
    # over the limit, the address waits even with a valid token; another address is not affected
    assert partner.api.get("/api/v1/me/", **here).status_code == 429
    assert partner.api.get("/api/v1/me/", REMOTE_ADDR="198.51.100.8").status_code == 200
    assert client.get("/api/v1/me/", REMOTE_ADDR="198.51.100.8").status_code == 401
    # one warning line, with the address and without the token
    lines = [r.getMessage() for r in caplog.records if r.name == "screening.token_failures"]
    assert len(lines) == 1 and "198.51.100.7" in lines[0]
    assert BAD_TOKEN not in caplog.text and BAD_TOKEN[:10] not in caplog.text


@pytest.mark.django_db
@override_settings(SCREENING=FAILED)
@pytest.mark.parametrize(
    "header", ["Token", "Token a b", "Token r\u00e9voqu\u00e9"], ids=["no-token", "two-tokens", "not-ascii"]
)
def test_malformed_token_headers_count_as_failures(header):
    client = api_client()
    for _ in range(3):
        response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=header.encode().decode("latin-1"))
        assert response.status_code == 401
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token x").status_code == 429


@pytest.mark.django_db
@override_settings(SCREENING=FAILED)
def test_a_revoked_token_counts_and_valid_tokens_do_not(partner, make_partner):
    for _ in range(10):
        assert partner.api.get("/api/v1/me/").status_code == 200
    revoked = make_partner("Org A", name="revoked one")
    services.partner_client_revoke(client=revoked.client)
    for _ in range(3):
        assert revoked.api.get("/api/v1/me/").status_code == 401
    assert revoked.api.get("/api/v1/me/").status_code == 429


@pytest.mark.django_db
def test_the_default_failed_token_limit_is_20_a_minute():
    assert settings.SCREENING["FAILED_TOKEN_RATE"] == "20/min"
    client, here = failing("203.0.113.20")
    assert [client.get("/api/v1/me/", **here).status_code for _ in range(21)] == [401] * 20 + [429]


# ---- the cache: Redis with REDIS_URL, shared by every process ----------------------------------------------


@pytest.mark.parametrize(
    ("redis_url", "backend"),
    [
        ("", "django.core.cache.backends.locmem.LocMemCache"),
        (REDIS_TEST_URL, "django.core.cache.backends.redis.RedisCache"),
    ],
)
def test_the_production_cache_is_redis_when_redis_url_is_set(redis_url, backend):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.core.cache import caches; "
            "print(type(caches['default']).__module__ + '.' + type(caches['default']).__name__)",
        ],
        cwd=ROOT,
        env=production_env(REDIS_URL=redis_url or None),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == backend


@pytest.fixture
def two_redis_clients():
    """Two cache clients of one Redis database, as two server processes have (skipped without Redis)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).ping()
    except (redis.RedisError, OSError):
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_TEST_URL}: .ci/run starts it")
        pytest.skip(f"Redis is not reachable at {REDIS_TEST_URL} (start redis-server; .ci/run does)")
    prefix = f"test-{uuid.uuid4().hex}"  # this test's keys only: never FLUSHDB a shared database
    clients = [RedisCache(REDIS_TEST_URL, {"KEY_PREFIX": prefix}) for _ in range(2)]
    yield clients
    raw = redis.Redis.from_url(REDIS_TEST_URL)
    for key in raw.scan_iter(f"{prefix}:*"):
        raw.delete(key)
    for client in clients:
        client.close()


@pytest.mark.django_db
@override_settings(SCREENING={**settings.SCREENING, "API_RATE": "4/min"})
def test_two_processes_share_one_api_rate_count_through_redis(two_redis_clients, partner):
    from screening.auth import PartnerPrincipal

    request = APIRequestFactory().get("/api/v1/me/")
    request.user = PartnerPrincipal(partner.client)
    throttles = []
    for client in two_redis_clients:
        throttle = ApiRateThrottle()
        throttle.cache = client  # the process's own connection to the shared cache
        throttles.append(throttle)
    allowed = [throttles[i % 2].allow_request(request, None) for i in range(8)]
    assert allowed == [True] * 4 + [False] * 4  # 4 in all, not 4 per process


@override_settings(SCREENING=FAILED)
def test_two_processes_share_one_failed_token_count_through_redis(two_redis_clients):
    address = "192.0.2.77"
    for i in range(3):
        with mock.patch.object(token_failures, "_cache", return_value=two_redis_clients[i % 2]):
            token_failures.check(address)
            token_failures.record(address)
    for client in two_redis_clients:
        with mock.patch.object(token_failures, "_cache", return_value=client), pytest.raises(Exception) as refused:
            token_failures.check(address)
        assert refused.value.status_code == 429
