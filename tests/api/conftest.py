"""Fixtures of the partner API tests: two organisations, partner clients with tokens, API clients."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from screening import services
from screening.auth import Actor
from screening.models import Organisation, PartnerClient, Scope

# A small valid answer set (draft), and one that is complete (every required question answered).
VALID_ANSWERS = {"country_of_origin": "RU", "military_situation": "summoned_did_not_report", "age": 19}
COMPLETE_ANSWERS = {**VALID_ANSWERS, "host_country": "DE"}


@dataclass
class Partner:
    organisation: Organisation
    client: PartnerClient
    token: str
    api: APIClient

    @property
    def actor(self) -> Actor:
        return Actor(organisation=self.organisation, client=self.client)


def api_client(token: str | None = None) -> APIClient:
    client = APIClient()
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counts live in the cache: start every test from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_partner(db):
    made: dict[str, Organisation] = {}

    def make(org_name: str = "Org A", *, scope: str = Scope.FULL, name: str | None = None) -> Partner:
        organisation = made.get(org_name) or Organisation.objects.filter(name=org_name).first()
        if organisation is None:
            organisation = services.organisation_create(name=org_name)
        made[org_name] = organisation
        client, token = services.partner_client_create(
            organisation=organisation, name=name or f"{org_name} {scope} {PartnerClient.objects.count()}", scope=scope
        )
        return Partner(organisation=organisation, client=client, token=token, api=api_client(token))

    return make


@pytest.fixture
def partner(make_partner) -> Partner:
    return make_partner("Org A")


@pytest.fixture
def other_partner(make_partner) -> Partner:
    return make_partner("Org B")


def detail_url(screening_id) -> str:
    return f"/api/v1/screenings/{screening_id}/"
