"""Signing in as a browser does: POST to the sign-in page (Django's Client.login has no request, which the
lockout backend needs)."""

from __future__ import annotations

from django.test import Client

PASSWORD = "a-long-test-password"


def sign_in(client: Client, username: str, password: str = PASSWORD, *, path: str = "/accounts/login/", **extra):
    return client.post(path, {"username": username, "password": password}, **extra)


def signed_in(client: Client, username: str, password: str = PASSWORD) -> Client:
    response = sign_in(client, username, password)
    assert response.status_code == 302, response.content.decode()[:500]
    return client
