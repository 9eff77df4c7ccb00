"""Writes. Functions named <entity>_<action>, keyword-only arguments; views and commands stay thin.

Every write to a screening re-evaluates it and appends an audit event (never with answer values).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

import rules
import rules.checks
from rules.profiles import check_profiles, normalise_values

from . import audit_chain, bulk_rows, provenance, webhooks
from .auth import Actor, token_generate, token_hash
from .models import (
    AssessmentRecord,
    AuditAction,
    AuditEvent,
    CountryProfile,
    IdempotencyItem,
    IdempotencyKey,
    Membership,
    Organisation,
    PartnerClient,
    Role,
    Scope,
    Screening,
    ScreeningOutcome,
    ScreeningStatus,
)
from .selectors import active_ruleset, actor_label_of, country_profile_values, ruleset_for, screening_ruleset

# ---- errors ------------------------------------------------------------------------------------------------


class ProfilesFileError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


class ScreeningInvalid(ValueError):
    """The change was refused; `errors` are rules.AnswerError-like dicts {question, code, message}."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        super().__init__("; ".join(f"{e['question']}: {e['code']}" for e in errors))


class VersionConflict(Exception):
    """The screening changed since the version the caller read (optimistic locking)."""

    def __init__(self, current_version: int):
        self.current_version = current_version
        super().__init__(f"the screening is now at version {current_version}")


# ---- country profiles --------------------------------------------------------------------------------------


@transaction.atomic
def country_profiles_load(*, path: Path | None = None) -> int:
    """Create or update the country profiles from the YAML file; returns how many were loaded."""
    path = Path(path or settings.SCREENING["COUNTRY_PROFILES_FILE"])
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems = check_profiles(active_ruleset().questionnaire, document)
    if problems:
        raise ProfilesFileError(problems)
    for profile in document["profiles"]:
        CountryProfile.objects.update_or_create(
            code=profile["code"],
            defaults={
                "name": profile["name"],
                "reviewed": profile["reviewed"],
                "summary": profile.get("summary", ""),
                "values": normalise_values(profile["values"], code=profile["code"], reviewed=profile["reviewed"]),
            },
        )
    return len(document["profiles"])


# ---- organisations, users, partner clients -----------------------------------------------------------------


def organisation_create(*, name: str) -> Organisation:
    return Organisation.objects.create(name=name.strip())


@transaction.atomic
def user_create(*, organisation: Organisation, username: str, password: str, role: str = Role.CASEWORKER):
    user = get_user_model().objects.create_user(username=username, password=password)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


# Roles that may sign in to the Django admin (organisation-scoped, read-only screenings and audit trail).
ADMIN_SITE_ROLES = frozenset({Role.SUPERVISOR, Role.ORG_ADMIN})


def user_staff_sync(*, user) -> None:
    """Give supervisors and organisation admins access to the Django admin (is_staff), and take it from
    caseworkers. Superusers are left as they are."""
    if user.is_superuser:
        return
    membership = getattr(user, "membership", None)
    is_staff = membership is not None and membership.role in ADMIN_SITE_ROLES
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])


def partner_client_create(
    *, organisation: Organisation, name: str, scope: str = Scope.FULL, expires_at=None
) -> tuple[PartnerClient, str]:
    """Create API credentials; returns (client, token). The token is not stored and cannot be shown again."""
    token = token_generate()
    client = PartnerClient.objects.create(
        organisation=organisation,
        name=name,
        scope=scope,
        token_prefix=token[:10],
        token_hash=token_hash(token),
        expires_at=expires_at,
    )
    return client, token


def partner_client_revoke(*, client: PartnerClient) -> PartnerClient:
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
    return client


# ---- audit -------------------------------------------------------------------------------------------------


def audit_record(*, actor: Actor, screening_id, action: str, detail: dict | None = None) -> AuditEvent | None:
    """Append one audit event to the actor's organisation's chain. `detail` holds ids and versions only: never
    answer values."""
    return audit_chain.append(
        organisation=actor.organisation,
        event=audit_chain.NewEvent(
            action=action,
            actor_label=actor.label,
            screening_id=screening_id,
            actor_user=actor.user,
            actor_client=actor.client,
            ip_address=actor.ip_address,
            detail=detail,
        ),
    )


