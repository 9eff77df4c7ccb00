"""The production settings as a deploy loads them (review D21 and `make audit`): Django's deployment checks pass
with no warning, a weak SECRET_KEY stops the start, X-Forwarded-Proto is believed only when configured, and the
static files manifest is not served.

The production settings module can only be loaded in a fresh process (this one runs the test settings), so the
checks that need it run `python -c ...` with DJANGO_SETTINGS_MODULE=config.settings.production.
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parents[2]


def production_env(**overrides: str | None) -> dict[str, str]:
    """The environment a production deploy needs, with throwaway keys (as `make audit` builds it)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": "screen.example.org",
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{ROOT / 'db.sqlite3'}",
    }
    for name in ("SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER_TRUSTED", "DEBUG"):
        env.pop(name, None)
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_deployment_checks_pass_without_a_single_warning():
    result = run_python(
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('check', deploy=True, fail_level='WARNING')",
        production_env(),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "key",
    [None, "", "short-key", "django-insecure-" + secrets.token_urlsafe(50), "abcd" * 20],
    ids=["missing", "empty", "short", "django-insecure", "four-characters"],
)
def test_a_missing_or_weak_secret_key_stops_the_start(key):
    result = run_python("import django; django.setup()", production_env(SECRET_KEY=key))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [(None, "None"), ("0", "None"), ("1", "('HTTP_X_FORWARDED_PROTO', 'https')")],
)
def test_x_forwarded_proto_is_trusted_only_when_a_proxy_is_configured(trusted, expected):
    result = run_python(
        "import django; django.setup(); from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)",
        production_env(SECURE_PROXY_SSL_HEADER_TRUSTED=trusted),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("proxy_header", "status"), [(None, 301), (("HTTP_X_FORWARDED_PROTO", "https"), 200)])
def test_a_claimed_https_over_plain_http_is_redirected_unless_the_proxy_is_trusted(proxy_header, status):
    with override_settings(SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=proxy_header):
        response = Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == status
    if status == 301:
        assert response["Location"].startswith("https://")


def test_the_static_files_manifest_is_written_outside_static_root_and_not_served(tmp_path):
    static_root, manifest_root = tmp_path / "static", tmp_path / "manifest"
    production_storage = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "screening.static_storage.PrivateManifestStaticFilesStorage"},
    }
    with override_settings(
        STATIC_ROOT=static_root,
        STATIC_MANIFEST_ROOT=manifest_root,
        STORAGES=production_storage,
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        assert (manifest_root / "staticfiles.json").is_file()
        assert not (static_root / "staticfiles.json").exists()
        from django.templatetags.static import static

        hashed = static("screening/refuge.js")  # the manifest is read back: hashed names still resolve
        assert hashed != "/static/screening/refuge.js" and hashed.endswith(".js")
        client = Client()
        assert client.get(hashed).status_code == 200
        assert client.get("/static/staticfiles.json").status_code == 404


def test_production_redirects_plain_http_but_not_the_probes():
    result = run_python(
        "import django; django.setup(); from django.test import Client; c = Client(); "
        "print(c.get('/accounts/login/', HTTP_X_FORWARDED_PROTO='https').status_code, "
        "c.get('/healthz').status_code, c.get('/readyz').status_code in (200, 503))",
        production_env(ALLOWED_HOSTS="testserver"),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["301", "200", "True"]
