"""The interview-language cookie can hint at a claimant's nationality: in production it is Secure, SameSite=Lax
and HttpOnly (review D21)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from types import SimpleNamespace

import pytest
from django.conf import settings

COOKIE_SETTINGS = ("LANGUAGE_COOKIE_SECURE", "LANGUAGE_COOKIE_SAMESITE", "LANGUAGE_COOKIE_HTTPONLY")


@pytest.fixture(scope="module")
def production() -> SimpleNamespace:
    """The language-cookie settings of config.settings.production, read in a fresh interpreter (the settings read
    the environment at import) with the secrets production requires."""
    from cryptography.fernet import Fernet

    code = (
        "import json, config.settings.production as p; "
        f"print(json.dumps({{name: getattr(p, name) for name in {list(COOKIE_SETTINGS)!r}}}))"
    )
    env = {
        **os.environ,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    return SimpleNamespace(**json.loads(done.stdout))


def test_production_settings_protect_the_language_cookie(production):
    assert (production.LANGUAGE_COOKIE_SECURE, production.LANGUAGE_COOKIE_SAMESITE) == (True, "Lax")
    assert production.LANGUAGE_COOKIE_HTTPONLY is True


def test_the_language_switch_sets_the_flags_production_asks_for(production, client, settings, db):
    for name in COOKIE_SETTINGS:
        setattr(settings, name, getattr(production, name))
    response = client.post("/i18n/setlang/", {"language": "uk", "next": "/"})
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "uk"
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
