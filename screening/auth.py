"""Who is acting: a signed-in user of an organisation, or a partner client with a token.

Partners send `Authorization: Token <token>`. Tokens are random, shown once, and stored as SHA-256 only.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from rest_framework import authentication, exceptions

from . import token_failures
from .models import Organisation, PartnerClient, Scope
from .prepared_reads import PreparedLookup

TOKEN_PREFIX = "rs_"


def token_generate() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Actor:
    """The organisation on whose behalf a request acts, and the user or client acting."""

    organisation: Organisation
    user: object | None = None
    client: PartnerClient | None = None
    ip_address: str | None = None
    role: str | None = None

    @property
    def label(self) -> str:
        if self.client is not None:
            return f"partner:{self.client.name}"
        if self.user is not None:
            return f"user:{self.user.get_username()}"
        return "system"

    @property
    def scope(self) -> str:
        return self.client.scope if self.client is not None else Scope.FULL


class PartnerPrincipal:
    """request.user for a partner client: authenticated, not a Django user."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, client: PartnerClient):
        self.client = client
        self.organisation = client.organisation

    def get_username(self) -> str:
        return f"partner:{self.client.name}"

    def __str__(self):
        return self.get_username()


# token_hash is unique: one row with its organisation, without the model's ORDER BY; compiled once per process
# (screening/prepared_reads.py: compiling it cost more CPU, on every API request, than the query takes)
_CLIENT_BY_TOKEN_HASH = PreparedLookup(
    PartnerClient,
    lambda digest: PartnerClient.objects.select_related("organisation").filter(token_hash=digest).order_by()[:1],
    ("token_hash",),
)


class PartnerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        address = client_ip(request)
        token_failures.check(address)  # 429 while this address is over its failed-attempt limit (review D12)
        if len(header) != 2:
            token_failures.record(address)
            raise exceptions.AuthenticationFailed("Invalid token header: use 'Authorization: Token <token>'.")
        try:
            token = header[1].decode("ascii")
        except UnicodeError as exc:
            token_failures.record(address)
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        client = _CLIENT_BY_TOKEN_HASH.get(token_hash(token))
        if client is None or not client.is_active:
            token_failures.record(address)
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        now = timezone.now()
        if client.is_expired(now):
            raise exceptions.AuthenticationFailed(
                f"Token expired at {client.expires_at.isoformat()}: ask the organisation for a new one."
            )
        if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 60:
            PartnerClient.objects.filter(pk=client.pk).update(last_used_at=now)  # at most once a minute
        return PartnerPrincipal(client), client

    def authenticate_header(self, request):
        return self.keyword


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address for the audit trail (review D17).

    With TRUSTED_PROXY_COUNT = 0 (the default) the direct peer (REMOTE_ADDR): X-Forwarded-For is anyone's to
    write. With N trusted proxies in front of the app, each appends the address it saw to X-Forwarded-For, so the
    Nth address from the right is the one our outermost proxy received the request from; the addresses left of
    it were written by the client and are ignored. A missing or malformed header falls back to REMOTE_ADDR."""
    remote = _valid_ip(request.META.get("REMOTE_ADDR"))
    trusted = settings.TRUSTED_PROXY_COUNT
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if trusted <= 0 or not header.strip():
        return remote
    hops = [hop.strip() for hop in header.split(",")]
    # Fewer hops than proxies: every hop was written by one of ours, so the leftmost is the furthest one seen.
    return _valid_ip(hops[-min(trusted, len(hops))]) or remote


def request_actor(request) -> Actor | None:
    """The Actor of an authenticated request (partner client or a user with a membership), else None."""
    principal = getattr(request, "user", None)
    if isinstance(principal, PartnerPrincipal):
        return Actor(organisation=principal.organisation, client=principal.client, ip_address=client_ip(request))
    if principal is not None and principal.is_authenticated:
        membership = getattr(principal, "membership", None)
        if membership is not None:
            return Actor(
                organisation=membership.organisation,
                user=principal,
                ip_address=client_ip(request),
                role=membership.role,
            )
    return None
