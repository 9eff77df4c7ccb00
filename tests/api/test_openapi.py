"""The OpenAPI schema: generated without warnings, complete, served with its docs from local files only, and
true to the API (real responses and the schema's own examples validate against it)."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import jsonschema
import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

from screening.errors import ApiErrorCode

from .conftest import VALID_ANSWERS, detail_url
from .contract import check_response, openapi, request_schema, response_schema


def test_spectacular_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/evaluate/" in (tmp_path / "schema.yaml").read_text()


def test_every_operation_is_tagged_documented_and_has_the_error_body():
    schema = openapi()
    assert schema["components"]["securitySchemes"]["PartnerToken"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": schema["components"]["securitySchemes"]["PartnerToken"]["description"],
    }
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "message", "errors"}
    assert schema["components"]["schemas"]["ApiErrorCodeEnum"]["enum"] == [c.value for c in ApiErrorCode]
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            assert op["tags"] and op["tags"][0] in {"catalogue", "evaluate", "screenings", "account"}, (path, method)
            assert op.get("description"), (path, method)
            assert {"PartnerToken": []} in op["security"], (path, method)
            errors = [code for code in op["responses"] if code.startswith("4")]
            assert "429" in errors, (path, method)
            for code in errors:
                ref = op["responses"][code]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/Error", (path, method, code)
            assert op["responses"]["429"]["headers"]["Retry-After"]
            if op["tags"][0] != "catalogue":
                assert {"401", "403"} <= set(errors), (path, method)
                assert {} not in op["security"], (path, method)
            else:
                assert {} in op["security"], (path, method)  # the catalogues are public


@pytest.mark.parametrize(
    ("path", "method", "status", "direction"),
    [
        ("/api/v1/evaluate/", "post", 200, "response"),
        ("/api/v1/evaluate/", "post", 400, "response"),
        ("/api/v1/evaluate/", "post", None, "request"),
        ("/api/v1/screenings/", "post", 201, "response"),
        ("/api/v1/screenings/", "post", None, "request"),
        ("/api/v1/screenings/bulk/", "post", 200, "response"),
        ("/api/v1/screenings/bulk/", "post", 400, "response"),
        ("/api/v1/screenings/bulk/", "post", None, "request"),
        ("/api/v1/screenings/{screening_id}/", "patch", 412, "response"),
        ("/api/v1/screenings/{screening_id}/", "patch", None, "request"),
    ],
)
def test_examples_exist_and_match_the_schema(path, method, status, direction):
    op = openapi()["paths"][path][method]
    if direction == "request":
        examples = op["requestBody"]["content"]["application/json"]["examples"]
        schema = request_schema(path, method)
    else:
        examples = op["responses"][str(status)]["content"]["application/json"]["examples"]
        schema = response_schema(path, method, status)
    assert examples
    for example in examples.values():
        jsonschema.validate(example["value"], schema, cls=jsonschema.Draft202012Validator)


@pytest.mark.django_db
def test_schema_and_docs_are_served(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/v1/screenings/" in response.json()["paths"]
    assert client.get("/api/schema/").content.startswith(b"openapi: 3.0")


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


@pytest.mark.django_db
def test_docs_reference_only_local_static_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    parser = _Assets()
    parser.feed(html)
    assert any(url.endswith("swagger-ui-bundle.js") for url in parser.urls)
    for url in parser.urls:
        assert not re.match(r"^(https?:)?//", url), url
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), url  # shipped by drf-spectacular-sidecar
    assert not re.search(r"https?://[^\s\"']*(cdn|jsdelivr|unpkg)", html)
    # the start-up script is a separate file (the Content-Security-Policy forbids inline scripts); it loads the schema
    assert '<script src="/api/docs/?script="></script>' in html
    assert "/api/schema/" in client.get("/api/docs/?script=").content.decode()


@pytest.mark.django_db
def test_start_page_links_to_the_docs_and_the_schema(client):
    html = client.get("/").content.decode()
    assert 'href="/api/docs/"' in html
    assert 'href="/api/schema/"' in html


@pytest.mark.django_db
def test_real_responses_match_the_schema(partner, make_partner):
    api = partner.api
    check_response(api.post("/api/v1/evaluate/", {"answers": VALID_ANSWERS}, format="json"))
    check_response(api.post("/api/v1/evaluate/", {"answers": {"age": "x"}}, format="json"))
    created = api.post(
        "/api/v1/screenings/",
        {"answers": {**VALID_ANSWERS, "ethnic_minority": True, "ethnic_group_name": "Group"}, "reference": "r"},
        format="json",
    )
    check_response(created)
    sid = created.json()["id"]
    check_response(api.get("/api/v1/screenings/"))
    check_response(api.get("/api/v1/screenings/?status=nonsense"))
    check_response(api.get(detail_url(sid)))
    check_response(api.patch(detail_url(sid), {"answers": {"age": 20}}, format="json", HTTP_IF_MATCH='"1"'))
    check_response(api.patch(detail_url(sid), {"answers": {"age": 21}}, format="json", HTTP_IF_MATCH='"1"'))
    check_response(api.post(detail_url(sid) + "reassess/"))
    check_response(api.get(detail_url("not-a-uuid")))
    bulk = api.post(
        "/api/v1/screenings/bulk/",
        {"items": [{"answers": VALID_ANSWERS}, {"answers": {"age": -1}, "status": "x"}]},
        format="json",
    )
    check_response(bulk)
    check_response(api.get("/api/v1/me/"))
    check_response(api.get("/api/v1/questionnaire/"))
    check_response(api.get("/api/v1/outcomes/"))
    call_command_quiet("loadprofiles")
    check_response(api.get("/api/v1/countries/"))
    check_response(api.get("/api/v1/countries/RU/"))
    check_response(api.get("/api/v1/countries/ZZ/"))
    readonly = make_partner("Org A", scope="read_only")
    check_response(readonly.api.post("/api/v1/evaluate/", {"answers": {}}, format="json"))
    with_apply = api.post(
        "/api/v1/screenings/", {"answers": VALID_ANSWERS, "apply_country_profile": True}, format="json"
    )
    check_response(with_apply)
    assert with_apply.json()["country_profile_used"]


def call_command_quiet(name: str) -> None:
    call_command(name, stdout=io.StringIO())
