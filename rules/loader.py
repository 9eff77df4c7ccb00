"""Reads the questionnaire and ruleset files, validates them against their schemas and against each other,
and builds the immutable model. Any problem stops the load with every problem listed (fail fast).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from . import checks, schema
from . import conditions as c
from .countries import COUNTRIES
from .model import Citation, Option, Outcome, PostProcessing, Question, Questionnaire, Rule, Ruleset
from .validation import _check_value, is_year_month
from .yamlfiles import safe_load

RULESETS_DIR = Path(__file__).resolve().parent / "rulesets"
DEFAULT_RULESET = "military_service/1.1.0"
RULESET_FILES = ("questionnaire.yaml", "ruleset.yaml")


class RulesetError(Exception):
    """The rules-as-data files are invalid. `problems` lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid ruleset:\n- " + "\n- ".join(problems))


def schema_problems(document: Any, json_schema: dict, filename: str) -> list[str]:
    validator = jsonschema.Draft202012Validator(json_schema)
    problems = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        problems.append(f"{filename}: {where}: {error.message[:300]}")
    return problems


def _citation(item: Any) -> Citation:
    if isinstance(item, str):
        return Citation(text=item)
    return Citation(text=item["ref"], qr=item.get("qr"), qr_note=item.get("qr_note"))


def check_condition(
    cond: Mapping[str, Any],
    *,
    where: str,
    questions: Mapping[str, Question],
    sets: Mapping[str, list],
    known_outcomes: set[str] | None,
    earlier_outcomes: set[str] | None,
    later_questions: frozenset[str] = frozenset(),
) -> list[str]:
    """Problems in one raw condition: unknown ids, type mismatches, unknown options, outcome order."""
    problems: list[str] = []
    for key in ("in_set", "any_of_set", "outcome_any_set"):
        for leaf in c.iter_leaves(cond):
            if key in leaf and leaf[key] not in sets:
                problems.append(f"{where}: unknown set {leaf[key]!r}")
    if problems:
        return problems
    for leaf in c.iter_leaves(c.normalise(cond, sets)):
        if "always" in leaf:
            continue
        if "outcome" in leaf or "outcome_any" in leaf:
            if known_outcomes is None:
                problems.append(f"{where}: show_if cannot test outcomes")
                continue
            for outcome_id in leaf.get("outcome_any") or [leaf["outcome"]]:
                if outcome_id not in known_outcomes:
                    problems.append(f"{where}: unknown outcome {outcome_id!r}")
                elif outcome_id not in earlier_outcomes:
                    problems.append(f"{where}: outcome {outcome_id!r} is not emitted by an earlier rule")
            continue
        qid = leaf["q"]
        question = questions.get(qid)
        if question is None:
            if known_outcomes is None and qid in later_questions:
                problems.append(f"{where}: refers to {qid!r}, a later question (show_if may only look back)")
            else:
                problems.append(f"{where}: unknown question {qid!r}")
            continue
        op = c.leaf_operator(leaf)
        if question.type not in c.QUESTION_OPERATORS[op]:
            problems.append(f"{where}: operator {op!r} does not apply to {qid} ({question.type})")
            continue
        if op in ("lt", "gte"):
            continue  # integer operands: the schema checks their type
        if op == "count_of" and not isinstance(leaf.get("gte"), int):
            problems.append(f"{where}: count_of needs an integer gte")
        if question.type == "date" and question.approximate and op in ("eq", "ne"):
            if not (isinstance(leaf[op], str) and is_year_month(leaf[op])):
                problems.append(f"{where}: {qid} is an approximate date: compare it by month, written YYYY-MM")
                continue
        values = leaf[op] if isinstance(leaf[op], list) else [leaf[op]]
        # Each value must be a valid answer to the question (type, option id, country code, date).
        check = question if question.type != "multi_choice" else _single_option_view(question)
        for value in values:
            if _check_value(check, value)[1]:
                if question.options:
                    problems.append(f"{where}: {value!r} is not an option of {qid}")
                else:
                    problems.append(f"{where}: {value!r} is not a valid value of {qid} ({question.type})")
    return problems


def _single_option_view(question: Question) -> Question:
    """The question as a single choice, to check one option id of a multi-choice leaf."""
    from dataclasses import replace

    return replace(question, type="single_choice")


