"""The rules as data: what a lawyer reviews must be complete and load-checked."""

import re
import shutil

import pytest
import yaml

from rules import RulesetError
from rules.loader import RULESETS_DIR, load_ruleset_from

SPEC_COUNTS = {"questions": 65, "outcomes": 43, "rules": 43}


def test_the_ruleset_implements_the_whole_spec(ruleset):
    assert len(ruleset.questionnaire.questions) == SPEC_COUNTS["questions"]
    assert len(ruleset.outcomes) == SPEC_COUNTS["outcomes"]
    assert len(ruleset.rules) == SPEC_COUNTS["rules"]
    assert {rule.outcome for rule in ruleset.rules} == set(ruleset.outcomes)


def test_every_rule_has_a_rationale_and_citations(ruleset):
    for rule in ruleset.rules:
        assert 20 <= len(rule.rationale) <= 250 and "TODO" not in rule.rationale, rule.id
        assert rule.citations, rule.id
        assert rule.legal_md_rule > 0


def test_every_directive_citation_carries_its_regulation_counterpart(ruleset):
    for outcome in ruleset.outcomes.values():
        assert outcome.citations, outcome.id
        assert outcome.evidence, outcome.id
        for citation in outcome.citations:
            if re.match(r"QD Arts? ", citation.text):
                assert citation.qr and citation.qr.startswith(("QR ", "APR ")), (outcome.id, citation.text)
            else:
                assert citation.qr is None, (outcome.id, citation.text)


def test_every_question_has_claimant_and_caseworker_wording(ruleset):
    for question in ruleset.questionnaire.questions:
        assert question.prompt and question.caseworker_prompt, question.id
        if question.audience != "caseworker":
            first_person = re.compile(r"\b(I|my|me)\b")
            for option in question.options:
                if first_person.search(option.label):
                    assert option.caseworker_label and not first_person.search(option.caseworker_label), (
                        question.id,
                        option.id,
                    )


def test_the_content_hash_changes_with_the_files(tmp_path, ruleset):
    copy = tmp_path / "copy"
    shutil.copytree(RULESETS_DIR / "military_service" / "1.0.0", copy)
    assert load_ruleset_from(copy).sha256 == ruleset.sha256
    path = copy / "ruleset.yaml"
    path.write_text(path.read_text() + "\n# a reviewed comment\n")
    assert load_ruleset_from(copy).sha256 != ruleset.sha256


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda q, r: r["rules"][0]["when"]["all"].append({"q": "no_such_question", "eq": True}), "unknown question"),
        (lambda q, r: r["rules"][0].update(outcome="no_such_outcome"), "unknown outcome"),
        (lambda q, r: r["rules"][12]["when"]["any"].append({"outcome": "flag_sur_place"}), "earlier rule"),
        (lambda q, r: r["rules"][0].pop("rationale"), "rationale"),
        (lambda q, r: q["questions"][2].update(show_if={"q": "age", "lt": 18}), "later question"),
    ],
)
def test_the_loader_refuses_broken_files(tmp_path, edit, problem):
    copy = tmp_path / "copy"
    shutil.copytree(RULESETS_DIR / "military_service" / "1.0.0", copy)
    questionnaire = yaml.safe_load((copy / "questionnaire.yaml").read_text())
    rules_doc = yaml.safe_load((copy / "ruleset.yaml").read_text())
    edit(questionnaire, rules_doc)
    (copy / "questionnaire.yaml").write_text(yaml.safe_dump(questionnaire, sort_keys=False))
    (copy / "ruleset.yaml").write_text(yaml.safe_dump(rules_doc, sort_keys=False))
    with pytest.raises(RulesetError) as raised:
        load_ruleset_from(copy)
    assert any(problem in p for p in raised.value.problems), raised.value.problems