# ---- screenings --------------------------------------------------------------------------------------------

REQUIRED_FOR_COMPLETE = "incomplete"  # error code: a complete screening needs its required questions


def _check(answers: dict, status: str, ruleset, *, before: dict | None = None) -> tuple[dict, dict]:
    """Validate answers (rules.validate) against a ruleset's questionnaire; returns them normalised with their
    question statuses (for screening_evaluate, so they are not validated twice), or raises ScreeningInvalid.

    `before`: the answers stored until now. An error-level contradiction they already had (stored before the
    check existed) does not refuse a change elsewhere; completing the screening (status complete) still does."""
    tolerate = frozenset()
    if before and status != ScreeningStatus.COMPLETE:
        tolerate = frozenset(c.id for c in stored_contradictions(before, ruleset))
    normalised, errors, statuses = rules.validation.check_answers(
        ruleset.questionnaire, answers, tolerate_checks=tolerate
    )
    problems = [e.as_dict() for e in errors]
    if not problems and status == ScreeningStatus.COMPLETE:
        for question in ruleset.questionnaire.questions:
            if question.required and question.id not in normalised:
                problems.append(
                    {
                        "question": question.id,
                        "code": REQUIRED_FOR_COMPLETE,
                        "message": "This question must be answered before the screening can be complete.",
                    }
                )
    if problems:
        raise ScreeningInvalid(problems)
    return normalised, statuses


def stored_contradictions(answers: dict, ruleset, severity: str = rules.checks.ERROR, statuses=None) -> list:
    """The contradiction checks (rules.checks.Check) that stored, valid answers fail (`statuses`: their question
    statuses under this ruleset, when known)."""
    questionnaire = ruleset.questionnaire
    statuses = questionnaire.statuses(answers) if statuses is None else statuses
    return rules.checks.failing(questionnaire.checks, answers, statuses, severity)


def _known_statuses(screening: Screening, ruleset):
    """The question statuses screening_evaluate was given for these very answers under this ruleset, else None."""
    known = getattr(screening, "_checked_statuses", None)
    if known is not None and known[0] is screening.answers and known[1] is ruleset:
        return known[2]
    return None


UNCONFIRMED_WARNING = "unconfirmed_warning"  # screening_complete (the web's Confirm and complete) refuses


def screening_warnings(screening: Screening, ruleset=None) -> list[dict]:
    """The warning-level contradiction checks the screening's answers fail: {id, questions, message (English),
    confirmed, check}. A confirmation holds while the answers it named are unchanged."""
    ruleset = ruleset or screening_ruleset(screening)
    confirmed = screening.confirmed_warnings or {}
    out = []
    statuses = _known_statuses(screening, ruleset)
    for check in stored_contradictions(screening.answers, ruleset, rules.checks.WARNING, statuses):
        named = {qid: screening.answers.get(qid) for qid in check.questions}
        entry = confirmed.get(check.id) or {}
        out.append(
            {
                "id": check.id,
                "questions": list(check.questions),
                "message": check.message,
                "confirmed": entry.get("answers") == named,
                "check": check,
            }
        )
    return out


