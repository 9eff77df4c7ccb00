"""createorganisation, createuser, createpartner, revokepartner: accounts and partner tokens from the shell."""

import getpass
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import RequestFactory
from rest_framework.exceptions import AuthenticationFailed

from screening.auth import PartnerPrincipal, PartnerTokenAuthentication, token_hash
from screening.models import Membership, Organisation, PartnerClient, Role, Scope
from screening.services import organisation_create, partner_client_create

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "correct-horse-battery-staple-7"


def run(name, *args, **options) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def authenticate(token: str):
    request = RequestFactory().get("/api/v1/screenings/", HTTP_AUTHORIZATION=f"Token {token}")
    return PartnerTokenAuthentication().authenticate(request)


@pytest.fixture
def org():
    return organisation_create(name="Refugee Law Clinic")


@pytest.fixture
def env_password(monkeypatch):
    monkeypatch.setenv("SCREENING_USER_PASSWORD", GOOD_PASSWORD)


def prompts(monkeypatch, *answers):
    """Make getpass.getpass return `answers` in turn; returns the list of prompts shown."""
    replies = iter(answers)
    shown = []

    def fake_getpass(prompt="Password: ", stream=None):
        shown.append(prompt)
        return next(replies)

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    return shown


# ---- createorganisation ------------------------------------------------------------------------------------------


def test_createorganisation_prints_id_and_name():
    out = run("createorganisation", "  Legal Aid Berlin ")
    organisation = Organisation.objects.get()
    assert organisation.name == "Legal Aid Berlin"
    assert out.strip() == f"Created organisation {organisation.id}: Legal Aid Berlin"


def test_createorganisation_refuses_a_duplicate_and_a_blank_name(org):
    with pytest.raises(CommandError, match="already exists"):
        run("createorganisation", "Refugee Law Clinic")
    with pytest.raises(CommandError, match="blank"):
        run("createorganisation", "   ")
    assert Organisation.objects.count() == 1


# ---- createuser --------------------------------------------------------------------------------------------------


def test_createuser_noinput_reads_the_password_from_the_environment(org, env_password):
    out = run("createuser", "Refugee Law Clinic", "amira", "--noinput")
    user = get_user_model().objects.get(username="amira")
    assert user.check_password(GOOD_PASSWORD)
    assert user.membership.organisation == org
    assert user.membership.role == Role.CASEWORKER
    assert not user.is_staff and not user.is_superuser
    assert "amira" in out and GOOD_PASSWORD not in out


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ORG_ADMIN])
def test_createuser_supervisors_and_org_admins_get_admin_access(org, env_password, role):
    run("createuser", str(org.id), "boss", "--role", role, "--noinput")  # ORG given by id
    user = get_user_model().objects.get(username="boss")
    assert user.membership.role == role
    assert user.is_staff and not user.is_superuser


