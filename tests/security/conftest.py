"""The security tests use the API tests' partners (two organisations with tokens)."""

from tests.api.conftest import _fresh_rate_limits, make_partner, other_partner, partner  # noqa: F401
