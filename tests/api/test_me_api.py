"""GET /api/v1/me/: who the caller is (organisation, partner client or user, scope), for any valid credentials."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from screening import services
from screening.models import AuditEvent

from .conftest import api_client
from .contract import check_response

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/"


@pytest.mark.parametrize("scope", ["full", "read_only", "evaluate_only"])
def test_a_partner_token_sees_its_organisation_client_and_scope(make_partner, scope):
    partner = make_partner("Refugee Law Clinic", scope=scope, name="Case system")
    response = partner.api.get(URL)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "organisation": "Refugee Law Clinic",
        "client": "Case system",
        "user": None,
        "scope": scope,
    }
    assert response["Cache-Control"] == "no-store"
    check_response(response)
    before = AuditEvent.objects.count()  # the token's creation is audited (token_created)
    partner.api.get(URL)
    assert AuditEvent.objects.count() == before  # reading /me/ stores nothing, audits nothing


def test_a_signed_in_member_sees_their_organisation_with_the_full_scope(partner):
    user = services.user_create(organisation=partner.organisation, username="amira", password="pw-unused-1")
    client = APIClient()
    client.force_login(user)
    response = client.get(URL)
    assert response.json() == {"organisation": "Org A", "client": None, "user": "amira", "scope": "full"}
    check_response(response)


def test_me_needs_valid_credentials_and_is_read_only(partner):
    assert api_client().get(URL).status_code == 401
    assert api_client("rs_wrong").get(URL).json()["code"] == "authentication_failed"
    services.partner_client_revoke(client=partner.client)
    assert partner.api.get(URL).status_code == 401
    fresh = services.partner_client_create(organisation=partner.organisation, name="fresh")[1]
    response = api_client(fresh).post(URL, {}, format="json")  # GET only, as for the catalogues
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_a_user_without_an_organisation_is_refused():
    user = get_user_model().objects.create_user(username="loner", password="pw-unused-1")
    client = APIClient()
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
