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


def verify_second_factor(client: Client, user, *, always: bool = False):
    """Mark the client's session as verified by the user's TOTP device (made and confirmed if missing), as
    django_otp.login does after a right code, when the user has or needs a second factor (or `always`)."""
    from django_otp import DEVICE_ID_SESSION_KEY, user_has_device

    from screening.web import two_factor

    if not (always or two_factor.two_factor_required(user) or user_has_device(user)):
        return None
    device = two_factor.app_device(user) or user.totpdevice_set.create(name="test app", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
