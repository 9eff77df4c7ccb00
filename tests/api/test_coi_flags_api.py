"""The API flags stale and contested country-profile values (`stale`, `contested`), for a fixed "today"."""

from __future__ import annotations

import datetime as dt

import pytest

from screening import provenance, services

REFUSER = {"country_of_origin": "RU", "military_situation": "summoned_did_not_report"}
CONFLICT = "armed_conflict_involvement"  # RU: newest source 2 March 2022, not contested
PENALTY = "coi_penalty_assessment"  # RU: contested


def frozen(monkeypatch, day: dt.date) -> None:
    monkeypatch.setattr(provenance, "today", lambda: day)


@pytest.mark.django_db
def test_the_api_flags_stale_and_contested_values(partner, monkeypatch):
    services.country_profiles_load()
    created = partner.api.post(
        "/api/v1/screenings/",
        {"answers": {**REFUSER, "feared_consequences": ["imprisonment"]}, "apply_country_profile": True},
        format="json",
    ).json()
    frozen(monkeypatch, dt.date(2022, 6, 1))
    used = partner.api.get(f"/api/v1/screenings/{created['id']}/").json()["country_profile_used"]
    assert used[CONFLICT]["stale"] is False and used[CONFLICT]["contested"] is False
    assert used[PENALTY]["contested"] is True
    frozen(monkeypatch, dt.date(2026, 12, 6))
    used = partner.api.get(f"/api/v1/screenings/{created['id']}/").json()["country_profile_used"]
    assert used[CONFLICT]["stale"] is True
    values = partner.api.get("/api/v1/countries/RU/").json()["values"]
    assert values[CONFLICT]["stale"] is True and values[PENALTY]["contested"] is True