def build_questionnaire(data: Mapping[str, Any]) -> tuple[Questionnaire, list[str]]:
    problems: list[str] = []
    sets = data["sets"]
    section_ids = [s["id"] for s in data["sections"]]
    questions: list[Question] = []
    seen: dict[str, Question] = {}
    all_ids = frozenset(raw["id"] for raw in data["questions"])
    for raw in data["questions"]:
        qid = raw["id"]
        if qid in seen:
            problems.append(f"questionnaire: duplicate question id {qid!r}")
        if raw["section"] not in section_ids:
            problems.append(f"questionnaire: {qid}: unknown section {raw['section']!r}")
        options = tuple(Option(o["id"], o["label"], o.get("caseworker_label")) for o in raw.get("options", []))
        if raw["type"] in ("single_choice", "multi_choice") and not options:
            problems.append(f"questionnaire: {qid}: a {raw['type']} question needs options")
        for flag in ("approximate", "past"):
            if raw.get(flag) and raw["type"] != "date":
                problems.append(f"questionnaire: {qid}: only a date question can be {flag}")
        if raw["type"] not in ("single_choice", "multi_choice") and options:
            problems.append(f"questionnaire: {qid}: a {raw['type']} question cannot have options")
        if len({o.id for o in options}) != len(options):
            problems.append(f"questionnaire: {qid}: duplicate option ids")
        show_if = raw.get("show_if")
        if show_if is not None:
            # show_if may only look back: statuses are computed in one pass in questionnaire order.
            problems += check_condition(
                show_if,
                where=f"questionnaire: {qid}.show_if",
                questions=seen,
                sets=sets,
                known_outcomes=None,
                earlier_outcomes=None,
                later_questions=all_ids,
            )
        question = Question(
            id=qid,
            section=raw["section"],
            type=raw["type"],
            audience=raw["audience"],
            prompt=raw["prompt"],
            help=raw["help"],
            caseworker_prompt=raw.get("caseworker_prompt", raw["prompt"]),
            caseworker_help=raw.get("caseworker_help", raw["help"]),
            required=raw.get("required", False),
            sensitive=raw.get("sensitive", False),
            approximate=raw.get("approximate", False),
            past=raw.get("past", False),
            options=options,
            show_if=c.normalise(show_if, sets) if show_if is not None and not problems else None,
            raw=raw,
            hints_by_country={
                code: {"help": hint["help"], "caseworker_help": hint.get("caseworker_help", hint["help"])}
                for code, hint in raw.get("hints_by_country", {}).items()
            },
        )
        problems += [
            f"questionnaire: {qid}.hints_by_country: unknown country {code!r}"
            for code in question.hints_by_country
            if code not in COUNTRIES
        ]
        seen[qid] = question
        questions.append(question)
    check_problems_ = checks.check_problems(data.get("checks", []), seen, sets)
    problems += check_problems_
    questionnaire = Questionnaire(
        slug=data["meta"]["slug"],
        version=str(data["meta"]["version"]),
        sections=tuple(data["sections"]),
        sets=sets,
        questions=tuple(questions),
        checks=checks.build_checks(data.get("checks", []), sets) if not check_problems_ else (),
    )
    return questionnaire, problems


