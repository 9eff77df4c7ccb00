"""The rules as data: what a lawyer reviews must be complete and load-checked."""

import re
import shutil

import pytest
import yaml

from rules import RulesetError
from rules.loader import RULESETS_DIR, load_ruleset_from

# Counts of the shared spec each version implements (0.1-draft for 1.0.0; 1.1.0: CHANGES.md summary table).
SPEC_COUNTS = {
    "1.0.0": {"questions": 65, "outcomes": 43, "rules": 43},
    "1.1.0": {"questions": 74, "outcomes": 47, "rules": 48},
}


def test_the_ruleset_implements_the_whole_spec(ruleset):
    counts = SPEC_COUNTS[ruleset.version]
    assert len(ruleset.questionnaire.questions) == counts["questions"]
    assert len(ruleset.outcomes) == counts["outcomes"]
    assert len(ruleset.rules) == counts["rules"]
    assert {rule.outcome for rule in ruleset.rules} == set(ruleset.outcomes)


def test_every_rule_has_a_rationale_and_citations(ruleset):
    for rule in ruleset.rules:
        assert 20 <= len(rule.rationale) <= 250 and "TODO" not in rule.rationale, rule.id
        assert rule.citations, rule.id
        assert rule.legal_md_rule > 0


def test_every_directive_citation_carries_its_regulation_counterpart(ruleset):
    for outcome in ruleset.outcomes.values():
        assert outcome.citations, outcome.id
        assert outcome.evidence and not any("TODO" in item for item in outcome.evidence), outcome.id
        for citation in outcome.citations:
            if ruleset.version != "1.0.0":
                # from 1.1.0 the spec's convention: the Regulation first, the Directive counterpart in brackets
                directive = re.search(r"\bQD Arts? ", citation.text)
                if directive:
                    assert "QR " in citation.text[: directive.start()], (outcome.id, citation.text)
                assert citation.qr is None, (outcome.id, citation.text)
            elif re.match(r"QD Arts? ", citation.text):
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
    shutil.copytree(RULESETS_DIR / "military_service" / ruleset.version, copy)
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


def test_an_outcome_two_rules_emit_cannot_be_read_by_a_rule(tmp_path):
    """R46 and R46b both emit one outcome (the last that emits wins): a rule reading it could see a result that a
    later rule replaces, so the loader refuses it."""
    copy = tmp_path / "copy"
    shutil.copytree(RULESETS_DIR / "military_service" / "1.1.0", copy)
    rules_doc = yaml.safe_load((copy / "ruleset.yaml").read_text())
    last = rules_doc["rules"][-1]
    last["when"] = {"all": [last["when"], {"outcome": "flag_state_protection_and_remedies_check"}]}
    (copy / "ruleset.yaml").write_text(yaml.safe_dump(rules_doc, sort_keys=False))
    with pytest.raises(RulesetError) as raised:
        load_ruleset_from(copy)
    assert any("which two rules emit" in p for p in raised.value.problems), raised.value.problems


def test_the_changelog_names_only_real_ids(ruleset):
    from rules.versions import changelog

    log = changelog(ruleset.slug, ruleset.version)
    if ruleset.version == "1.0.0":
        assert log == {}  # the first version has nothing to compare with
        return
    assert log["version"] == ruleset.version and log["previous"] and log["summary"]
    questions = set(ruleset.questionnaire.by_id)
    for change in log["changes"]:
        assert change["id"] and change["title"] and change["reason"], change
        assert set(change.get("rules", [])) <= set(ruleset.rule_by_id), change["id"]
        assert set(change.get("outcomes", [])) <= set(ruleset.outcomes), change["id"]
        assert set(change.get("questions", [])) <= questions, change["id"]
        assert all(re.fullmatch(r"pub-\d\d", case) for case in change.get("cases", [])), change["id"]
    assert len({change["id"] for change in log["changes"]}) == len(log["changes"])
