"""Authentication and token scopes: 401 without valid credentials, 403 when the scope does not allow the request,
and a refused request changes nothing."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from screening import services
from screening.models import AuditEvent, PartnerClient, Role, Screening

from .conftest import VALID_ANSWERS, api_client, detail_url

pytestmark = pytest.mark.django_db

OK = "ok"


def _requests(screening_id):
    """(name, method, url, body) of every endpoint."""
    detail = detail_url(screening_id)
    return [
        ("questionnaire", "get", "/api/v1/questionnaire/", None),
        ("outcomes", "get", "/api/v1/outcomes/", None),
        ("countries", "get", "/api/v1/countries/", None),
        ("country", "get", "/api/v1/countries/ZZ/", None),  # 404: allowed, no such profile
        ("evaluate", "post", "/api/v1/evaluate/", {"answers": VALID_ANSWERS}),
        ("me", "get", "/api/v1/me/", None),
        ("list", "get", "/api/v1/screenings/", None),
        ("create", "post", "/api/v1/screenings/", {"answers": VALID_ANSWERS}),
        ("bulk", "post", "/api/v1/screenings/bulk/", {"items": [{"answers": VALID_ANSWERS}]}),
        ("detail", "get", detail, None),
        ("patch", "patch", detail, {"answers": {"age": 30}}),
        ("reassess", "post", detail + "reassess/", None),
        ("delete", "delete", detail, None),
    ]


CATALOGUE = {"questionnaire", "outcomes", "countries", "country"}
ALLOWED = {
    "full": CATALOGUE | {"me", "evaluate", "list", "create", "bulk", "detail", "patch", "reassess", "delete"},
    "read_only": CATALOGUE | {"me", "list", "detail"},
    "evaluate_only": CATALOGUE | {"me", "evaluate"},
}


@pytest.mark.parametrize("scope", ["full", "read_only", "evaluate_only"])
def test_each_scope_gets_exactly_its_endpoints(make_partner, scope):
    partner = make_partner("Org A", scope=scope)
    screening = services.screening_create(actor=partner.actor, answers=VALID_ANSWERS)
    for name, method, url, body in _requests(screening.id):
        before = (Screening.objects.count(), AuditEvent.objects.count(), Screening.objects.get(pk=screening.id).version)
        response = getattr(partner.api, method)(url, body, format="json")
        if name in ALLOWED[scope]:
            assert response.status_code in (200, 201, 204) or name == "country", (scope, name, response.content)
        else:
            assert response.status_code == 403, (scope, name, response.content)
            assert response.json() == {
                "code": "permission_denied",
                "message": "This token's scope does not allow this request.",
                "errors": [],
            }
            assert (
                Screening.objects.count(),
                AuditEvent.objects.count(),
                Screening.objects.get(pk=screening.id).version,
            ) == before


@pytest.mark.parametrize(
    "header",
    [
        None,  # no credentials
        "Token",  # no token
        "Token a b",  # two tokens
        "Token rs_not-a-real-token",  # unknown
        "Token ",
        "Bearer rs_whatever",  # another scheme: not authenticated
        "token-without-keyword",
    ],
)
def test_missing_or_malformed_credentials_give_401(partner, header):
    screening = services.screening_create(actor=partner.actor, answers=VALID_ANSWERS)
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    for name, method, url, body in _requests(screening.id):
        response = getattr(client, method)(url, body, format="json")
        if name in CATALOGUE and (header is None or not header.startswith("Token")):
            assert response.status_code in (200, 404), (name, response.status_code)  # public, anonymous
            continue
        assert response.status_code == 401, (header, name, response.content)
        body = response.json()
        assert body["code"] in {"not_authenticated", "authentication_failed"} and body["errors"] == []
        assert response["WWW-Authenticate"] == "Token"
    assert Screening.objects.get(pk=screening.id).version == 1


def test_a_non_ascii_token_gives_401(partner):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token r\u00e9sum\u00e9".encode().decode("latin-1"))
    response = client.get("/api/v1/screenings/")
    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"


def test_a_revoked_token_gives_401_at_once(partner):
    assert partner.api.get("/api/v1/screenings/").status_code == 200
    services.partner_client_revoke(client=partner.client)
    for method, url in (("get", "/api/v1/screenings/"), ("post", "/api/v1/evaluate/"), ("get", "/api/v1/outcomes/")):
        response = getattr(partner.api, method)(url, {"answers": {}} if method == "post" else None, format="json")
        assert response.status_code == 401
        assert response.json() == {
            "code": "authentication_failed",
            "message": "Invalid or revoked token.",
            "errors": [],
        }


def test_a_token_records_when_it_was_last_used(partner):
    assert PartnerClient.objects.get(pk=partner.client.pk).last_used_at is None
    partner.api.get("/api/v1/screenings/")
    assert PartnerClient.objects.get(pk=partner.client.pk).last_used_at is not None


def test_signed_in_members_use_the_api_with_the_full_scope(partner):
    user = services.user_create(organisation=partner.organisation, username="amira", password="pw-unused-1")
    client = APIClient()
    client.force_login(user)
    created = client.post("/api/v1/screenings/", {"answers": VALID_ANSWERS}, format="json")
    assert created.status_code == 201
    assert created.json()["created_by"] == "user:amira"
    assert client.get("/api/v1/screenings/").json()["count"] == 1
    event = AuditEvent.objects.get(screening_id=created.json()["id"])
    assert event.actor_user == user and event.actor_client is None


def test_session_writes_need_the_csrf_token(partner):
    user = services.user_create(organisation=partner.organisation, username="omar", password="pw-unused-1")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/api/v1/screenings/", {"answers": VALID_ANSWERS}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert "CSRF" in response.json()["message"]
    assert Screening.objects.count() == 0
    assert client.get("/api/v1/screenings/").status_code == 200  # reads need no CSRF token


def test_a_signed_in_user_without_an_organisation_is_refused(db):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="loner", password="pw-unused-1")
    client = APIClient()
    client.force_login(user)
    response = client.get("/api/v1/screenings/")
    assert response.status_code == 403
    assert response.json()["message"] == "This account does not belong to an organisation."
    assert client.get("/api/v1/questionnaire/").status_code == 200  # the catalogues are public


def test_catalogues_are_public_but_evaluate_is_not(db):
    anonymous = api_client()
    assert anonymous.get("/api/v1/questionnaire/").status_code == 200
    assert anonymous.get("/api/v1/outcomes/").status_code == 200
    assert anonymous.get("/api/v1/countries/").status_code == 200
    response = anonymous.post("/api/v1/evaluate/", {"answers": VALID_ANSWERS}, format="json")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_roles_do_not_matter_for_the_api(partner):
    for role in (Role.CASEWORKER, Role.SUPERVISOR, Role.ORG_ADMIN):
        user = services.user_create(
            organisation=partner.organisation, username=f"u-{role}", password="pw-unused-1", role=role
        )
        client = APIClient()
        client.force_login(user)
        assert client.get("/api/v1/screenings/").status_code == 200
