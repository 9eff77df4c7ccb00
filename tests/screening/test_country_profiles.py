"""Country profiles: the fixture loads, a bad file changes nothing, and how defaults are applied."""

import datetime as dt
import io
import re

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from rules import evaluate
from rules.profiles import apply_country_profile, normalise_values
from screening.models import CountryProfile
from screening.selectors import country_profile_values, country_profiles_all

FIXTURE = settings.SCREENING["COUNTRY_PROFILES_FILE"]
REQUIRED_CODES = {"RU", "BY", "UA", "ER", "SY", "TR", "US", "IR", "KR", "KP"}


def fixture_document() -> dict:
    return yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def profiles() -> dict[str, dict]:
    """{code: values} as loaded (normalised: with source, date, profile and reviewed)."""
    return {
        p["code"]: normalise_values(p["values"], code=p["code"], reviewed=p["reviewed"])
        for p in fixture_document()["profiles"]
    }


# --- loadprofiles ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_loadprofiles_loads_every_profile():
    document = fixture_document()
    out = io.StringIO()
    call_command("loadprofiles", stdout=out)
    assert f"Loaded {len(document['profiles'])} country profiles." in out.getvalue()
    loaded = country_profiles_all()
    assert set(loaded) == {p["code"] for p in document["profiles"]}
    assert REQUIRED_CODES <= set(loaded)
    for profile in document["profiles"]:
        row = CountryProfile.objects.get(code=profile["code"])
        assert row.name == profile["name"]
        assert row.reviewed == dt.date.fromisoformat(profile["reviewed"])
        assert row.values, profile["code"]
        assert row.values.keys() == profile["values"].keys()
        for qid, entry in row.values.items():
            raw = profile["values"][qid]
            assert entry["value"] == raw["value"]
            assert entry["sources"] == raw["sources"]
            # Derived: one citation line, the newest source's date, the profile and its review date.
            assert entry["source"] == "; ".join(f"{s['title']}, {s['publisher']}" for s in raw["sources"])
            assert entry["date"] == max(s["date"] for s in raw["sources"])
            assert (entry["profile"], entry["reviewed"]) == (profile["code"], profile["reviewed"])
            assert entry.get("contested", False) == raw.get("contested", False)
            dt.date.fromisoformat(entry["date"])  # a real date


# --- sources a caseworker can cite and find (review D5) ------------------------------------------------------

# A project file, a test case id, a section of the project's notes or an internal rule number: never a source.
PROJECT_REFERENCE = re.compile(
    r"\bpub-?\d+|cases[-_]public|legal\.md|\.(?:ya?ml|md|py|json)\b|Refuge Screen|baseline|\bS\d{1,3}\b|"
    r"\bsection \d+\.\d+\b|\brule \d+",
    re.IGNORECASE,
)


def every_value(document):
    for profile in document["profiles"]:
        for qid, entry in profile["values"].items():
            yield f"{profile['code']}.{qid}", entry


def test_every_source_is_a_citable_publication():
    document = fixture_document()
    values = list(every_value(document))
    assert len(values) > 100
    for where, entry in values:
        assert entry["sources"], where
        for source in entry["sources"]:
            assert set(source) <= {"title", "publisher", "date", "url"}, where
            for key in ("title", "publisher", "date"):
                assert str(source.get(key) or "").strip(), f"{where}: a source without {key}"
            assert dt.date.fromisoformat(source["date"]) <= dt.date(2026, 12, 31), where
            if "url" in source:
                assert re.fullmatch(r"https://[^\s/]+\.[a-z]{2,}/\S*", source["url"]), where
            for key, text in source.items():
                assert not PROJECT_REFERENCE.search(text), f"{where}: source {key} {text!r}"
        assert not PROJECT_REFERENCE.search(entry.get("note", "")), f"{where}: note {entry['note']!r}"
    for profile in document["profiles"]:
        assert not PROJECT_REFERENCE.search(profile.get("summary", "")), profile["code"]


