"""The rules' YAML is read with libyaml's C parser when PyYAML has it (rules/yamlfiles.py): it must give exactly
the documents PyYAML's pure-Python safe loader gives, for every YAML file the project ships."""

from pathlib import Path

import pytest
import yaml

from rules import yamlfiles

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(p for folder in ("rules", "fixtures", "screening") for p in (ROOT / folder).rglob("*.yaml"))


def test_there_are_files_to_compare():
    assert any(p.name == "ruleset.yaml" for p in FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_fast_loader_reads_the_same_document(path):
    text = path.read_bytes()
    assert yamlfiles.safe_load(text) == yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506


def test_the_fast_loader_is_used_when_available_and_is_safe():
    if yaml.__with_libyaml__:
        assert yamlfiles.SAFE_LOADER is yaml.CSafeLoader
    with pytest.raises(yaml.YAMLError):
        yamlfiles.safe_load("!!python/object/apply:os.system ['true']")
