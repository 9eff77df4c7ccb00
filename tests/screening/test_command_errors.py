"""The app's commands fail with one line on stderr, never a traceback (review D20): closed stdin, a reader that goes
away (`| head -1`, with and without workers), the database down, production settings without their keys. Exit
status 2 means "could not run" (README, Batch screening); a vanished reader ends the command quietly."""

from __future__ import annotations

import io
import json
import os
import secrets
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parent.parent.parent
UNREACHABLE_DATABASES = {
    "postgresql": "postgres://postgres@127.0.0.1:1/refuge_nowhere",  # nothing listens on port 1
    "sqlite": "sqlite:////nonexistent-directory/refuge.sqlite3",
}
LINE = {"id": "x", "answers": {"country_of_origin": "RU", "military_situation": "summoned_did_not_report", "age": 19}}


def manage(*args: str, env: dict | None = None, shell_suffix: str = "", timeout: int = 180):
    """Run `python manage.py ARGS` (through the shell when a redirection or pipe is given)."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **(env or {})}
    command = [sys.executable, "manage.py", *args]
    if shell_suffix:
        command = " ".join(f"'{part}'" for part in command) + " " + shell_suffix
    return subprocess.run(
        command, shell=bool(shell_suffix), cwd=ROOT, env=environment, capture_output=True, text=True, timeout=timeout
    )


def assert_one_line(stderr: str, starts: str) -> None:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if not line.startswith("Warning:")]
    assert len(lines) == 1 and lines[0].startswith(starts), stderr


def test_screen_from_a_closed_stdin():
    done = manage("screen", "-", shell_suffix="0<&-")
    assert done.returncode == 2
    assert_one_line(done.stderr, "CommandError: cannot read standard input: it is closed.")


def test_screen_from_a_closed_stdin_in_process(monkeypatch):
    monkeypatch.setattr(sys, "stdin", None)
    with pytest.raises(CommandError, match="standard input") as excinfo:
        call_command("screen", "-", stdout=io.StringIO())
    assert excinfo.value.returncode == 2


@pytest.mark.parametrize("workers", ["1", "2"])
def test_screen_into_head_ends_quietly(tmp_path, workers):
    """`| head -1` closes the pipe long before 3,000 result lines (about 1 MB, far more than a pipe holds) are
    written: the command stops without a traceback, with the status a shell reports for SIGPIPE, and its worker
    processes are gone."""
    source = tmp_path / "many.jsonl"
    source.write_text("".join(json.dumps({**LINE, "id": f"x{i}"}) + "\n" for i in range(3000)))
    script = tmp_path / "pipe.sh"
    script.write_text(
        f"'{sys.executable}' manage.py screen '{source}' --workers {workers} 2>'{tmp_path}/err' | head -1\n"
        'echo "status=${PIPESTATUS[0]}"\n'
    )
    token = uuid.uuid4().hex  # in the environment the command's worker processes inherit
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "REFUGE_PIPE_TEST": token}
    done = subprocess.run(["bash", str(script)], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)
    first, status = done.stdout.splitlines()
    assert json.loads(first)["id"] == "x0"
    assert status == "status=141"
    assert (tmp_path / "err").read_text() == ""  # nothing at all on stderr
    # no worker process left behind (multiprocessing's resource tracker may take a moment to notice the end)
    deadline = time.monotonic() + 10
    while (left := processes_with(f"REFUGE_PIPE_TEST={token}")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left == []


def processes_with(marker: str) -> list[str]:
    """The command lines of the running processes whose environment holds `marker`."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker.encode() in environ.read_bytes():
                found.append((environ.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:200])
        except OSError:
            continue  # gone, or not ours to read
    return found


@pytest.mark.parametrize(
    "database, args",
    [
        ("postgresql", ["purge_screenings", "--older-than", "30"]),
        ("postgresql", ["createpartner", "Org", "Client"]),
        ("postgresql", ["revokepartner", "Org", "Client"]),
        ("postgresql", ["screen", "{input}", "--apply-country-profile"]),
        ("postgresql", ["rotate_keys"]),
        ("sqlite", ["purge_screenings", "--older-than", "30"]),
    ],
    ids=lambda value: value if isinstance(value, str) else "-".join(a for a in value if a[0] not in "{0123456789"),
)
def test_database_down_is_one_line_and_status_2(tmp_path, database, args):
    source = tmp_path / "one.jsonl"
    source.write_text(json.dumps(LINE) + "\n")
    args = [str(source) if arg == "{input}" else arg for arg in args]
    done = manage(*args, env={"DATABASE_URL": UNREACHABLE_DATABASES[database]})
    assert done.returncode == 2, done.stderr
    assert_one_line(done.stderr, "CommandError: could not reach the database (OperationalError")
    assert done.stdout.count("\n") <= 1  # at most rotate_keys' first line


def test_production_settings_without_keys_are_one_line():
    environment = {"DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": secrets.token_urlsafe(50)}
    done = subprocess.run(
        [sys.executable, "manage.py", "rotate_keys"],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if k != "FIELD_ENCRYPTION_KEYS"}, **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert_one_line(done.stderr, "ImproperlyConfigured: FIELD_ENCRYPTION_KEYS must be set in production")
