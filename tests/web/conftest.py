"""Fixtures shared by the result-page tests: an organisation, a caseworker signed in, and the caseworker as an
actor. (A test module that defines its own fixture of the same name uses its own.)"""

import pytest

from screening import services
from screening.auth import Actor
from screening.models import Role


@pytest.fixture
def org():
    return services.organisation_create(name="Alpha Legal")


@pytest.fixture
def user(org):
    return services.user_create(organisation=org, username="amira", password="x-unused-x", role=Role.CASEWORKER)


@pytest.fixture
def member(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def actor(org, user):
    return Actor(organisation=org, user=user, role=Role.CASEWORKER)
