from pathlib import Path

import pytest
import yaml

CASES_DIR = Path(__file__).parent / "rules"
# Every ruleset version in the repository, with its public example cases (the shared spec's cases-public.yaml of
# that version, copied here): the cases of a version are tests of that version.
VERSIONS = ("1.0.0", "1.1.0")
ACTIVE_VERSION = "1.1.0"


def load_public_cases(version: str = ACTIVE_VERSION) -> list[dict]:
    return yaml.safe_load((CASES_DIR / f"cases_public_{version}.yaml").read_text(encoding="utf-8"))["cases"]


@pytest.fixture(scope="session")
def ruleset():
    from rules import load_ruleset

    return load_ruleset()


@pytest.fixture(autouse=True)
def _force_login_includes_the_second_factor(monkeypatch):
    """`Client.force_login` means "fully signed in" (it skips the password): it also verifies the session with a
    second factor for users who have or need one, through a real confirmed TOTP device (screening/web/
    two_factor.py). Tests of the sign-in itself POST to the sign-in page instead (tests/security/accounts.py)."""
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        from tests.security.accounts import verify_second_factor

        verify_second_factor(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)
