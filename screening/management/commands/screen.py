"""manage.py screen: evaluate a JSON Lines file of answer sets, one result line per input line, in input order.

Input:  one {"id": "...", "answers": {...}} per line (blank lines are ignored); a path, or `-` for stdin.
Output: per valid line  {"id", "ruleset", "outcomes", "unanswered"}: rules.evaluate(answers).as_dict(detail=False)
        without each outcome's "citations" (the same for every line of a ruleset version: `--citations FILE`
        writes them once, as {"ruleset", "citations": {outcome id: [...]}}); with `--detail`, exactly
        as_dict(detail=False), citations included (the shape before citations by reference)
        per invalid line {"id": <id or null>, "line": <line number>, "errors": [{question, code, message}, ...]}
Exit:   0 every line was valid; 1 at least one line was invalid (CommandError with returncode 1, raised after
        every line has been written); 2 the command could not run (unreadable input, broken ruleset, bad option).

Answers are special-category data: no answer value is ever logged or printed, except in the output lines.
With --workers N > 1 the lines are screened by N worker processes, each with its own durable state. They are
forked from the command's process when that is safe: it has loaded and compiled the ruleset in Python but never
registered it with durable_rules' C engine, runs no other thread and has closed its database connections, so a
worker starts at once with the ruleset in hand (a spawned one imports Django and loads the ruleset again: 1.4 s of
start-up). Otherwise (as in a test process that has evaluated before) they are "spawn" processes. A screener can
hand freed memory back to the system every TRIM_EVERY lines (glibc malloc_trim); off, as measured (README).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import multiprocessing
import os
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from django.conf import settings
from django.core.management.base import CommandError

from screening.management.command_base import AppCommand

CHUNK_SIZE = 1000  # lines per task sent to a worker process (fewer, larger messages between processes)
LOCAL_CHUNK_SIZE = 64  # lines per step without workers (keeps the progress bar lively)
TASKS_PER_WORKER = 2  # chunks in flight per worker: bounds memory whatever the input size
FRAGMENTS_MAX = 4096  # encoded outcomes kept per screener (about 1,500 distinct in 10,000 generated lines)
# Lines between malloc_trim(0) calls in a screener (0: never). Off: over 100,000 lines the RSS ends the same
# with or without it (116.6 MiB both, `make bench`); a trim only lowered the RSS for a while after it.
TRIM_EVERY = 0
ID_MAX_LENGTH = 200
PROGRESS_INTERVAL = 0.1  # seconds between progress bar updates


class LineCode:
    """Machine codes of line-level problems (answer problems use rules.ErrorCode). Never rename one."""

    INVALID_ENCODING = "invalid_encoding"
    INVALID_JSON = "invalid_json"
    INVALID_LINE = "invalid_line"
    INVALID_ID = "invalid_id"
    EVALUATION_FAILED = "evaluation_failed"


def _problem(code: str, message: str) -> dict:
    return {"question": None, "code": code, "message": message}


def _dumps(obj: Any) -> bytes:
    """One output line: compact JSON, UTF-8 (orjson)."""
    try:
        return orjson.dumps(obj) + b"\n"
    except orjson.JSONEncodeError:  # a lone surrogate in an id the json module read: escaped, as before orjson
        return json.dumps(obj, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"


def _malloc_trim():
    """glibc's malloc_trim(0), or None elsewhere: returns the allocator's free pages to the system (durable's
    per-evaluation allocations leave free chunks that glibc would otherwise keep)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return lambda: trim(0)


def citation_table(ruleset) -> dict:
    """What `--citations FILE` writes: every outcome's citations, once per ruleset version."""
    return {
        "ruleset": {"version": ruleset.version, "sha256": ruleset.sha256},
        "citations": {oid: list(outcome.citation_dicts) for oid, outcome in sorted(ruleset.outcomes.items())},
    }


