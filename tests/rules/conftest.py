import pytest

from tests.conftest import VERSIONS


@pytest.fixture(scope="session", params=VERSIONS, ids=[f"v{v}" for v in VERSIONS])
def ruleset(request):
    """Every rules test runs for every ruleset version in the repository."""
    from rules import load_ruleset

    return load_ruleset(f"military_service/{request.param}")
