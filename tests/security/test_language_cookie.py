"""The interview-language cookie can hint at a claimant's nationality: in production it is Secure, SameSite=Lax
and HttpOnly (review D21)."""

from __future__ import annotations

import importlib
import sys

import pytest

COOKIE_SETTINGS = ("LANGUAGE_COOKIE_SECURE", "LANGUAGE_COOKIE_SAMESITE", "LANGUAGE_COOKIE_HTTPONLY")


@pytest.fixture
def production(monkeypatch):
    """The production settings module, imported with the SECRET_KEY it requires."""
    monkeypatch.setenv("SECRET_KEY", "x" * 60)
    sys.modules.pop("config.settings.production", None)
    module = importlib.import_module("config.settings.production")
    yield module
    sys.modules.pop("config.settings.production", None)


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
