"""manage.py demo_setup: DEBUG only, idempotent, and the demo cases are faithful copies of public cases."""

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from screening.management.commands.demo_setup import DEFAULT_PASSWORD
from screening.models import AuditEvent, Membership, Organisation, Role, Screening
from tests.conftest import load_public_cases

pytestmark = pytest.mark.django_db

DEMO_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "demo_cases.yaml"


def run(**options) -> str:
    out = StringIO()
    call_command("demo_setup", stdout=out, **options)
    return out.getvalue()


def counts():
    return (
        Organisation.objects.count(),
        get_user_model().objects.count(),
        Membership.objects.count(),
        Screening.objects.count(),
        AuditEvent.objects.count(),
    )


def test_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refused.*DEBUG is off"):
        run()
    assert counts() == (0, 0, 0, 0, 0)


def test_refuses_a_database_on_another_host(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setitem(connection.settings_dict, "ENGINE", "django.db.backends.postgresql")
    monkeypatch.setitem(connection.settings_dict, "HOST", "db.example.org")
    with pytest.raises(CommandError, match=r"another host \(db.example.org\)"):
        run()
    assert counts() == (0, 0, 0, 0, 0)


def test_refuses_a_database_with_other_organisations_unless_told_it_is_not_production(settings):
    settings.DEBUG = True
    Organisation.objects.create(name="Real NGO")
    with pytest.raises(CommandError, match=r"1 other organisation\(s\).*--i-know-this-is-not-production"):
        run()
    assert not Organisation.objects.filter(name="Demo NGO").exists()
    run(not_production=True)
    assert get_user_model().objects.filter(username="demo-supervisor").exists()


def test_the_override_flag_is_a_command_line_option(settings):
    settings.DEBUG = False
    out = StringIO()
    call_command("demo_setup", "--i-know-this-is-not-production", stdout=out)
    assert "Sign in at" in out.getvalue()


def test_creates_the_demo_once(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    output = run()
    cases = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))["cases"]
    assert 4 <= len(cases) <= 6
    org = Organisation.objects.get(name="Demo NGO")
    User = get_user_model()
    caseworker = User.objects.get(username="demo-caseworker")
    supervisor = User.objects.get(username="demo-supervisor")
    assert caseworker.membership.organisation == org and caseworker.membership.role == Role.CASEWORKER
    assert supervisor.membership.organisation == org and supervisor.membership.role == Role.SUPERVISOR
    assert supervisor.is_staff and not caseworker.is_staff
    assert caseworker.check_password(DEFAULT_PASSWORD) and supervisor.check_password(DEFAULT_PASSWORD)
    references = sorted(Screening.objects.filter(organisation=org).values_list("reference", flat=True))
    assert references == sorted(c["reference"] for c in cases)
    assert all(s.assessment["outcomes"] for s in Screening.objects.all())
    assert "Sign in at http://127.0.0.1:8000/" in output
    assert f"demo-caseworker (caseworker), password: {DEFAULT_PASSWORD}" in output
    assert f"demo-supervisor (supervisor), password: {DEFAULT_PASSWORD}" in output

    before = counts()
    output = run()
    assert counts() == before
    assert "Created 0 demo screenings" in output and "demo-supervisor" in output


def test_password_from_the_environment(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-pass")
    output = run(base_url="http://localhost:9000")
    assert get_user_model().objects.get(username="demo-caseworker").check_password("another-demo-pass")
    assert "password: another-demo-pass" in output and "http://localhost:9000/" in output


def test_a_demo_screening_can_be_opened_by_the_demo_caseworker(settings, client):
    settings.DEBUG = True
    run()
    client.force_login(get_user_model().objects.get(username="demo-caseworker"))
    screening = Screening.objects.get(reference="DEMO-pub-03")
    response = client.get(f"/cases/{screening.id}/result/")
    assert response.status_code == 200
    assert 'id="outcome-flag_exclusion_review_international_crimes"' in response.content.decode()


def test_demo_cases_are_copies_of_public_cases():
    public = {case["id"]: case for case in load_public_cases()}
    cases = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))["cases"]
    for case in cases:
        assert case["reference"] == f"DEMO-{case['source']}"
        assert case["answers"] == public[case["source"]]["answers"], case["reference"]
    assert len({public[c["source"]]["answers"]["country_of_origin"] for c in cases}) >= 3


def test_the_demo_supervisor_signs_in_with_the_printed_two_factor_code(settings):
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.DEBUG = True
    output = run()
    device = TOTPDevice.objects.get(user__username="demo-supervisor", confirmed=True)
    assert "otpauth://totp/Refuge%20Screen%3Ademo-supervisor?secret=" in output and "key: " in output
    run()
    assert TOTPDevice.objects.filter(user__username="demo-supervisor").count() == 1  # kept: the app still works
    code = run(code=True).strip()
    assert len(code) == 6 and code.isdigit()
    client = Client()
    client.post("/accounts/login/", {"username": "demo-supervisor", "password": DEFAULT_PASSWORD})
    assert client.get("/cases/")["Location"].startswith("/accounts/two-factor/verify/")
    assert client.post("/accounts/two-factor/verify/", {"code": code}).status_code == 302
    assert client.get("/cases/").status_code == 200
    assert device.pk == TOTPDevice.objects.get(user__username="demo-supervisor").pk