@pytest.mark.parametrize(
    "source, problem",
    [
        ({"title": "Refuge Screen baseline (pub-23)", "publisher": "Refuge Screen"}, "names a project file"),
        ({"title": "Country notes", "publisher": "legal.md S27"}, "names a project file"),
        ({"title": "All RU cases in cases-public.yaml", "publisher": "EUAA"}, "names a project file"),
        ({"title": "EUAA COI report", "publisher": ""}, "publisher"),
        ({"title": "EUAA COI report"}, "'publisher' is a required property"),
    ],
    ids=["case-id", "legal-notes", "project-file", "empty-publisher", "no-publisher"],
)
@pytest.mark.django_db
def test_loadprofiles_refuses_a_source_that_cannot_be_cited(tmp_path, source, problem):
    def mutate(by_code):
        by_code["RU"]["values"]["coi_fair_trial"]["sources"] = [{"date": "2024-01-01", **source}]

    path = write_profiles(tmp_path, mutate)
    with pytest.raises(CommandError) as exc:
        call_command("loadprofiles", file=str(path), stdout=io.StringIO())
    assert "coi_fair_trial" in str(exc.value) and problem in str(exc.value)
    assert CountryProfile.objects.count() == 0


@pytest.mark.django_db
def test_loadprofiles_refuses_a_note_naming_a_test_case(tmp_path):
    path = write_profiles(tmp_path, lambda p: p["UA"]["values"]["coi_fair_trial"].update(note="As in pub-13."))
    with pytest.raises(CommandError, match="UA: coi_fair_trial: the note names"):
        call_command("loadprofiles", file=str(path), stdout=io.StringIO())


@pytest.mark.django_db
def test_loadprofiles_is_idempotent():
    call_command("loadprofiles", stdout=io.StringIO())
    call_command("loadprofiles", stdout=io.StringIO())
    assert CountryProfile.objects.count() == len(fixture_document()["profiles"])
    assert country_profile_values(code="RU")["coi_fair_trial"]["value"] == "no_fair_trial"
    assert country_profile_values(code="ZZ") == {}
    assert country_profile_values(code=None) == {}


SOURCE = {"title": "Country Guidance", "publisher": "EUAA", "date": "2024-01-01"}


def write_profiles(tmp_path, mutate):
    document = fixture_document()
    mutate({p["code"]: p for p in document["profiles"]})
    path = tmp_path / "profiles.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "mutate, problem",
    [
        (
            lambda p: p["RU"]["values"].update(no_such_question={"value": "yes", "sources": [SOURCE]}),
            "RU: unknown question 'no_such_question'",
        ),
        (
            lambda p: p["BY"]["values"]["coi_fair_trial"].update(value="no_such_option"),
            "BY: coi_fair_trial: 'no_such_option' is not a valid answer",
        ),
        (
            lambda p: p["UA"]["values"].update(age={"value": 30, "sources": [SOURCE]}),
            "UA: age is answered by the claimant, not from country information",
        ),
        (lambda p: p["ER"]["values"]["coi_fair_trial"].pop("sources"), "'sources' is a required property"),
    ],
    ids=["unknown-question", "invalid-option", "claimant-question", "no-source"],
)
@pytest.mark.django_db
def test_an_invalid_file_fails_naming_the_problem_and_changes_nothing(tmp_path, mutate, problem):
    call_command("loadprofiles", stdout=io.StringIO())
    before = {p.code: (p.name, p.values) for p in CountryProfile.objects.all()}

    def mutate_and_rename(by_code):
        by_code["RU"]["name"] = "Renamed"  # a valid change that must not be written either
        by_code["BY"]["values"]["coi_prison_conditions"]["value"] = "adequate"
        mutate(by_code)

    path = write_profiles(tmp_path, mutate_and_rename)
    with pytest.raises(CommandError) as exc:
        call_command("loadprofiles", file=str(path), stdout=io.StringIO())
    assert problem in str(exc.value)
    assert {p.code: (p.name, p.values) for p in CountryProfile.objects.all()} == before


@pytest.mark.django_db
def test_an_invalid_file_loads_nothing_into_an_empty_database(tmp_path):
    path = write_profiles(tmp_path, lambda p: p["KP"]["values"]["coi_fair_trial"].update(value="maybe"))
    with pytest.raises(CommandError, match="KP: coi_fair_trial"):
        call_command("loadprofiles", file=str(path), stdout=io.StringIO())
    assert CountryProfile.objects.count() == 0


# --- rules.profiles.apply_country_profile ------------------------------------------------------------------------

REFUSER = {"country_of_origin": "RU", "military_situation": "summoned_did_not_report"}


