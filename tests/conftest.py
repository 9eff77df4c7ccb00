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
