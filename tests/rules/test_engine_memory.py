"""durable's C engine under valgrind: evaluations of both ruleset versions read no uninitialised memory and make
no invalid access inside durable (reusing one state by retracting its facts did; a test worker later crashed)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

LOOP = """
import sys
sys.path.insert(0, {root!r})
from rules import load_ruleset
from rules.engine import Engine
from rules.sampling import answer_sets
for version in ("1.0.0", "1.1.0"):
    ruleset = load_ruleset("military_service/" + version)
    engine = Engine(ruleset)
    for i, answers in enumerate(answer_sets(ruleset.questionnaire, {count}, seed=7)):
        engine.run(ruleset.questionnaire.statuses(answers), answers, explain=bool(i % 2))
print("evaluated")
"""


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_durable_makes_no_memory_error_under_valgrind(tmp_path):
    log = tmp_path / "valgrind.log"
    result = subprocess.run(
        [
            "valgrind",
            "--error-limit=no",
            "--num-callers=8",
            f"--log-file={log}",
            sys.executable,
            "-c",
            LOOP.format(root=str(ROOT), count=60),
        ],
        env={**os.environ, "PYTHONMALLOC": "malloc"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "evaluated" in result.stdout
    # valgrind's error blocks are separated by blank "==pid== " lines; Python's own start-up noise is ignored.
    blocks = re.split(r"^==\d+== \n", log.read_text(), flags=re.M)
    in_durable = [b for b in blocks if "durable_rules_engine" in b and ("Invalid" in b or "uninitialised" in b)]
    assert in_durable == [], in_durable[0][:3000]