class Screener:
    """Screens input lines with one ruleset. Pure rules/ code: runs in the command's process or in a worker."""

    def __init__(
        self,
        ruleset_name: str,
        profiles: Mapping[str, Mapping] | None,
        apply_profiles: bool,
        detail: bool = False,
        trim_every: int = TRIM_EVERY,
    ):
        from rules import load_ruleset

        self.ruleset = load_ruleset(ruleset_name)
        self.profiles = profiles or {}
        self.apply_profiles = apply_profiles
        self.detail = detail
        self._ruleset_json = b',"ruleset":' + orjson.dumps(
            {"version": self.ruleset.version, "sha256": self.ruleset.sha256}
        )
        self._fragments: dict[tuple, bytes] = {}
        self._trim = _malloc_trim() if trim_every else None
        self._trim_every = trim_every
        self._since_trim = 0

    def screen_chunk(self, chunk: list[tuple[int, bytes | str]]) -> tuple[bytes, int, int]:
        """(output of the chunk's lines, UTF-8, number of lines, number of invalid lines)."""
        out: list[bytes] = []
        invalid = 0
        for line_no, raw in chunk:
            text, ok = self.screen_line(line_no, raw)
            out.append(text)
            invalid += not ok
        self._since_trim += len(chunk)
        if self._trim is not None and self._since_trim >= self._trim_every:
            self._since_trim = 0
            self._trim()
        return b"".join(out), len(chunk), invalid

    def screen_line(self, line_no: int, raw: bytes | str) -> tuple[bytes, bool]:
        """(the output line with its newline, UTF-8; whether the input line was valid)."""
        from rules import InvalidAnswers, evaluate, validate

        def invalid(record_id, problems):
            return _dumps({"id": record_id, "line": line_no, "errors": problems}), False

        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError:
            # orjson is stricter than the json module (NaN, huge integers, lone surrogates, a BOM): the json
            # module decides, and names the problem.
            record = _loads_strictly_as_before(raw, line_no)
            if isinstance(record, _LineProblem):
                return invalid(None, [_problem(record.code, record.message)])
        if not isinstance(record, dict):
            message = 'Each line must be a JSON object {"id": "...", "answers": {...}}.'
            return invalid(None, [_problem(LineCode.INVALID_LINE, message)])

        problems: list[dict] = []
        record_id = record.get("id")
        if not isinstance(record_id, str) or not record_id.strip() or len(record_id) > ID_MAX_LENGTH:
            record_id = None
            problems.append(
                _problem(LineCode.INVALID_ID, f'"id" must be a non-empty string of at most {ID_MAX_LENGTH} characters.')
            )
        for key in sorted(k for k in record if k not in ("id", "answers")):
            problems.append(_problem(LineCode.INVALID_LINE, f'Unexpected key {key[:50]!r}: only "id" and "answers".'))
        if "answers" not in record:
            problems.append(_problem(LineCode.INVALID_LINE, 'The line has no "answers" object.'))
            return invalid(record_id, problems)
        answers = record["answers"]
        if problems:  # report the answers' problems too, all at once
            problems += [e.as_dict() for e in validate(answers, ruleset=self.ruleset)]
            return invalid(record_id, problems)

        profile = None
        if self.apply_profiles and isinstance(answers, dict):
            country = answers.get("country_of_origin")
            profile = self.profiles.get(country) if isinstance(country, str) else None
        try:
            assessment = evaluate(
                answers,
                ruleset=self.ruleset,
                country_profile=profile,
                apply_country_profile_defaults=self.apply_profiles,
                explain=False,  # the batch output carries no reasons
            )
        except InvalidAnswers as exc:
            return invalid(record_id, [e.as_dict() for e in exc.errors])
        except Exception as exc:  # an engine bug: report the line, never its answers, and carry on
            message = f"The rules engine failed on this line ({type(exc).__name__}); please report it."
            return invalid(record_id, [_problem(LineCode.EVALUATION_FAILED, message)])
        if self.detail:
            return _dumps({"id": record_id, **assessment.as_dict(detail=False)}), True
        try:
            head = b'{"id":' + orjson.dumps(record_id)
        except orjson.JSONEncodeError:  # a lone surrogate in the id: the slow path escapes it
            return _dumps({"id": record_id, **assessment.as_dict(detail=False, citations=False)}), True
        fragments = self._fragments
        parts = []
        for o in assessment.outcomes:
            # An outcome's JSON depends on these alone (lean results are shared): encoded once, reused.
            key = (o.id, o.strength, o.missing_questions, o.rules)
            text = fragments.get(key)
            if text is None:
                if len(fragments) >= FRAGMENTS_MAX:
                    fragments.clear()
                text = fragments[key] = orjson.dumps(o.as_dict(detail=False, citations=False))
            parts.append(text)
        unanswered = orjson.dumps(assessment.unanswered)
        return b"".join(
            (head, self._ruleset_json, b',"outcomes":[', b",".join(parts), b'],"unanswered":', unanswered, b"}\n")
        ), True