def test_defaults_fill_applicable_unanswered_questions_and_record_their_source(ruleset, profiles):
    filled, used = apply_country_profile(ruleset.questionnaire, REFUSER, profiles["RU"])
    assert {k: filled[k] for k in REFUSER} == REFUSER
    assert used
    for qid, entry in used.items():
        default = profiles["RU"][qid]
        assert filled[qid] == default["value"]
        assert entry == default  # the value with its provenance: sources, dates, profile, note, contested
    assert set(filled) == set(REFUSER) | set(used)


def test_explicit_answers_always_win_unknown_included(ruleset, profiles):
    answers = {**REFUSER, "coi_fair_trial": "fair_trial_available", "coi_ihl_violations": "unknown"}
    answers["feared_consequences"] = ["imprisonment"]
    filled, used = apply_country_profile(ruleset.questionnaire, answers, profiles["RU"])
    assert profiles["RU"]["coi_fair_trial"]["value"] != "fair_trial_available"
    assert filled["coi_fair_trial"] == "fair_trial_available"
    assert filled["coi_ihl_violations"] == "unknown"
    assert "coi_fair_trial" not in used and "coi_ihl_violations" not in used
    assert "coi_prison_conditions" in used  # the same profile still fills what was not answered


def test_defaults_only_fill_questions_that_apply(ruleset, profiles):
    # military_situation none_of_these: the military COI questions do not apply; the unconditional ones do.
    filled, used = apply_country_profile(
        ruleset.questionnaire, {"country_of_origin": "RU", "military_situation": "none_of_these"}, profiles["RU"]
    )
    statuses = ruleset.questionnaire.statuses(filled)
    assert all(statuses[qid] != "na" for qid in used)
    for qid in ("coi_conditions_of_service", "armed_conflict_involvement", "coi_ihl_violations"):
        assert qid in profiles["RU"] and qid not in filled
    assert {"coi_feared_actor_in_control", "home_area_violence_level"} <= set(used)
    # feared_consequences is missing, so the penalty question may apply (unknown is not "not applicable").
    assert "coi_penalty_assessment" in used

    # An explicit "no armed conflict" makes the conflict COI questions inapplicable: no default for them.
    answers = {**REFUSER, "armed_conflict_involvement": "no_armed_conflict"}
    filled, used = apply_country_profile(ruleset.questionnaire, answers, profiles["RU"])
    assert filled["armed_conflict_involvement"] == "no_armed_conflict"
    assert "coi_ihl_violations" not in filled and "coi_use_of_force_unlawful" not in filled


def test_a_default_can_make_a_later_question_apply(ruleset, profiles):
    # armed_conflict_involvement comes from the profile, and then its dependants apply and get defaults too.
    filled, used = apply_country_profile(ruleset.questionnaire, REFUSER, profiles["RU"])
    assert used["armed_conflict_involvement"]["value"] == "international_armed_conflict"
    assert "coi_ihl_violations" in used and "coi_use_of_force_unlawful" in used


def test_evaluate_records_the_defaults_it_used_only_when_asked(ruleset, profiles):
    plain = evaluate(REFUSER, ruleset=ruleset, country_profile=profiles["RU"])
    assert plain.country_profile_used == {}
    assert plain == evaluate(REFUSER, ruleset=ruleset)
    applied = evaluate(REFUSER, ruleset=ruleset, country_profile=profiles["RU"], apply_country_profile_defaults=True)
    assert applied.country_profile_used == apply_country_profile(ruleset.questionnaire, REFUSER, profiles["RU"])[1]
    sources = {r.question: r.source for o in applied.outcomes for r in o.reasons if r.question}
    assert "country_profile" in sources.values()
    assert all(sources[q] == "country_profile" for q in sources if q in applied.country_profile_used)


def test_a_default_never_overrides_an_explicit_answer_indirectly(ruleset, profiles):
    # RU's coi_alternative_service default (not_available_in_my_situation) hides alternative_service_applied,
    # which the claimant answered: "applied and refused" (so alternative service did exist for them).
    answers = {**REFUSER, "alternative_service_applied": "applied_refused"}
    filled, used = apply_country_profile(ruleset.questionnaire, answers, profiles["RU"])
    assert ruleset.questionnaire.statuses(filled)["alternative_service_applied"] == "ok"
