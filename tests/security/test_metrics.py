"""Prometheus metrics (django-prometheus) behind METRICS_ENABLED: off by default (/metrics is a 404); on, /metrics
gives request and database metrics to a scraper with the token or from an allowed address, 403 to anyone else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-token-for-the-test-0123456789"


def run_with_metrics(code: str, **env: str) -> subprocess.CompletedProcess:
    """Settings are read at start-up (the app, the middleware, the database wrapper): a process of its own."""
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "METRICS_ENABLED": "1",
            "METRICS_TOKEN": TOKEN,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db
def test_metrics_are_off_by_default():
    from django.conf import settings

    assert settings.METRICS_ENABLED is False
    assert "django_prometheus" not in settings.INSTALLED_APPS
    assert not any("prometheus" in m for m in settings.MIDDLEWARE)
    assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


def test_metrics_on_expose_requests_and_database_queries_to_the_scraper_only(tmp_path):
    code = (
        "from django.db import connection\n"
        "from django.test import Client\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('SELECT 1')\n"
        "c = Client(HTTP_HOST='localhost')\n"
        "assert c.get('/healthz').status_code == 200\n"
        "print('anonymous', c.get('/metrics').status_code)\n"
        "print('wrong', c.get('/metrics', HTTP_AUTHORIZATION='Bearer nope').status_code)\n"
        f"r = c.get('/metrics', HTTP_AUTHORIZATION='Bearer {TOKEN}')\n"
        "print('token', r.status_code)\n"
        "print(r.content.decode())\n"
    )
    result = run_with_metrics(code, DATABASE_URL=f"sqlite:///{tmp_path / 'metrics.sqlite3'}")
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "anonymous 403" in out and "wrong 403" in out and "token 200" in out
    assert 'django_http_requests_total_by_method_total{method="GET"}' in out
    assert 'django_http_responses_total_by_status_total{status="200"}' in out
    assert 'django_db_execute_total{alias="default",vendor="sqlite"}' in out


def test_metrics_from_an_allowed_address_without_a_token(tmp_path):
    code = (
        "from django.test import Client\n"
        "print('allowed', Client(HTTP_HOST='localhost', REMOTE_ADDR='10.0.0.9').get('/metrics').status_code)\n"
        "print('other', Client(HTTP_HOST='localhost', REMOTE_ADDR='10.0.0.8').get('/metrics').status_code)\n"
    )
    result = run_with_metrics(
        code, METRICS_TOKEN="", METRICS_ALLOWED_IPS="10.0.0.9", DATABASE_URL=f"sqlite:///{tmp_path / 'm.sqlite3'}"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "allowed 200" in result.stdout and "other 403" in result.stdout


def test_metrics_wrap_the_postgresql_backend_too():
    # Settings only (no connection): the PostgreSQL engine is swapped for django-prometheus' counting wrapper.
    code = "from django.conf import settings\nprint(settings.DATABASES['default']['ENGINE'])\n"
    result = run_with_metrics(code, DATABASE_URL="postgres://postgres@127.0.0.1:5432/unused")
    assert result.stdout.strip() == "django_prometheus.db.backends.postgresql", result.stderr[-2000:]


@override_settings(METRICS_ENABLED=True, METRICS_TOKEN="", METRICS_ALLOWED_IPS=[])
def test_metrics_on_without_a_token_or_addresses_is_a_warning():
    from screening.checks import check_metrics_access

    (warning,) = check_metrics_access(None)
    assert warning.id == "screening.W010" and warning.level == checks.WARNING