@transaction.atomic
def screening_warning_confirm(
    *, actor: Actor, screening: Screening, check_id: str, expected_version: int | None = None
) -> Screening:
    """A caseworker confirms a warning ("I have checked this"): recorded with the answers it named, so a later
    change to one of them asks again. Audited as a change of `confirmed_warnings` (the check id, no values).
    Raises ScreeningInvalid if the screening has no such warning now, VersionConflict on a stale version."""
    locked = _lock(actor=actor, screening=screening, expected_version=expected_version)
    ruleset = screening_ruleset(locked)
    warning = next((w for w in screening_warnings(locked, ruleset) if w["id"] == check_id), None)
    if warning is None:
        raise ScreeningInvalid(
            [{"question": None, "code": "unknown_warning", "message": "The answers do not raise this warning."}]
        )
    if warning["confirmed"]:
        return locked
    locked.confirmed_warnings = {
        **(locked.confirmed_warnings or {}),
        check_id: {
            "answers": {qid: locked.answers.get(qid) for qid in warning["questions"]},
            "by": actor.label,
            "at": timezone.now().isoformat(),
        },
    }
    _next_version(locked, actor)
    locked.save(update_fields=["confirmed_warnings", "version", "updated_by_user", "updated_by_client", "updated_at"])
    audit_record(
        actor=actor,
        screening_id=locked.id,
        action=AuditAction.CHANGED,
        detail={"version": locked.version, "questions": [], "fields": ["confirmed_warnings"], "check": check_id},
    )
    return locked


def screening_evaluate(
    *,
    screening: Screening,
    statuses: dict | None = None,
    ruleset=None,
    actor_label: str | None = None,
    explain: bool = False,
) -> Screening:
    """Re-run the rules on the stored answers and store the compact assessment (not saved here).

    `statuses`: those _check returned for screening.answers (already validated: not validated again).
    `ruleset`: the screening's own version unless given (a re-screen gives the active one).
    `actor_label`: who made the change, recorded as having applied any new country-profile default.
    `explain`: also build the explanation now, for a response that shows it (selectors.full_assessment then
    finds it on the instance); otherwise it is derived when it is shown."""
    ruleset = ruleset or screening_ruleset(screening)
    profile = None
    if screening.apply_country_profile:  # the profile is read only when its defaults are to be applied
        profile = country_profile_values(code=screening.answers.get("country_of_origin"))
    options = {
        "ruleset": ruleset,
        "country_profile": profile,
        "apply_country_profile_defaults": screening.apply_country_profile,
    }
    if statuses is None:
        assessment = rules.evaluate(screening.answers, explain=explain, **options)
    else:
        assessment = rules.evaluation.evaluate_checked(screening.answers, statuses, explain=explain, **options)
        # the response's warnings read them again (screening_warnings): kept with the very answers they are of
        screening._checked_statuses = (screening.answers, ruleset, statuses)
    screening.assessment = assessment.as_stored_dict()
    screening._full_assessment = assessment.as_dict() if explain else None
    screening.ruleset_version = assessment.ruleset_version
    screening.ruleset_sha256 = assessment.ruleset_sha256
    screening.country_profile_used = provenance.stamped(
        provenance.merged(
            previous=screening.country_profile_used,
            answers=screening.answers,
            defaults=assessment.country_profile_used,
        ),
        actor_label=actor_label,
    )
    screening.country_of_origin = screening.answers.get("country_of_origin", "")
    screening._outcome_rows = [
        ScreeningOutcome(outcome_id=o.id, category=o.category, strength=o.strength) for o in assessment.outcomes
    ]
    return screening


def _save_outcomes(screening: Screening) -> None:
    """Replace a changed screening's outcome rows (new screenings get theirs in screenings_create_many)."""
    ScreeningOutcome.objects.filter(screening=screening).delete()
    rows = getattr(screening, "_outcome_rows", [])
    for row in rows:
        row.screening = screening
    ScreeningOutcome.objects.bulk_create(rows)


def screening_create(
    *,
    actor: Actor,
    answers: dict,
    reference: str = "",
    language: str = "en",
    respondent: str = "caseworker",
    status: str = ScreeningStatus.DRAFT,
    apply_country_profile: bool = False,
    explain: bool = False,
) -> Screening:
    """Validate, evaluate (outside the transaction: nothing is locked) and store a new screening, audited; raises
    ScreeningInvalid (nothing stored). A new screening is assessed under the active ruleset version. `explain`:
    build the explanation now, for a response that shows it."""
    item = {
        "answers": answers,
        "reference": reference,
        "language": language,
        "respondent": respondent,
        "status": status,
        "apply_country_profile": apply_country_profile,
    }
    (result,) = screenings_create_many(actor=actor, items=[item], explain=explain)
    if isinstance(result, ScreeningInvalid):
        raise result
    return result


