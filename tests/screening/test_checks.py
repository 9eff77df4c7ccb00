"""The system check: a broken ruleset stops start-up with every problem named."""

import shutil

import pytest
import yaml
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

import rules.loader
from screening.checks import check_ruleset

REAL_RULESET = rules.loader.RULESETS_DIR / "military_service" / "1.0.0"
NAME = "military_service/1.0.0"


@pytest.fixture
def broken_ruleset(tmp_path, monkeypatch, settings):
    """broken_ruleset(mutate): a copy of the real ruleset under a temporary RULESETS_DIR, ruleset.yaml edited by
    mutate(document), configured as settings.SCREENING["RULESET"]."""
    rulesets_dir = (tmp_path / "rulesets").resolve()
    target = rulesets_dir / NAME
    shutil.copytree(REAL_RULESET, target)
    monkeypatch.setattr(rules.loader, "RULESETS_DIR", rulesets_dir)
    settings.SCREENING = {**settings.SCREENING, "RULESET": NAME}
    rules.loader.load_ruleset.cache_clear()

    def make(mutate, filename="ruleset.yaml"):
        path = target / filename
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        mutate(document)
        path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
        rules.loader.load_ruleset.cache_clear()

    yield make
    rules.loader.load_ruleset.cache_clear()  # monkeypatch restores RULESETS_DIR after this


def rule(document, rule_id):
    return next(r for r in document["rules"] if r["id"] == rule_id)


def messages(errors):
    assert errors, "expected errors"
    assert all(isinstance(e, checks.Error) and e.id == "screening.E001" for e in errors)
    return [e.msg for e in errors]


def test_the_real_ruleset_passes():
    assert check_ruleset(None) == []


def test_an_unchanged_copy_passes(broken_ruleset):
    broken_ruleset(lambda document: None)
    assert check_ruleset(None) == []


def test_unknown_question(broken_ruleset):
    broken_ruleset(lambda d: rule(d, "R01").update(when={"q": "no_such_question", "eq": True}))
    assert messages(check_ruleset(None)) == ["ruleset: R01.when: unknown question 'no_such_question'"]


def test_unknown_option(broken_ruleset):
    broken_ruleset(lambda d: rule(d, "R01").update(when={"q": "military_situation", "in": ["no_such_option"]}))
    assert messages(check_ruleset(None)) == [
        "ruleset: R01.when: 'no_such_option' is not an option of military_situation"
    ]


def test_unknown_outcome(broken_ruleset):
    broken_ruleset(lambda d: rule(d, "R01").update(outcome="no_such_outcome"))
    problems = messages(check_ruleset(None))
    assert "ruleset: R01: unknown outcome 'no_such_outcome'" in problems


def test_unknown_outcome_in_a_condition(broken_ruleset):
    broken_ruleset(lambda d: rule(d, "R01").update(when={"outcome": "no_such_outcome"}))
    assert messages(check_ruleset(None)) == ["ruleset: R01.when: unknown outcome 'no_such_outcome'"]


def test_type_mismatch(broken_ruleset):
    broken_ruleset(lambda d: rule(d, "R01").update(when={"q": "age", "any_of": ["x"]}))
    assert messages(check_ruleset(None)) == ["ruleset: R01.when: operator 'any_of' does not apply to age (integer)"]


def test_schema_violation(broken_ruleset):
    broken_ruleset(lambda d: rule(d, "R01").update(legal_md_rule="nine"))
    problems = messages(check_ruleset(None))
    assert len(problems) == 1
    assert problems[0].startswith("ruleset.yaml: rules/0/legal_md_rule:")
    assert "'nine' is not of type 'integer'" in problems[0]


def test_every_problem_is_reported(broken_ruleset):
    def mutate(document):
        rule(document, "R01").update(when={"q": "no_such_question", "eq": True})
        rule(document, "R02").update(when={"q": "age", "any_of": ["x"]})

    broken_ruleset(mutate)
    assert len(messages(check_ruleset(None))) == 2


def test_a_broken_questionnaire(broken_ruleset):
    def mutate(document):
        question = next(q for q in document["questions"] if q["id"] == "recruiting_force")
        question["show_if"] = {"q": "military_situation", "ne": "no_such_option"}

    broken_ruleset(mutate, filename="questionnaire.yaml")
    assert messages(check_ruleset(None)) == [
        "questionnaire: recruiting_force.show_if: 'no_such_option' is not an option of military_situation"
    ]


def test_a_missing_ruleset(broken_ruleset, settings):
    settings.SCREENING = {**settings.SCREENING, "RULESET": "military_service/9.9.9"}
    errors = check_ruleset(None)
    assert len(errors) == 1 and "file not found" in errors[0].msg


def test_a_broken_ruleset_stops_manage_py_check(broken_ruleset):
    broken_ruleset(lambda d: rule(d, "R01").update(outcome="no_such_outcome"))
    with pytest.raises(SystemCheckError, match="no_such_outcome"):
        call_command("check")
