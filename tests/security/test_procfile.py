"""The Procfile lists the same web and worker commands as `make serve` and `make worker` (README: Running in
production), and gunicorn's configuration logs JSON with LOG_FORMAT=json."""

from __future__ import annotations

import os
import runpy
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]


def procfile() -> dict[str, str]:
    lines = [line for line in (ROOT / "Procfile").read_text().splitlines() if line and not line.startswith("#")]
    return dict(line.split(": ", 1) for line in lines)


def test_the_procfile_runs_what_the_makefile_runs():
    processes = procfile()
    makefile = (ROOT / "Makefile").read_text()
    assert set(processes) == {"release", "web", "worker"}
    assert processes["web"] == "gunicorn -c config/gunicorn.conf.py config.wsgi:application"
    assert "gunicorn -c config/gunicorn.conf.py config.wsgi:application" in makefile
    assert processes["worker"].startswith("celery -A config worker --concurrency ${CELERY_CONCURRENCY:-2}")
    assert "celery -A config worker --concurrency $${CELERY_CONCURRENCY:-2}" in makefile
    for step in ("migrate --noinput", "loadprofiles", "collectstatic --noinput --clear"):
        assert step in processes["release"] and step in makefile


def test_gunicorn_logs_json_by_default_and_text_on_request():
    conf = str(ROOT / "config" / "gunicorn.conf.py")
    with mock.patch.dict(os.environ, {"LOG_FORMAT": "json"}):
        json_conf = runpy.run_path(conf)
    assert json_conf["accesslog"] is None  # the app writes one line per request, with its request id
    assert json_conf["logconfig_dict"]["formatters"]["json"]["()"] == "config.log_filters.JsonFormatter"
    with mock.patch.dict(os.environ, {"LOG_FORMAT": "text"}):
        text_conf = runpy.run_path(conf)
    assert text_conf["accesslog"] == "-" and "request_id=%({x-request-id}o)s" in text_conf["access_log_format"]