@dataclass
class _LineProblem:
    code: str
    message: str


def _loads_strictly_as_before(raw: bytes | str, line_no: int) -> Any:
    """The line read by the json module (what the command used before orjson), or the problem with it."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _LineProblem(LineCode.INVALID_ENCODING, "The line is not valid UTF-8.")
    if line_no == 1:
        raw = raw.removeprefix("\ufeff")
    try:
        return json.loads(raw)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        where = f" ({exc.msg}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        return _LineProblem(LineCode.INVALID_JSON, f"The line is not valid JSON{where}.")
    except RecursionError:
        return _LineProblem(LineCode.INVALID_JSON, "The line is nested too deeply.")


# The worker side of --workers N: one Screener per worker process, set up by the pool's initializer.
_WORKER_SCREENER: Screener | None = None


def _init_worker(ruleset_name: str, profiles: Mapping[str, Mapping], apply_profiles: bool, detail: bool) -> None:
    global _WORKER_SCREENER
    _WORKER_SCREENER = Screener(ruleset_name, profiles, apply_profiles, detail)


def _screen_chunk(chunk: list[tuple[int, bytes]]) -> tuple[bytes, int, int]:
    assert _WORKER_SCREENER is not None, "worker not initialised"
    return _WORKER_SCREENER.screen_chunk(chunk)


def _worker_context(ruleset_name: str):
    """Fork when no durable state, thread or database connection could be copied into a worker; else spawn.
    Before a fork it closes this process's database connections and compiles the ruleset's engine in Python, so
    the workers inherit it (each registers it with durable itself, on its first line)."""
    import threading

    from django.db import connections

    from rules import load_ruleset
    from rules.engine import durable_in_use, engine_for

    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1 or durable_in_use():
        return multiprocessing.get_context("spawn")
    connections.close_all()  # the workers never use the database; a copied connection would be shared
    engine_for(load_ruleset(ruleset_name))  # compiled in Python here, once; registered with durable in each worker
    return multiprocessing.get_context("fork")


def _chunks(lines: Iterable[bytes | str], size: int) -> Iterator[list[tuple[int, bytes | str]]]:
    """Numbered non-blank lines in lists of `size` (line numbers count blank lines too)."""
    chunk: list[tuple[int, bytes | str]] = []
    for line_no, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        chunk.append((line_no, raw))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Progress:
    """'\\r  1234 lines, 56 invalid, 789/s' on stderr, at most every PROGRESS_INTERVAL; only on a terminal."""

    def __init__(self, stream, enabled: bool):
        self.stream = stream
        self.enabled = enabled
        self.started = self.shown = time.monotonic()
        self.lines = self.invalid = 0

    def add(self, lines: int, invalid: int) -> None:
        self.lines += lines
        self.invalid += invalid
        if self.enabled and time.monotonic() - self.shown >= PROGRESS_INTERVAL:
            self._show()

    def _show(self, ending: str = "") -> None:
        now = self.shown = time.monotonic()
        rate = self.lines / max(now - self.started, 1e-6)
        text = f"\r  {self.lines} lines, {self.invalid} invalid, {rate:.0f}/s"
        self.stream.write(text, style_func=lambda s: s, ending=ending)
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self._show(ending="\n")


@dataclass
class _Job:
    workers: int
    ruleset_name: str
    apply_profiles: bool = False
    profiles: dict[str, dict] = field(default_factory=dict)  # {country code: profile values}
    detail: bool = False


class Command(AppCommand):
    # The system checks import every URL and view and load the ruleset: 1.1 s of a 10,000-line run. This command
    # serves no URL, stores nothing (no encryption key is used) and loads and checks the ruleset itself (exit 2).
    requires_system_checks: list = []
    help = (
        'Screen a JSON Lines file of answer sets ({"id", "answers"} per line; \'-\' for stdin). Writes one JSON '
        "line per input line, in input order. Exit status 0 when every line was valid, 1 when any line was "
        "invalid, 2 when the command could not run."
    )

    def add_arguments(self, parser):
        parser.add_argument("input", help="JSON Lines file, or - for stdin")
        parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1: no workers)")
        parser.add_argument(
            "--apply-country-profile",
            action="store_true",
            help="fill unanswered applicable COI questions from the country_of_origin's profile (default: off)",
        )
        parser.add_argument("--output", help="write the results to this file instead of stdout")
        parser.add_argument(
            "--citations",
            metavar="FILE",
            help="write the ruleset's citation table (every outcome's citations, once) to this file",
        )
        parser.add_argument(
            "--detail",
            action="store_true",
            help="repeat each outcome's citations in every line (the output shape before citations by reference)",
        )

    def handle(self, *args, **options):
        from rules import RulesetError, load_ruleset

        job = _Job(workers=options["workers"], ruleset_name=settings.SCREENING["RULESET"], detail=options["detail"])
        if job.workers < 1:
            raise CommandError("--workers must be at least 1.", returncode=2)
        try:
            ruleset = load_ruleset(job.ruleset_name)
        except RulesetError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if options["citations"]:
            path = Path(options["citations"])
            if options["input"] != "-" and _same_file(options["input"], path):
                raise CommandError("--citations must not be the input file.", returncode=2)
            try:
                path.write_bytes(orjson.dumps(citation_table(ruleset), option=orjson.OPT_INDENT_2) + b"\n")
            except OSError as exc:
                raise CommandError(f"cannot write {path}: {exc.strerror}", returncode=2) from exc
        if options["apply_country_profile"]:
            from screening.selectors import country_profiles_all

            job.apply_profiles = True
            job.profiles = country_profiles_all()  # read once here; the workers never touch the database
            if not job.profiles:
                self.stderr.write("Warning: no country profiles in the database (run `manage.py loadprofiles`).")
        output_path = Path(options["output"]) if options["output"] else None
        if output_path is not None and options["input"] != "-" and _same_file(options["input"], output_path):
            raise CommandError("--output must not be the input file.", returncode=2)

        source, close_source = self._open_input(options["input"])
        # Only on a terminal, and not when the results scroll past on that terminal too.
        results_on_terminal = output_path is None and self.stdout.isatty()
        show_progress = self.stderr.isatty() and not results_on_terminal and options["verbosity"] > 0
        progress = _Progress(self.stderr, enabled=show_progress)
        try:
            if output_path is None:
                self._run(job, source, lambda data: self.stdout.write(data.decode("utf-8"), ending=""), progress)
            else:
                self._run_to_file(job, source, output_path, progress)
        finally:
            progress.finish()
            if close_source:
                source.close()
        if progress.invalid:
            raise CommandError(f"{progress.invalid} of {progress.lines} lines were invalid.", returncode=1)

    def _open_input(self, name: str):
        if name == "-":
            if sys.stdin is None:  # started with stdin closed (`0<&-`)
                raise CommandError("cannot read standard input: it is closed.", returncode=2)
            return getattr(sys.stdin, "buffer", sys.stdin), False
        try:
            return open(name, "rb"), True
        except OSError as exc:
            raise CommandError(f"cannot read {name}: {exc.strerror}", returncode=2) from exc

    def _run_to_file(self, job: _Job, source, path: Path, progress: _Progress) -> None:
        """Write to a temporary file next to `path`, renamed over it once every line is written."""
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as out:
                self._run(job, source, out.write, progress)
            os.replace(tmp, path)
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror}", returncode=2) from exc
        finally:
            tmp.unlink(missing_ok=True)

    def _run(self, job: _Job, source, write, progress: _Progress) -> None:
        if job.workers == 1:
            screener = Screener(job.ruleset_name, job.profiles, job.apply_profiles, job.detail)
            for chunk in _chunks(source, LOCAL_CHUNK_SIZE):
                text, lines, invalid = screener.screen_chunk(chunk)
                write(text)
                progress.add(lines, invalid)
            return
        executor = ProcessPoolExecutor(
            max_workers=job.workers,
            mp_context=_worker_context(job.ruleset_name),
            initializer=_init_worker,
            initargs=(job.ruleset_name, job.profiles, job.apply_profiles, job.detail),
        )
        pending: deque = deque()  # futures in input order; at most workers * TASKS_PER_WORKER

        def emit_oldest():
            text, lines, invalid = pending.popleft().result()
            write(text)
            progress.add(lines, invalid)

        try:
            for chunk in _chunks(source, CHUNK_SIZE):
                pending.append(executor.submit(_screen_chunk, chunk))
                if len(pending) >= job.workers * TASKS_PER_WORKER:
                    emit_oldest()
            while pending:
                emit_oldest()
        except BrokenProcessPool as exc:
            raise CommandError("a worker process died; the output is incomplete.", returncode=2) from exc
        finally:
            executor.shutdown(wait=True, cancel_futures=True)


def _same_file(a: str, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
