"""Review D17 (the audit trail's client address behind a proxy) and D18 (one log line per expected denial)."""

from __future__ import annotations

import logging

import pytest
from django.test import Client, RequestFactory

from screening import services
from screening.auth import Actor, client_ip
from screening.models import AuditAction, AuditEvent, Role

# ---- D17: X-Forwarded-For only through trusted proxies ----------------------------------------------------------


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("10.0.0.5", "203.0.113.9")) == "10.0.0.5"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "203.0.113.9", "203.0.113.9"),  # one proxy: the address it saw
        (1, "198.51.100.66, 203.0.113.9", "203.0.113.9"),  # a forged hop on the left is ignored
        (2, "198.51.100.66, 203.0.113.9, 10.0.0.7", "203.0.113.9"),  # load balancer + nginx
        (2, "203.0.113.9", "203.0.113.9"),  # fewer hops than proxies: all ours, the leftmost
        (1, " 2001:db8::9 ", "2001:db8::9"),
    ],
)
def test_with_n_trusted_proxies_the_nth_address_from_the_right(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(request_from("10.0.0.5", forwarded)) == expected


@pytest.mark.parametrize("forwarded", ["", "  ", "not-an-address", "203.0.113.9, unknown", "203.0.113.9:443"])
def test_a_missing_or_malformed_header_falls_back_to_the_peer(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from("10.0.0.5", forwarded)) == "10.0.0.5"


@pytest.mark.django_db
@pytest.mark.parametrize(("count", "expected"), [(0, "127.0.0.1"), (1, "203.0.113.9")])
def test_the_audit_event_of_a_web_view_carries_the_configured_address(settings, count, expected):
    settings.TRUSTED_PROXY_COUNT = count
    org = services.organisation_create(name="Proxy Org")
    user = services.user_create(organisation=org, username="px", password="unused-pw-123456", role=Role.CASEWORKER)
    screening = services.screening_create(actor=Actor(organisation=org), answers={"country_of_origin": "UA"})
    client = Client(REMOTE_ADDR="127.0.0.1")
    client.force_login(user)
    response = client.get(f"/cases/{screening.id}/result/", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9")
    assert response.status_code == 200
    viewed = AuditEvent.objects.filter(screening_id=screening.id, action=AuditAction.VIEWED).get()
    assert viewed.ip_address == expected


# ---- D18: expected denials log one line ---------------------------------------------------------------------------


@pytest.fixture
def denied_client(db):
    org = services.organisation_create(name="Log Org")
    other = services.organisation_create(name="Other Log Org")
    user = services.user_create(organisation=org, username="lg", password="unused-pw-123456", role=Role.CASEWORKER)
    foreign = services.screening_create(actor=Actor(organisation=other), answers={"country_of_origin": "UA"})
    client = Client()
    client.force_login(user)
    return client, foreign


def request_records(caplog):
    return [r for r in caplog.records if r.name == "django.request"]


@pytest.mark.django_db
def test_a_403_logs_one_warning_line_without_a_traceback(caplog):
    client = Client()
    caplog.set_level(logging.INFO)
    user = services.user_create(
        organisation=services.organisation_create(name="No-member Org"),
        username="nomember",
        password="unused-pw-123456",
        role=Role.CASEWORKER,
    )
    user.membership.delete()  # signed in but in no organisation: the web views raise PermissionDenied
    client.force_login(user)
    caplog.clear()
    response = client.get("/cases/")
    assert response.status_code == 403
    records = request_records(caplog)
    assert len(records) == 1
    (record,) = records
    assert record.levelno == logging.WARNING and record.status_code == 403
    assert record.exc_info is None and record.exc_text is None
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("path", ["/cases/{foreign}/result/", "/no-such-page/"])
def test_a_404_logs_one_warning_line(caplog, denied_client, path):
    client, foreign = denied_client
    caplog.set_level(logging.INFO)
    caplog.clear()
    assert client.get(path.format(foreign=foreign.id)).status_code == 404
    (record,) = request_records(caplog)
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert "Traceback" not in caplog.text


@pytest.mark.django_db
def test_a_401_of_the_api_logs_one_warning_line(caplog):
    caplog.set_level(logging.INFO)
    assert Client().get("/api/v1/screenings/", HTTP_AUTHORIZATION="Token rs_wrong").status_code == 401
    (record,) = request_records(caplog)
    assert record.levelno == logging.WARNING and record.exc_info is None


def test_a_500_keeps_its_traceback():
    """The filter only touches 4xx: a server error must still say where it happened."""
    from config.log_filters import ClientErrorsOneLine

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        exc_info = sys.exc_info()
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal", (), exc_info)
    record.status_code = 500
    assert ClientErrorsOneLine().filter(record) and record.exc_info is exc_info
    record.status_code = 403
    assert ClientErrorsOneLine().filter(record) and record.exc_info is None
