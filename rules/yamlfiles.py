"""Reading the project's YAML data: libyaml's C parser when PyYAML was built with it (ten times faster on the
rulesets, which every process loads at start-up; the same documents, held equal by a test), else PyYAML's own."""

from __future__ import annotations

import yaml

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str | bytes):
    """yaml.safe_load with the fastest safe loader available (raises yaml.YAMLError as safe_load does)."""
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader (CSafeLoader or SafeLoader)
