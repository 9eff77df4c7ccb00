"""manage.py screen: JSON Lines in, one result line per input line out, in order; error lines; exit status."""

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from rules import evaluate, load_ruleset
from screening.management.commands import screen as screen_command
from screening.services import country_profiles_load
from tests.conftest import load_public_cases

CASES = load_public_cases()
SENTINEL = "SENTINEL-answer-Zq9"  # an answer value that must never be echoed outside the output lines


def jsonl(records) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def public_records():
    return [{"id": case["id"], "answers": case["answers"]} for case in CASES]


def run(tmp_path, text: str, *args, name="input.jsonl", stderr=None):
    """Run the command on `text`; returns (output lines as dicts, raw output, exit status)."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    try:
        call_command("screen", str(path), *args, stdout=out, stderr=stderr or io.StringIO())
        status = 0
    except CommandError as exc:
        status = exc.returncode
    raw = out.getvalue()
    return [json.loads(line) for line in raw.splitlines()], raw, status


def summary(answers, **kwargs) -> dict:
    """The default output of a valid line, less its id: as_dict(detail=False) without the citations."""
    out = evaluate(answers, **kwargs).as_dict(detail=False)
    for outcome in out["outcomes"]:
        del outcome["citations"]
    return out


def without_coi(answers: dict) -> dict:
    return {k: v for k, v in answers.items() if not k.startswith("coi_")}


@pytest.fixture(scope="module")
def public_run(tmp_path_factory):
    return run(tmp_path_factory.mktemp("public"), jsonl(public_records()))


def test_every_public_case_gives_its_expected_outcomes(public_run):
    lines, _, status = public_run
    assert status == 0
    assert [line["id"] for line in lines] == [case["id"] for case in CASES]  # input order
    for case, line in zip(CASES, lines, strict=True):
        strengths = {o["id"]: o["strength"] for o in line["outcomes"]}
        assert sorted(strengths) == sorted(case["expected"]["present"]), case["id"]
        expected = case["expected"].get("strength", {})
        assert {k: strengths[k] for k in expected if k in strengths} == expected, case["id"]
        missing = {o["id"]: o["missing_questions"] for o in line["outcomes"]}
        expected_missing = case["expected"].get("missing_questions", {})
        assert {k: missing[k] for k in expected_missing if k in missing} == expected_missing, case["id"]


def test_a_result_line_is_exactly_the_summary_assessment_with_the_id_first(public_run):
    lines, raw, _ = public_run
    ruleset = load_ruleset(settings.SCREENING["RULESET"])
    for case, line in zip(CASES, lines, strict=True):
        assert line == {"id": case["id"], **summary(case["answers"], ruleset=ruleset)}
        assert list(line) == ["id", "ruleset", "outcomes", "unanswered"]
        assert all(list(o) == ["id", "category", "strength", "missing_questions", "rules"] for o in line["outcomes"])
    assert lines[0]["ruleset"] == {"version": ruleset.version, "sha256": ruleset.sha256}
    assert raw.count("\n") == len(CASES)


def test_citations_by_reference_and_detail_gives_the_former_shape(tmp_path):
    """--citations writes each outcome's citations once; a default line plus that table is exactly the --detail
    line (the shape before citations by reference: as_dict(detail=False) with the id first)."""
    text = jsonl([*public_records(), "nope"])
    table_path = tmp_path / "citations.json"
    lines, _, status = run(tmp_path, text, "--citations", str(table_path))
    detailed, _, status_detail = run(tmp_path, text, "--detail")
    _, _, status_two = run(tmp_path, text, "--detail", "--workers", "2")
    assert status == status_detail == status_two == 1
    table = json.loads(table_path.read_text())
    ruleset = load_ruleset(settings.SCREENING["RULESET"])
    assert table["ruleset"] == {"version": ruleset.version, "sha256": ruleset.sha256}
    assert sorted(table["citations"]) == sorted(ruleset.outcomes)
    for case, line, full in zip(CASES, lines, detailed, strict=False):
        assert full == {"id": case["id"], **evaluate(case["answers"], ruleset=ruleset).as_dict(detail=False)}
        rebuilt = {
            **line,
            "outcomes": [
                {
                    **{k: v for k, v in o.items() if k != "rules"},
                    "citations": table["citations"][o["id"]],
                    "rules": o["rules"],
                }
                for o in line["outcomes"]
            ],
        }
        assert rebuilt == full and [list(o) for o in rebuilt["outcomes"]] == [list(o) for o in full["outcomes"]]
    assert lines[-1] == detailed[-1]  # error lines are the same either way
    with pytest.raises(CommandError) as exc:
        call_command("screen", str(tmp_path / "input.jsonl"), "--citations", str(tmp_path / "input.jsonl"))
    assert exc.value.returncode == 2


def test_ids_outside_ascii_are_written_back_as_read(tmp_path):
    record = public_records()[0]
    text = jsonl([{**record, "id": "Заявка-é"}, '{"id": "lone-\\ud800", "answers": {}}'])
    lines, raw, status = run(tmp_path, text)
    assert status == 0
    assert [line["id"] for line in lines] == ["Заявка-é", "lone-\ud800"]
    assert "Заявка-é" in raw  # UTF-8, not escaped (orjson); the lone surrogate stays escaped


def test_a_long_running_screener_trims_the_allocator(monkeypatch):
    trim = screen_command._malloc_trim()
    assert trim is not None and trim() in (0, 1)  # glibc here: malloc_trim(0) returns 1 if memory was released
    calls = []
    monkeypatch.setattr(screen_command, "_malloc_trim", lambda: lambda: calls.append(1))
    screener = screen_command.Screener(settings.SCREENING["RULESET"], None, False, trim_every=3)
    line = json.dumps(public_records()[0]).encode()
    for _ in range(4):
        screener.screen_chunk([(1, line), (2, line)])
    assert len(calls) == 2  # after 4 and 8 lines


def test_output_order_is_input_order(tmp_path):
    records = list(reversed(public_records()))
    lines, _, status = run(tmp_path, jsonl(records))
    assert status == 0
    assert [line["id"] for line in lines] == [r["id"] for r in records]


def test_invalid_lines_give_error_lines_and_the_rest_is_still_screened(tmp_path):
    good = public_records()[:2]
    text = jsonl(
        [
            good[0],
            '{"id": "broken", "answers": ',  # line 2: bad JSON
            {"id": "unknown-q", "answers": {"no_such_question": True}},  # 3
            {"id": "wrong-type", "answers": {"age": "nineteen"}},  # 4
            "[1, 2]",  # 5: not an object
            {"answers": {}},  # 6: no id
            {"id": "no-answers"},  # 7
            {"id": "list-answers", "answers": []},  # 8
            {"id": "extra-key", "answer": {}, "answers": {}},  # 9
            good[1],  # 10
        ]
    )
    lines, _, status = run(tmp_path, text)
    assert status == 1
    assert len(lines) == 10
    assert lines[0] == {"id": good[0]["id"], **summary(good[0]["answers"])}
    assert lines[9] == {"id": good[1]["id"], **summary(good[1]["answers"])}

    def codes(line):
        return [(e["question"], e["code"]) for e in line["errors"]]

    errors = {line["line"]: line for line in lines[1:9]}
    assert list(errors) == [2, 3, 4, 5, 6, 7, 8, 9]
    assert errors[2]["id"] is None and codes(errors[2]) == [(None, "invalid_json")]
    assert errors[3]["id"] == "unknown-q" and codes(errors[3]) == [("no_such_question", "unknown_question")]
    assert errors[4]["id"] == "wrong-type" and codes(errors[4]) == [("age", "invalid_type")]
    assert errors[5]["id"] is None and codes(errors[5]) == [(None, "invalid_line")]
    assert errors[6]["id"] is None and codes(errors[6]) == [(None, "invalid_id")]
    assert errors[7]["id"] == "no-answers" and codes(errors[7]) == [(None, "invalid_line")]
    assert errors[8]["id"] == "list-answers" and codes(errors[8]) == [(None, "not_an_object")]
    assert codes(errors[9]) == [(None, "invalid_line")] and "'answer'" in errors[9]["errors"][0]["message"]
    for line in errors.values():
        assert list(line) == ["id", "line", "errors"]
        assert all(set(e) == {"question", "code", "message"} and e["message"] for e in line["errors"])


def test_an_invalid_line_reports_every_problem_at_once(tmp_path):
    lines, _, status = run(tmp_path, jsonl([{"id": 7, "answers": {"age": -1, "nope": 1}}]))
    assert status == 1
    assert lines[0]["id"] is None
    assert [e["code"] for e in lines[0]["errors"]] == ["invalid_id", "out_of_range", "unknown_question"]


def test_blank_lines_are_ignored_and_line_numbers_count_them(tmp_path):
    record = public_records()[0]
    lines, _, status = run(tmp_path, "\n" + json.dumps(record) + "\n   \n\n{oops\n")
    assert status == 1
    assert [line["id"] for line in lines] == [record["id"], None]
    assert lines[1]["line"] == 5


def test_undecodable_bytes_and_a_byte_order_mark(tmp_path):
    record = json.dumps(public_records()[0]).encode()
    path = tmp_path / "input.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + record + b"\n" + b'{"id": "\xff"}\n')
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("screen", str(path), stdout=out, stderr=io.StringIO())
    assert exc.value.returncode == 1
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[0]["id"] == public_records()[0]["id"] and "outcomes" in lines[0]
    assert lines[1]["id"] is None and lines[1]["line"] == 2
    assert [e["code"] for e in lines[1]["errors"]] == ["invalid_encoding"]


def test_all_valid_exits_0_and_any_invalid_exits_1(tmp_path):
    assert run(tmp_path, jsonl(public_records()[:3]))[2] == 0
    assert run(tmp_path, jsonl([*public_records()[:3], "nope"]))[2] == 1
    assert run(tmp_path, "")[2] == 0  # nothing to screen is not an error


def test_unusable_invocations_exit_2(tmp_path):
    with pytest.raises(CommandError) as exc:
        call_command("screen", str(tmp_path / "missing.jsonl"), stdout=io.StringIO())
    assert exc.value.returncode == 2
    path = tmp_path / "in.jsonl"
    path.write_text(jsonl(public_records()[:1]))
    with pytest.raises(CommandError) as exc:
        call_command("screen", str(path), "--workers", "0", stdout=io.StringIO())
    assert exc.value.returncode == 2
    with pytest.raises(CommandError) as exc:
        call_command("screen", str(path), "--output", str(path), stdout=io.StringIO())
    assert exc.value.returncode == 2
    assert path.read_text() == jsonl(public_records()[:1])  # the input was not overwritten


def test_output_file(tmp_path):
    text = jsonl([*public_records()[:3], "nope"])
    _, expected, _ = run(tmp_path, text)
    target = tmp_path / "out.jsonl"
    lines, stdout, status = run(tmp_path, text, "--output", str(target))
    assert status == 1 and stdout == ""  # the results go to the file, all of them, even with invalid lines
    assert target.read_text(encoding="utf-8") == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input.jsonl", "out.jsonl"]  # no temporary file left


def test_stdin(tmp_path, monkeypatch):
    text = jsonl(public_records()[:4])
    _, expected, _ = run(tmp_path, text)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8"))
    out = io.StringIO()
    call_command("screen", "-", stdout=out)
    assert out.getvalue() == expected


def test_manage_py_screen_reads_stdin_and_sets_the_exit_status(tmp_path):
    text = jsonl(public_records())
    _, expected, _ = run(tmp_path, text)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    command = [sys.executable, "manage.py", "screen", "-"]
    done = subprocess.run(
        command, input=text.encode(), capture_output=True, cwd=settings.BASE_DIR, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode() == expected
    assert done.stderr == b""  # no progress bar when stderr is not a terminal

    text += json.dumps({"id": "bad", "answers": {"military_situation": SENTINEL}}) + "\n"
    done = subprocess.run(
        command, input=text.encode(), capture_output=True, cwd=settings.BASE_DIR, env=env, timeout=120
    )
    assert done.returncode == 1
    assert done.stdout.decode().startswith(expected)
    assert json.loads(done.stdout.decode().splitlines()[-1])["errors"][0]["code"] == "unknown_option"
    assert f"1 of {len(public_records()) + 1} lines were invalid".encode() in done.stderr
    assert SENTINEL.encode() not in done.stderr + done.stdout


def test_workers_give_byte_identical_output(tmp_path, monkeypatch):
    records = public_records()
    mixed = [*records, "{bad", {"id": "x", "answers": {"age": "x"}}, *reversed(records)]
    text = jsonl(mixed) + "\n\n"
    _, one, status_one = run(tmp_path, text)
    monkeypatch.setattr(screen_command, "CHUNK_SIZE", 7)  # many chunks, several in flight per worker
    _, two, status_two = run(tmp_path, text, "--workers", "2")
    assert status_one == status_two == 1
    assert two == one
    assert len(two.splitlines()) == len(mixed)


def test_manage_py_screen_forks_its_workers_and_they_give_the_same_output(tmp_path):
    """In its own process the command has never registered the ruleset with durable: its workers are forked."""
    records = public_records()
    text = jsonl([*records, "{bad", *reversed(records)])
    _, expected, _ = run(tmp_path, text)
    source = tmp_path / "forked.jsonl"
    source.write_text(text)
    code = (
        "import sys, django; django.setup()\n"
        "from screening.management.commands import screen\n"
        "chosen = []\n"
        "real = screen._worker_context\n"
        "screen._worker_context = lambda name: chosen.append(real(name).get_start_method()) or real(name)\n"
        "from django.core.management import call_command\n"
        "from django.core.management.base import CommandError\n"
        "try:\n"
        f"    call_command('screen', {str(source)!r}, '--workers', '2', stdout=sys.stdout)\n"
        "except CommandError as exc:\n"
        "    print('status', exc.returncode, chosen, file=sys.stderr)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, cwd=settings.BASE_DIR, env=env, timeout=120
    )
    assert done.stderr.decode().strip() == "status 1 ['fork']", done.stderr.decode()
    assert done.stdout.decode() == expected


def test_workers_are_spawned_once_durable_holds_a_ruleset_in_this_process():
    evaluate(CASES[0]["answers"])  # registers the ruleset with durable's C engine in this process
    assert screen_command._worker_context(settings.SCREENING["RULESET"]).get_start_method() == "spawn"


def test_answer_values_are_never_echoed(tmp_path):
    records = [
        {"id": "valid", "answers": {"ethnic_minority": True, "ethnic_group_name": SENTINEL}},
        {"id": "not-applicable", "answers": {"ethnic_minority": False, "ethnic_group_name": SENTINEL}},
        {"id": "unknown-option", "answers": {"military_situation": SENTINEL}},
        {"id": "wrong-type", "answers": {"age": SENTINEL}},
        '{"id": "bad-json", "answers": {"age": ' + SENTINEL,
    ]
    stderr = TTY()
    lines, raw, status = run(tmp_path, jsonl(records), stderr=stderr)
    assert status == 1
    assert "outcomes" in lines[0]
    assert [e["code"] for line in lines[1:] for e in line["errors"]] == [
        "not_applicable",
        "unknown_option",
        "invalid_type",
        "invalid_json",
    ]
    assert SENTINEL not in raw
    assert SENTINEL not in stderr.getvalue()


class TTY(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal(tmp_path):
    text = jsonl([*public_records()[:3], "nope"])
    tty = TTY()
    run(tmp_path, text, stderr=tty)
    assert re.search(r"\r  4 lines, 1 invalid, \d+/s\n\Z", tty.getvalue())
    quiet = io.StringIO()
    run(tmp_path, text, stderr=quiet)
    assert quiet.getvalue() == ""


@pytest.mark.django_db
def test_apply_country_profile_fills_missing_coi_answers_only_when_asked(tmp_path):
    country_profiles_load()
    case = next(c for c in CASES if c["answers"].get("country_of_origin") == "RU")
    answers = without_coi(case["answers"])
    assert answers != case["answers"]
    text = jsonl([{"id": "no-coi", "answers": answers}, {"id": "full", "answers": case["answers"]}])

    default, _, _ = run(tmp_path, text)
    applied, _, _ = run(tmp_path, text, "--apply-country-profile")
    applied_two, _, _ = run(tmp_path, text, "--apply-country-profile", "--workers", "2")
    plain = summary(answers)
    assert default[0] == {"id": "no-coi", **plain}  # the default: an answer set always means the same thing
    assert applied[0] != default[0]
    assert applied_two == applied

    def strengths(line):
        return {o["id"]: o["strength"] for o in line["outcomes"]}

    assert "needs_information" in strengths(default[0]).values()
    # The defaults answer COI questions that were missing: fewer outcomes wait for information.
    assert set(applied[0]["unanswered"]) < set(default[0]["unanswered"])
    waiting = [o for o, s in strengths(applied[0]).items() if s == "needs_information"]
    assert len(waiting) < list(strengths(default[0]).values()).count("needs_information")


@pytest.mark.django_db
def test_apply_country_profile_without_profiles_warns_and_changes_nothing(tmp_path):
    case = next(c for c in CASES if c["answers"].get("country_of_origin") == "RU")
    text = jsonl([{"id": "no-coi", "answers": without_coi(case["answers"])}])
    default, _, _ = run(tmp_path, text)
    stderr = io.StringIO()
    applied, _, _ = run(tmp_path, text, "--apply-country-profile", stderr=stderr)
    assert applied == default
    assert "loadprofiles" in stderr.getvalue()


def test_the_worker_module_imports_without_django_settings():
    """A spawned worker imports this module before Django is set up."""
    code = "import screening.management.commands.screen as s; print(s.Screener.__name__)"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, cwd=Path(settings.BASE_DIR), env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode()


def test_no_progress_bar_when_the_results_go_to_the_terminal_too(tmp_path):
    path = tmp_path / "input.jsonl"
    path.write_text(jsonl(public_records()[:2]))
    stdout, stderr = TTY(), TTY()
    call_command("screen", str(path), stdout=stdout, stderr=stderr)
    assert stderr.getvalue() == "" and len(stdout.getvalue().splitlines()) == 2
    call_command("screen", str(path), "--output", str(tmp_path / "out.jsonl"), stdout=stdout, stderr=stderr)
    assert "2 lines, 0 invalid" in stderr.getvalue()