def screenings_create_many(
    *, actor: Actor, items: list[dict], idempotency=None, explain: bool = False
) -> list[Screening | ScreeningInvalid]:
    """screening_create for many items (the bulk endpoint, a job's chunk): each is validated and evaluated on its
    own, then the valid ones are stored together, in one transaction with one insert per table (screenings,
    outcome rows, audit events, idempotency items) instead of five statements each. Returns, in input order, the
    stored screening or the ScreeningInvalid of each item. `items`: screening_create's keyword arguments (without
    actor); `idempotency`: (request record, [item index, ...]) to record each stored item's index."""
    ruleset = active_ruleset()
    results: list[Screening | ScreeningInvalid] = []
    stored: list[Screening] = []
    for item in items:
        answers = item.get("answers", {})
        status = item.get("status", ScreeningStatus.DRAFT)
        try:
            normalised, statuses = _check(answers, status, ruleset)
        except ScreeningInvalid as exc:
            results.append(exc)
            continue
        user = _saved_user(actor)
        screening = Screening(
            organisation=actor.organisation,
            reference=item.get("reference", ""),
            language=item.get("language", "en"),
            respondent=item.get("respondent", "caseworker"),
            status=status,
            answers=normalised,
            apply_country_profile=item.get("apply_country_profile", False),
            created_by_user=user,
            created_by_client=actor.client,
            updated_by_user=user,
            updated_by_client=actor.client,
        )
        screening_evaluate(
            screening=screening, statuses=statuses, ruleset=ruleset, actor_label=actor.label, explain=explain
        )
        results.append(screening)
        stored.append(screening)
    if not stored:
        return results
    with transaction.atomic():
        # One plain INSERT each (the ORM's compilation cost more than the statements), sent with the audit chain's
        # lock (one round trip on PostgreSQL); the outcome rows' keys are not needed, so not read back
        round_trip = bulk_rows.RoundTrip()
        bulk_rows.insert_rows(stored, round_trip=round_trip, send=False)
        rows = []
        for screening in stored:
            for row in screening._outcome_rows:
                row.screening = screening
                rows.append(row)
        bulk_rows.insert_rows(rows, round_trip=round_trip, send=False, read_keys=False)
        audit_chain.append_many(
            round_trip=round_trip,
            organisation=actor.organisation,
            events=[
                audit_chain.NewEvent(
                    action=AuditAction.CREATED,
                    actor_label=actor.label,
                    screening_id=screening.id,
                    actor_user=actor.user,
                    actor_client=actor.client,
                    ip_address=actor.ip_address,
                    detail={"version": 1},
                )
                for screening in stored
            ],
        )
        round_trip.send()  # what is still queued when the events were deferred (a job chunk's audit_chain.deferred)
        if idempotency is not None:
            request, indexes = idempotency
            valid_indexes = [
                index for index, result in zip(indexes, results, strict=True) if isinstance(result, Screening)
            ]
            IdempotencyItem.objects.bulk_create(
                [
                    IdempotencyItem(request=request, index=index, screening_id=screening.id)
                    for index, screening in zip(valid_indexes, stored, strict=True)
                ]
            )
    return results


# ---- idempotent bulk requests (review D14) -----------------------------------------------------------------

IDEMPOTENCY_KEY_HOURS = 24
IDEMPOTENCY_STALE_SECONDS = 60  # a request silent this long was cut off: a retry resumes it


class IdempotencyKeyReused(Exception):
    """The key was used with another request body."""


class RequestInProgress(Exception):
    """The request with this key is still being processed by another worker."""


