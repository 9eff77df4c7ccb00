"""Partner tokens may expire (review D21): `createpartner --expires-in-days N`; an expired token gets 401 with a
message saying so, and a token without an expiry keeps working."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from screening import services
from screening.models import PartnerClient
from tests.api.conftest import api_client


@pytest.fixture
def organisation(db):
    return services.organisation_create(name="Helping Hands")


def create(*args) -> tuple[str, str]:
    out = StringIO()
    call_command("createpartner", "Helping Hands", *args, stdout=out)
    lines = out.getvalue().strip().splitlines()
    return "\n".join(lines[:-1]), lines[-1]


def test_a_token_with_an_expiry_works_until_it_expires_then_gets_401(organisation):
    text, token = create("Case system", "--expires-in-days", "30")
    client = PartnerClient.objects.get(name="Case system")
    expected = timezone.now() + timedelta(days=30)
    assert abs((client.expires_at - expected).total_seconds()) < 60
    assert "expires " + client.expires_at.isoformat(timespec="seconds") in text
    api = api_client(token)
    assert api.get("/api/v1/me/").status_code == 200

    PartnerClient.objects.filter(pk=client.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "authentication_failed" and "Token expired at" in body["message"]


def test_a_token_without_an_expiry_never_expires(organisation):
    _text, token = create("Forever")
    assert PartnerClient.objects.get(name="Forever").expires_at is None
    assert api_client(token).get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize("days", ["0", "-3", "3651"])
def test_an_expiry_out_of_range_is_refused(organisation, days):
    with pytest.raises(CommandError, match="--expires-in-days must be a whole number of days from 1 to 3650"):
        create("Bad", "--expires-in-days", days)
    assert not PartnerClient.objects.exists()