def test_createuser_noinput_without_the_variable_fails(org, monkeypatch):
    monkeypatch.delenv("SCREENING_USER_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="SCREENING_USER_PASSWORD"):
        run("createuser", "Refugee Law Clinic", "amira", "--noinput")
    assert not get_user_model().objects.exists()


def test_createuser_prompts_twice(org, monkeypatch):
    shown = prompts(monkeypatch, GOOD_PASSWORD, GOOD_PASSWORD)
    run("createuser", "Refugee Law Clinic", "amira", "--role", "supervisor")
    assert len(shown) == 2
    user = get_user_model().objects.get(username="amira")
    assert user.check_password(GOOD_PASSWORD)
    assert user.membership.role == Role.SUPERVISOR


def test_createuser_refuses_passwords_that_do_not_match(org, monkeypatch):
    prompts(monkeypatch, GOOD_PASSWORD, GOOD_PASSWORD + "x")
    with pytest.raises(CommandError, match="did not match"):
        run("createuser", "Refugee Law Clinic", "amira")
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize("weak", ["qwertyuiop", "12345678901", "short7", "amiraamir"])
def test_createuser_applies_the_password_validators(org, monkeypatch, weak):
    prompts(monkeypatch, weak, weak)
    with pytest.raises(CommandError, match="password was refused") as excinfo:
        run("createuser", "Refugee Law Clinic", "amira")
    assert weak not in str(excinfo.value)
    assert not get_user_model().objects.exists()


def test_createuser_validators_apply_with_noinput_too(org, monkeypatch):
    monkeypatch.setenv("SCREENING_USER_PASSWORD", "password")
    with pytest.raises(CommandError, match="password was refused"):
        run("createuser", "Refugee Law Clinic", "amira", "--noinput")
    assert not get_user_model().objects.exists()


def test_createuser_refuses_an_unknown_organisation_a_duplicate_and_a_bad_role(org, env_password):
    with pytest.raises(CommandError, match="No organisation"):
        run("createuser", "Nobody", "amira", "--noinput")
    with pytest.raises(CommandError, match="No organisation"):
        run("createuser", "999999", "amira", "--noinput")
    run("createuser", "Refugee Law Clinic", "amira", "--noinput")
    with pytest.raises(CommandError, match="already exists"):
        run("createuser", "Refugee Law Clinic", "amira", "--noinput")
    with pytest.raises(CommandError):
        run("createuser", "Refugee Law Clinic", "omar", "--role", "superuser", "--noinput")
    assert list(get_user_model().objects.values_list("username", flat=True)) == ["amira"]
    assert Membership.objects.count() == 1


# ---- createpartner -----------------------------------------------------------------------------------------------


def test_createpartner_prints_the_token_alone_on_the_last_line_and_stores_only_its_hash(org):
    out = run("createpartner", "Refugee Law Clinic", "Case system", "--scope", "read_only")
    lines = out.splitlines()
    token = lines[-1]
    assert out.endswith(token + "\n")
    assert token.startswith("rs_") and len(token) > 40 and " " not in token
    assert all(token not in line for line in lines[:-1])  # shown once
    assert len(lines) > 1  # with an explanation first

    client = PartnerClient.objects.get()
    assert (client.organisation, client.name, client.scope) == (org, "Case system", Scope.READ_ONLY)
    assert client.token_hash == token_hash(token)
    assert client.token_prefix == token[: len(client.token_prefix)]
    assert str(client.id) in out

    # the token itself is in no column of any row
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {PartnerClient._meta.db_table}")
        row = cursor.fetchone()
    assert all(token not in str(value) for value in row)

    principal, auth_client = authenticate(token)
    assert isinstance(principal, PartnerPrincipal)
    assert auth_client == client and principal.organisation == org
    assert PartnerClient.objects.get().last_used_at is not None


def test_createpartner_default_scope_is_full_and_names_are_unique_per_organisation(org):
    run("createpartner", str(org.id), "Case system")
    assert PartnerClient.objects.get().scope == Scope.FULL
    with pytest.raises(CommandError, match="already has a partner client"):
        run("createpartner", "Refugee Law Clinic", "Case system")
    other = organisation_create(name="Other")
    run("createpartner", "Other", "Case system")  # the same name in another organisation is fine
    assert PartnerClient.objects.filter(organisation=other).count() == 1
    with pytest.raises(CommandError, match="No organisation"):
        run("createpartner", "Nobody", "Case system")


def test_a_wrong_token_does_not_authenticate(org):
    run("createpartner", "Refugee Law Clinic", "Case system")
    with pytest.raises(AuthenticationFailed):
        authenticate("rs_" + "x" * 43)


# ---- revokepartner -----------------------------------------------------------------------------------------------


def test_revokepartner_by_name_stops_the_token_and_may_be_repeated(org):
    token = run("createpartner", "Refugee Law Clinic", "Case system").splitlines()[-1]
    assert authenticate(token) is not None
    out = run("revokepartner", "Refugee Law Clinic", "Case system")
    assert "Revoked" in out and token not in out
    client = PartnerClient.objects.get()
    assert client.revoked_at is not None
    with pytest.raises(AuthenticationFailed):
        authenticate(token)

    revoked_at = client.revoked_at
    assert "already revoked" in run("revokepartner", "Refugee Law Clinic", "Case system")
    assert PartnerClient.objects.get().revoked_at == revoked_at


def test_revokepartner_by_id_leaves_other_clients_alone(org):
    client, token = partner_client_create(organisation=org, name="Case system")
    _, other_token = partner_client_create(organisation=org, name="Intake form")
    run("revokepartner", "--id", str(client.id))
    with pytest.raises(AuthenticationFailed):
        authenticate(token)
    assert authenticate(other_token)[1].name == "Intake form"


def test_revokepartner_errors(org):
    partner_client_create(organisation=org, name="Case system")
    with pytest.raises(CommandError, match="no partner client named"):
        run("revokepartner", "Refugee Law Clinic", "Nothing")
    with pytest.raises(CommandError, match="No organisation"):
        run("revokepartner", "Nobody", "Case system")
    with pytest.raises(CommandError, match="No partner client with the id"):
        run("revokepartner", "--id", "00000000-0000-0000-0000-000000000000")
    with pytest.raises(CommandError, match="not a partner client id"):
        run("revokepartner", "--id", "not-a-uuid")
    with pytest.raises(CommandError, match="ORG and NAME"):
        run("revokepartner", "Refugee Law Clinic")
    with pytest.raises(CommandError, match="not both"):
        run("revokepartner", "Refugee Law Clinic", "Case system", "--id", "00000000-0000-0000-0000-000000000000")
    assert PartnerClient.objects.get().revoked_at is None
