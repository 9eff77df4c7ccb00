"""Webhooks: a partner registers a URL and gets a secret once; job.completed and screening.completed are POSTed
to a loopback receiver, signed (HMAC-SHA256 over timestamp and body), retried with backoff, with every attempt
visible; https only outside development; organisation-scoped; never an answer in a payload."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.test import override_settings

from screening import webhooks
from screening.models import Role, Webhook, WebhookDelivery
from tests.jobs.helpers import public_items

from .conftest import COMPLETE_ANSWERS, detail_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _run_on_commit(monkeypatch, django_capture_on_commit_callbacks):
    """Run each request's on-commit callbacks (the job, then its webhook) as a real commit would."""
    from rest_framework.test import APIClient

    real = APIClient.generic

    def generic(self, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return real(self, *args, **kwargs)

    monkeypatch.setattr(APIClient, "generic", generic)


class Receiver:
    """A loopback HTTP server that records every POST and answers `codes` in turn (then 200)."""

    def __init__(self, codes=()):
        self.codes = list(codes)
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                code = receiver.codes.pop(0) if receiver.codes else 200
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(codes=()):
        made.append(Receiver(codes))
        return made[-1]

    yield make
    for r in made:
        r.close()


def register(partner, url, events=None):
    body = {"url": url} | ({"events": events} if events else {})
    response = partner.api.post("/api/v1/webhooks/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_job_of_10000_items_completes_with_a_signed_webhook(make_partner, receiver):
    partner = make_partner("Org A")
    hook = receiver()
    created = register(partner, hook.url, ["job.completed"])
    assert created["secret"].startswith("whsec_") and "secret" not in partner.api.get("/api/v1/webhooks/").json()[0]
    response = partner.api.post("/api/v1/jobs/", public_items(10_000), format="json")
    assert response.status_code == 202
    job = partner.api.get(response["Location"]).json()
    assert job["status"] == "completed" and job["succeeded_items"] == 10_000 and job["failed_items"] == 0
    assert len(hook.requests) == 1
    request = hook.requests[0]
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["refuge-event"] == "job.completed"
    assert webhooks.signature_valid(created["secret"], headers["refuge-signature"], request["body"])
    assert not webhooks.signature_valid(created["secret"], headers["refuge-signature"], request["body"] + b" ")
    assert not webhooks.signature_valid("whsec_other", headers["refuge-signature"], request["body"])
    envelope = json.loads(request["body"])
    assert envelope["event"] == "job.completed" and envelope["id"] == headers["refuge-delivery"]
    assert envelope["data"]["job"] == job["id"] and envelope["data"]["succeeded_items"] == 10_000
    assert "answers" not in request["body"].decode()


def test_a_failing_receiver_is_retried_and_every_attempt_is_visible(make_partner, receiver):
    partner = make_partner("Org A")
    hook = receiver(codes=[500, 503])
    created = register(partner, hook.url)
    partner.api.post("/api/v1/jobs/", public_items(3), format="json")
    assert len(hook.requests) == 3  # two failures, then delivered
    assert len({r["headers"]["Refuge-Delivery"] for r in hook.requests}) == 1  # one delivery, retried
    deliveries = partner.api.get(f"/api/v1/webhooks/{created['id']}/deliveries/").json()
    assert deliveries[0]["status"] == "delivered" and deliveries[0]["attempts"] == 3
    assert deliveries[0]["last_status_code"] == 200


@override_settings(SCREENING={**__import__("django.conf").conf.settings.SCREENING, "WEBHOOK_MAX_ATTEMPTS": 2})
def test_a_receiver_that_never_answers_2xx_fails_after_the_last_attempt(make_partner, receiver):
    partner = make_partner("Org A")
    hook = receiver(codes=[500] * 10)
    register(partner, hook.url)
    partner.api.post("/api/v1/jobs/", public_items(2), format="json")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and delivery.attempts == 2 and delivery.last_status_code == 500
    assert len(hook.requests) == 2


def test_screening_completed_is_sent_when_a_screening_is_marked_complete(make_partner, receiver):
    partner = make_partner("Org A")
    hook = receiver()
    register(partner, hook.url, ["screening.completed"])
    created = partner.api.post("/api/v1/screenings/", {"answers": COMPLETE_ANSWERS, "reference": "W-1"}, format="json")
    assert created.status_code == 201 and hook.requests == []  # a draft: no event
    response = partner.api.patch(
        detail_url(created.json()["id"]), {"status": "complete"}, format="json", HTTP_IF_MATCH=created["ETag"]
    )
    assert response.status_code == 200, response.content
    assert len(hook.requests) == 1
    envelope = json.loads(hook.requests[0]["body"])
    assert envelope["event"] == "screening.completed" and envelope["data"]["reference"] == "W-1"


@override_settings(SCREENING={**__import__("django.conf").conf.settings.SCREENING, "WEBHOOK_ALLOW_HTTP": False})
def test_only_https_urls_outside_development(make_partner):
    partner = make_partner("Org A")
    response = partner.api.post("/api/v1/webhooks/", {"url": "http://example.org/hook"}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "url"
    response = partner.api.post(
        "/api/v1/webhooks/", {"url": "https://example.org/hook", "events": ["x"]}, format="json"
    )
    assert response.status_code == 400
    assert not Webhook.objects.exists()


def test_webhooks_are_organisation_scoped_and_read_only_tokens_cannot_add_them(make_partner, receiver, client):
    from screening import services

    a, b = make_partner("Org A"), make_partner("Org B")
    created = register(a, receiver().url)
    assert b.api.get(f"/api/v1/webhooks/{created['id']}/").status_code == 404
    assert b.api.delete(f"/api/v1/webhooks/{created['id']}/").status_code == 404
    assert b.api.get("/api/v1/webhooks/").json() == []
    reader = make_partner("Org A", scope="read_only")
    assert reader.api.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/x"}, format="json").status_code == 403
    caseworker = services.user_create(
        organisation=a.organisation, username="cw", password="a-long-test-password", role=Role.CASEWORKER
    )
    client.force_login(caseworker)
    response = client.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/x"}, content_type="application/json")
    assert response.status_code == 403
    assert a.api.delete(f"/api/v1/webhooks/{created['id']}/").status_code == 204
    assert not Webhook.objects.exists()