def build_ruleset(
    questionnaire: Questionnaire, data: Mapping[str, Any], sha256: str
) -> tuple[Ruleset | None, list[str]]:
    problems: list[str] = []
    sets = questionnaire.sets
    outcomes: dict[str, Outcome] = {}
    for raw in data["outcomes"]:
        if raw["id"] in outcomes:
            problems.append(f"ruleset: duplicate outcome id {raw['id']!r}")
        outcomes[raw["id"]] = Outcome(
            id=raw["id"],
            category=raw["category"],
            title=raw["title"],
            description=raw["description"],
            citations=tuple(_citation(x) for x in raw["citations"]),
            evidence=tuple(item["text"] if isinstance(item, dict) else item for item in raw.get("evidence", [])),
            evidence_when=tuple(
                c.normalise(item["when"], sets) if isinstance(item, dict) else None for item in raw.get("evidence", [])
            ),
        )
        for number, item in enumerate(raw.get("evidence", [])):
            if isinstance(item, dict):
                problems += check_condition(
                    item["when"],
                    where=f"ruleset: {raw['id']}.evidence[{number}].when",
                    questions=questionnaire.by_id,
                    sets=sets,
                    known_outcomes=None,
                    earlier_outcomes=None,
                )
    for set_name, members in sets.items():
        if set_name in ("persecution_acts", "convention_grounds", "subsidiary_protection", "exclusion_flags"):
            for member in members:
                if member not in outcomes:
                    problems.append(f"questionnaire: set {set_name}: unknown outcome {member!r}")
    rules: list[Rule] = []
    earlier: set[str] = set()
    shared: set[str] = set()
    rule_ids: set[str] = set()
    for raw in data["rules"]:
        rid = raw["id"]
        if rid in rule_ids:
            problems.append(f"ruleset: duplicate rule id {rid!r}")
        rule_ids.add(rid)
        if raw["outcome"] not in outcomes:
            problems.append(f"ruleset: {rid}: unknown outcome {raw['outcome']!r}")
        elif raw["outcome"] in earlier:
            # Two rules may emit one outcome (the last that emits wins: spec conditions.rule_order), only if no
            # rule reads it: a result already chained into later rules could not be taken back.
            shared.add(raw["outcome"])
        for key in ("when", "strong_if"):
            if key in raw:
                problems += check_condition(
                    raw[key],
                    where=f"ruleset: {rid}.{key}",
                    questions=questionnaire.by_id,
                    sets=sets,
                    known_outcomes=set(outcomes),
                    earlier_outcomes=earlier,
                )
        if not problems:
            rules.append(
                Rule(
                    id=rid,
                    outcome=raw["outcome"],
                    legal_md_rule=raw["legal_md_rule"],
                    rationale=raw["rationale"],
                    citations=tuple(_citation(x) for x in raw.get("citations", [])),
                    when=c.normalise(raw["when"], sets),
                    strong_if=c.normalise(raw["strong_if"], sets) if "strong_if" in raw else None,
                    emit_on_unknown=raw.get("emit_on_unknown", True),
                    raw=raw,
                )
            )
        earlier.add(raw["outcome"])
    for raw in data["rules"]:
        for key in ("when", "strong_if"):
            for leaf in c.iter_leaves(c.normalise(raw.get(key, {"always": True}), sets)):
                read = set(leaf.get("outcome_any") or [leaf.get("outcome")])
                for outcome_id in sorted(read & shared):
                    problems.append(f"ruleset: {raw['id']}.{key}: reads {outcome_id!r}, which two rules emit")
    if problems:
        return None, problems
    ruleset = Ruleset(
        slug=questionnaire.slug,
        version=questionnaire.version,
        sha256=sha256,
        questionnaire=questionnaire,
        outcomes=outcomes,
        rules=tuple(rules),
        post_processing=tuple(
            PostProcessing(p["id"], p["legal_md_rule"], " ".join(p["description"].split()))
            for p in data["post_processing"]
        ),
        strength_levels=tuple(data.get("strength_levels", [])),
        meta=dict(data["meta"]),
    )
    return ruleset, problems


def load_ruleset_from(directory: Path) -> Ruleset:
    """Load and check one ruleset directory (questionnaire.yaml + ruleset.yaml)."""
    texts = {}
    for filename in RULESET_FILES:
        path = directory / filename
        if not path.exists():
            raise RulesetError([f"{path}: file not found"])
        texts[filename] = path.read_bytes()
    digest = hashlib.sha256()
    for filename in RULESET_FILES:
        digest.update(filename.encode() + b"\0" + texts[filename] + b"\0")
    documents = {}
    problems: list[str] = []
    for filename, text in texts.items():
        try:
            documents[filename] = safe_load(text)
        except yaml.YAMLError as exc:
            problems.append(f"{filename}: not valid YAML: {exc}")
    if problems:
        raise RulesetError(problems)
    problems += schema_problems(documents["questionnaire.yaml"], schema.QUESTIONNAIRE, "questionnaire.yaml")
    problems += schema_problems(documents["ruleset.yaml"], schema.RULESET, "ruleset.yaml")
    if problems:
        raise RulesetError(problems)
    questionnaire, problems = build_questionnaire(documents["questionnaire.yaml"])
    if documents["ruleset.yaml"]["meta"] != documents["questionnaire.yaml"]["meta"]:
        problems.append("ruleset.yaml and questionnaire.yaml meta (slug, version) differ")
    if problems:
        raise RulesetError(problems)
    ruleset, problems = build_ruleset(questionnaire, documents["ruleset.yaml"], digest.hexdigest())
    if problems:
        raise RulesetError(problems)
    return ruleset


@lru_cache(maxsize=8)
def load_ruleset(name: str = DEFAULT_RULESET) -> Ruleset:
    """The ruleset `<slug>/<version>` from rules/rulesets/, loaded once per process."""
    directory = (RULESETS_DIR / name).resolve()
    if RULESETS_DIR not in directory.parents:
        raise RulesetError([f"{name!r} is not a ruleset under {RULESETS_DIR}"])
    return load_ruleset_from(directory)