@transaction.atomic
def idempotency_key_claim(*, organisation: Organisation, key: str, request_sha256: str) -> IdempotencyKey:
    """The key's record, claimed for processing (or holding the finished response, to replay). A key older than
    IDEMPOTENCY_KEY_HOURS starts afresh. Raises IdempotencyKeyReused or RequestInProgress."""
    now = timezone.now()
    IdempotencyKey.objects.filter(
        organisation=organisation, key=key, created_at__lt=now - dt.timedelta(hours=IDEMPOTENCY_KEY_HOURS)
    ).delete()
    record, created = IdempotencyKey.objects.select_for_update().get_or_create(
        organisation=organisation, key=key, defaults={"request_sha256": request_sha256}
    )
    if created:
        return record
    if record.request_sha256 != request_sha256:
        raise IdempotencyKeyReused()
    if record.response is not None:
        return record
    if record.updated_at > now - dt.timedelta(seconds=IDEMPOTENCY_STALE_SECONDS):
        raise RequestInProgress()
    record.save(update_fields=["updated_at"])  # take over the cut-off request
    return record


def idempotency_heartbeat(*, record: IdempotencyKey) -> None:
    IdempotencyKey.objects.filter(pk=record.pk).update(updated_at=timezone.now())


def idempotency_complete(*, record: IdempotencyKey, response: dict) -> None:
    record.response = response
    record.save(update_fields=["response", "updated_at"])


@transaction.atomic
def screening_update(
    *,
    actor: Actor,
    screening: Screening,
    answers: dict | None = None,
    expected_version: int | None = None,
    explain: bool = False,
    **fields,
) -> Screening:
    """Apply a partial change: `answers` is merged (a null value removes that answer); `fields` may set
    reference, language, respondent, status, apply_country_profile. With expected_version, a stale version
    raises VersionConflict and nothing changes."""
    locked = _lock(actor=actor, screening=screening, expected_version=expected_version)
    merged = dict(locked.answers)
    for qid, value in (answers or {}).items():
        if value is None:
            merged.pop(qid, None)
        else:
            merged[qid] = value
    status = fields.get("status", locked.status)
    # a null removes an answer, but its key must still be a question id (unknown_question otherwise)
    removed = {qid: None for qid, value in (answers or {}).items() if value is None}
    locked.answers, statuses = _check({**merged, **removed}, status, screening_ruleset(locked), before=locked.answers)
    completing = status == ScreeningStatus.COMPLETE and locked.status != ScreeningStatus.COMPLETE
    for name in ("reference", "language", "respondent", "status", "apply_country_profile"):
        if name in fields:
            setattr(locked, name, fields[name])
    stored = _store_change(
        locked, actor=actor, statuses=statuses, questions=answers or {}, fields=sorted(fields), explain=explain
    )
    if completing:
        webhooks.screening_completed(screening=stored)
    return stored


@transaction.atomic
def screening_save_answers(
    *,
    actor: Actor,
    screening: Screening,
    answers: dict,
    expected_version: int | None = None,
    accepted_from_profile: Iterable[str] = (),
) -> Screening:
    """The web interview's save: merge a page's answers and never lose one.

    `accepted_from_profile`: the questions whose country-profile suggestion the page showed; those saved with
    the profile's value keep its provenance (screening.provenance).

    An answer that a change makes not applicable (e.g. the follow-ups of "Have you served?" after changing it to
    "No") is set aside rather than deleted, and restored when its question applies again. Raises
    ScreeningInvalid (nothing saved) if the merged answers are invalid, VersionConflict on a stale version."""
    locked = _lock(actor=actor, screening=screening, expected_version=expected_version)
    ruleset = screening_ruleset(locked)
    questionnaire = ruleset.questionnaire
    merged = {**locked.answers, **answers}
    set_aside = {k: v for k, v in locked.set_aside_answers.items() if k not in answers}
    for _ in range(len(questionnaire.questions) + 1):  # reaches a fixed point long before this bound
        statuses = questionnaire.statuses(merged)
        restore = {qid: v for qid, v in set_aside.items() if qid not in merged and statuses[qid] != "na"}
        hide = {qid: v for qid, v in merged.items() if statuses[qid] == "na"}
        if not restore and not hide:
            break
        for qid in restore:
            merged[qid] = set_aside.pop(qid)
        for qid in hide:
            set_aside[qid] = merged.pop(qid)
    changed = merged != locked.answers or set_aside != locked.set_aside_answers
    reopened = changed and locked.status == ScreeningStatus.COMPLETE
    if reopened:  # a change to a completed screening makes it a draft again, and the audit trail says so
        locked.status = ScreeningStatus.DRAFT
    locked.answers, statuses = _check(merged, locked.status, ruleset, before=locked.answers)
    locked.set_aside_answers = set_aside
    accepted = [qid for qid in accepted_from_profile if qid in answers]
    if accepted:
        profile = country_profile_values(code=locked.answers.get("country_of_origin"))
        locked.country_profile_used = {
            **(locked.country_profile_used or {}),
            **provenance.accepted_entries(
                answers=locked.answers, accepted=accepted, profile=profile, actor_label=actor.label
            ),
        }
    return _store_change(
        locked, actor=actor, statuses=statuses, questions=answers, fields=["status"] if reopened else None
    )


