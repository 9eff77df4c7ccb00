"""The Content-Security-Policy header on every response (review D10); the browser tests (tests/e2e) check that
the pages raise no violation under it."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from django.test import Client

from tests.api.conftest import api_client

pytestmark = pytest.mark.django_db

STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in (p.strip() for p in policy.split(";")) if part}


@pytest.mark.parametrize(
    "path", ["/", "/accounts/login/", "/admin/login/", "/api/v1/questionnaire/", "/api/v1/nowhere/", "/healthz"]
)
def test_every_response_carries_the_strict_policy(path):
    response = Client().get(path)
    assert response.status_code < 500
    assert directives(response) == STRICT


def test_api_errors_carry_it_too(partner):
    assert directives(api_client("rs_wrong").get("/api/v1/me/")) == STRICT
    assert directives(partner.api.get("/api/v1/screenings/")) == STRICT


def test_the_api_docs_allow_only_their_own_inline_style_block_by_hash():
    page = Client().get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script>" not in html  # the start-up script is a separate file (script-src 'self')
    script = re.search(r'<script src="([^"]+script=[^"]*)"', html).group(1)
    assert Client().get(script.replace("&amp;", "&"))["Content-Type"].startswith("application/javascript")
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    hashes = ["'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in styles]
    policy = directives(page)
    assert styles and policy["style-src"] == " ".join(["'self'", *hashes])
    assert policy["img-src"] == "'self' data:"  # Swagger UI's icons
    assert {k: v for k, v in policy.items() if k not in ("style-src", "img-src")} == {
        k: v for k, v in STRICT.items() if k not in ("style-src", "img-src")
    }
