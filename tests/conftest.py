from pathlib import Path

import pytest
import yaml

CASES_FILE = Path(__file__).parent / "rules" / "cases_public.yaml"


def load_public_cases() -> list[dict]:
    return yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))["cases"]


@pytest.fixture(scope="session")
def ruleset():
    from rules import load_ruleset

    return load_ruleset()