@transaction.atomic
def screening_complete(*, actor: Actor, screening: Screening, expected_version: int | None = None) -> Screening:
    """Confirm and complete: every required question must be answered and every warning-level contradiction
    confirmed or fixed (ScreeningInvalid names the missing ones or the warnings, nothing changes); audited as a
    change of `status`."""
    locked = _lock(actor=actor, screening=screening, expected_version=expected_version)
    if locked.status == ScreeningStatus.COMPLETE:
        return locked
    ruleset = screening_ruleset(locked)
    _, statuses = _check(locked.answers, ScreeningStatus.COMPLETE, ruleset)
    unconfirmed = [w for w in screening_warnings(locked, ruleset) if not w["confirmed"]]
    if unconfirmed:
        raise ScreeningInvalid(
            [
                {
                    "question": w["questions"][0],
                    "code": UNCONFIRMED_WARNING,
                    "message": f"Confirm or fix this warning before completing: {w['message']}",
                    "check": w["id"],
                    "questions": w["questions"],
                }
                for w in unconfirmed
            ]
        )
    locked.status = ScreeningStatus.COMPLETE
    stored = _store_change(locked, actor=actor, statuses=statuses, questions={}, fields=["status"])
    webhooks.screening_completed(screening=stored)
    return stored


@transaction.atomic
def screening_notes_save(*, actor: Actor, screening: Screening, notes: str) -> Screening:
    """The caseworker's free-text case notes: never sent to the rules, so the assessment is not re-run; audited
    without their content."""
    locked = _lock(actor=actor, screening=screening)
    if locked.case_notes == notes:
        return locked
    locked.case_notes = notes
    _next_version(locked, actor)
    locked.save(update_fields=["case_notes", "version", "updated_by_user", "updated_by_client", "updated_at"])
    audit_record(
        actor=actor,
        screening_id=locked.id,
        action=AuditAction.CHANGED,
        detail={"version": locked.version, "questions": [], "fields": ["case_notes"]},
    )
    return locked


def _saved_user(actor: Actor):
    """The actor's user as a foreign key value: None for a partner client or an unsaved user."""
    return actor.user if getattr(actor.user, "pk", None) else None


def _next_version(locked: Screening, actor: Actor) -> None:
    """A change to a locked screening: its next version, made by this actor (saved by the caller)."""
    locked.version += 1
    locked.updated_by_user = _saved_user(actor)
    locked.updated_by_client = actor.client


def _lock(*, actor: Actor, screening: Screening, expected_version: int | None = None) -> Screening:
    """The screening, re-read and row-locked within the caller's transaction; VersionConflict if stale."""
    locked = Screening.objects.select_for_update().get(pk=screening.pk, organisation=actor.organisation)
    if expected_version is not None and locked.version != expected_version:
        raise VersionConflict(locked.version)
    return locked


