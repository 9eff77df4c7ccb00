"""Rate limit per partner client (settings.SCREENING["API_RATE"]): 429 with Retry-After and the error body."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings

from .conftest import api_client

pytestmark = pytest.mark.django_db


def tiny_rate(rate: str = "3/min"):
    return override_settings(SCREENING={**settings.SCREENING, "API_RATE": rate})


def test_the_request_after_the_limit_gets_429_with_retry_after(partner, make_partner):
    other = make_partner("Org A", name="another client")
    with tiny_rate():
        for _ in range(3):
            assert partner.api.get("/api/v1/screenings/").status_code == 200
        response = partner.api.get("/api/v1/screenings/")
        assert response.status_code == 429
        assert 1 <= int(response["Retry-After"]) <= 60
        body = response.json()
        assert body["code"] == "throttled" and body["errors"] == []
        assert "Request was throttled" in body["message"]
        # every endpoint counts against the same client limit
        assert partner.api.post("/api/v1/evaluate/", {"answers": {}}, format="json").status_code == 429
        assert partner.api.get("/api/v1/outcomes/").status_code == 429
        # the limit is per client: another client of the same organisation is not affected
        assert other.api.get("/api/v1/screenings/").status_code == 200


def test_anonymous_catalogue_reads_are_limited_per_address(db):
    with tiny_rate("2/min"):
        anonymous = api_client()
        assert anonymous.get("/api/v1/questionnaire/").status_code == 200
        assert anonymous.get("/api/v1/countries/").status_code == 200
        response = anonymous.get("/api/v1/outcomes/")
        assert response.status_code == 429 and response.json()["code"] == "throttled"
        assert response["Retry-After"]
        elsewhere = api_client()
        assert elsewhere.get("/api/v1/outcomes/", REMOTE_ADDR="192.0.2.9").status_code == 200


def test_the_default_rate(partner):
    assert settings.SCREENING["API_RATE"] == "1200/min"
    for _ in range(20):
        assert partner.api.get("/api/v1/screenings/").status_code == 200