def _store_change(locked: Screening, *, actor: Actor, statuses, questions, fields=None, explain=False) -> Screening:
    """The end of every change to a locked screening: new version, re-evaluation, save, audit (ids only)."""
    _next_version(locked, actor)
    screening_evaluate(screening=locked, statuses=statuses, actor_label=actor.label, explain=explain)
    locked.save()
    _save_outcomes(locked)
    detail = {"version": locked.version, "questions": sorted(questions)}
    if fields is not None:
        detail["fields"] = fields
    audit_record(actor=actor, screening_id=locked.id, action=AuditAction.CHANGED, detail=detail)
    return locked


def _outcome_map(assessment: dict | None) -> dict[str, str]:
    return {o["id"]: o["strength"] for o in (assessment or {}).get("outcomes", [])}


@transaction.atomic
def screening_reassess(
    *,
    actor: Actor,
    screening: Screening,
    expected_version: int | None = None,
    to_version: str | None = None,
    explain: bool = False,
) -> tuple[Screening, dict]:
    """Re-screen: evaluate the answers under the active ruleset version (or `to_version`), keeping the previous
    assessment in the history. Answers the new questionnaire does not show are set aside, never dropped.

    Returns (screening, changes): the previous and new ruleset and the outcomes added, removed, strengthened and
    weakened (ids and strengths only: the audit event records the same, never an answer value)."""
    from rules.versions import carry_answers, outcome_changes

    locked = _lock(actor=actor, screening=screening, expected_version=expected_version)
    target = ruleset_for(version=to_version)
    before = _outcome_map(locked.assessment)
    previous = {"version": locked.ruleset_version, "sha256": locked.ruleset_sha256}
    record = AssessmentRecord(
        screening=locked,
        ruleset_version=locked.ruleset_version,
        ruleset_sha256=locked.ruleset_sha256,
        outcomes=before,
        answers=dict(locked.answers),
        country_profile_used=locked.country_profile_used or {},
        assessed_at=locked.updated_at,
        assessed_by=actor_label_of(locked.updated_by_user, locked.updated_by_client),
        superseded_by=actor.label,
    )
    set_aside_before = set(locked.set_aside_answers or {})
    carried = carry_answers(target.questionnaire, locked.answers, locked.set_aside_answers)
    locked.answers, locked.set_aside_answers = carried.answers, carried.set_aside
    screening_evaluate(
        screening=locked, statuses=carried.statuses, ruleset=target, actor_label=actor.label, explain=explain
    )
    after = _outcome_map(locked.assessment)
    changes = {
        "previous_ruleset": previous,
        "ruleset": {"version": locked.ruleset_version, "sha256": locked.ruleset_sha256},
        **outcome_changes(before, after),
        "set_aside": sorted(set(carried.set_aside) - set_aside_before),
    }
    changes["strength_changed"] = sorted(changes["strengthened"] + changes["weakened"], key=lambda c: c["id"])
    record.changes = changes
    _next_version(locked, actor)
    locked.save()
    _save_outcomes(locked)
    record.save()
    audit_record(
        actor=actor,
        screening_id=locked.id,
        action=AuditAction.REASSESSED,
        detail={"version": locked.version, **changes},
    )
    return locked, changes


@transaction.atomic
def screening_delete(
    *, actor: Actor, screening: Screening, expected_version: int | None = None, reason: str = ""
) -> None:
    """Hard delete (answers included), audited; VersionConflict (nothing deleted) on a stale version. `reason`
    (why, e.g. "the claimant asked") goes into the audit event: never put answer values in it."""
    locked = _lock(actor=actor, screening=screening, expected_version=expected_version)
    screening_id = locked.id
    Screening.objects.filter(pk=screening_id, organisation=actor.organisation).delete()
    detail = {"version": locked.version}
    if reason:
        detail["reason"] = reason
    audit_record(actor=actor, screening_id=screening_id, action=AuditAction.DELETED, detail=detail)


def screening_viewed(*, actor: Actor, screening: Screening, exported: bool = False, detail: dict | None = None) -> None:
    audit_record(
        actor=actor,
        screening_id=screening.id,
        action=AuditAction.EXPORTED if exported else AuditAction.VIEWED,
        detail=detail,
    )


def screenings_listed(*, actor: Actor, screenings, detail: dict | None = None) -> None:
    """Audit a list that showed these screenings (their outcome summaries): ONE `listed` event per request with the
    ids shown, not one per row; nothing when the list was empty."""
    ids = [str(s.id) for s in screenings]
    if ids:
        audit_record(
            actor=actor, screening_id=None, action=AuditAction.LISTED, detail={**(detail or {}), "screenings": ids}
        )


def screenings_exported(*, actor: Actor, screenings, detail: dict | None = None) -> None:
    """Audit a supervisor's export of screenings WITH their answers (the dashboard's export): ONE `exported` event
    with the format and every screening id exported, never a value."""
    ids = [str(s.id) for s in screenings]
    audit_record(
        actor=actor,
        screening_id=None,
        action=AuditAction.EXPORTED,
        detail={**(detail or {}), "with_answers": True, "screenings": ids},
    )


@transaction.atomic
def screenings_purge(*, organisation: Organisation, older_than_days: int, dry_run: bool = False) -> list:
    """Hard-delete the organisation's screenings created more than `older_than_days` ago; audited per screening.

    Returns the ids (deleted, or that would be deleted with dry_run)."""
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    ids = list(Screening.objects.filter(organisation=organisation, created_at__lt=cutoff).values_list("id", flat=True))
    if dry_run or not ids:
        return ids
    Screening.objects.filter(organisation=organisation, id__in=ids).delete()
    audit_chain.append_many(
        organisation=organisation,
        events=[
            audit_chain.NewEvent(
                action=AuditAction.PURGED,
                actor_label="system:retention",
                screening_id=sid,
                detail={"older_than_days": older_than_days},
            )
            for sid in ids
        ],
    )
    return ids


# ---- stateless evaluation (the API's evaluate/: nothing stored, nothing audited) ----------------------------

FREE_TEXT_NOT_ACCEPTED = "free_text_not_accepted"  # error code: evaluate/ takes no answer to a text question


class EvaluatedAnswers(NamedTuple):
    assessment: rules.Assessment
    warnings: list[dict]  # the warning-level contradiction checks the answers fail (never confirmed: not stored)


def answers_evaluate(
    *, answers, apply_country_profile: bool = False, accept_free_text: bool = False, ruleset_version: str | None = None
):
    """Validate and evaluate an answer set without storing anything; returns the rules.Assessment and the
    warnings (EvaluatedAnswers).

    Raises ScreeningInvalid with every problem: the answer errors of rules.validate and, unless
    accept_free_text, one free_text_not_accepted per answered question of type "text". `ruleset_version`: any
    version in the repository (default: the active one)."""
    ruleset = ruleset_for(version=ruleset_version)
    questionnaire = ruleset.questionnaire
    normalised, errors, statuses = rules.validation.check_answers(questionnaire, answers)
    problems = [e.as_dict() for e in errors]
    if not accept_free_text and isinstance(answers, dict):
        for qid, value in answers.items():
            question = questionnaire.by_id.get(qid) if isinstance(qid, str) else None
            if question is not None and question.type == "text" and value not in (None, "", []):
                problems.append(
                    {
                        "question": qid,
                        "code": FREE_TEXT_NOT_ACCEPTED,
                        "message": "Free text is not accepted here: leave this question out.",
                    }
                )
    if problems:
        order = {q.id: i for i, q in enumerate(questionnaire.questions)}
        problems.sort(key=lambda e: (order.get(e["question"], len(order)), e["question"] or "", e["code"]))
        raise ScreeningInvalid(problems)
    profile = country_profile_values(code=normalised.get("country_of_origin")) if apply_country_profile else None
    warnings = rules.checks.failing(questionnaire.checks, normalised, statuses, rules.checks.WARNING)
    assessment = rules.evaluation.evaluate_checked(
        normalised,
        statuses,
        ruleset=ruleset,
        country_profile=profile,
        apply_country_profile_defaults=apply_country_profile,
    )
    return EvaluatedAnswers(
        assessment,
        [{"id": w.id, "questions": list(w.questions), "message": w.message, "confirmed": False} for w in warnings],
    )
