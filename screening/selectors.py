"""Reads. Functions named <entity>_<action>, keyword-only arguments. Every screening query is scoped to one
organisation here, so no view can forget to."""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib.auth import get_user_model

import rules

from .models import SCREENING_ENCRYPTED_FIELDS, AuditEvent, CountryProfile, Organisation, PartnerClient, Screening
from .prepared_reads import PreparedLookup


def active_ruleset() -> rules.model.Ruleset:
    """The ruleset configured in settings.SCREENING["RULESET"] (loaded once per process)."""
    return rules.load_ruleset(settings.SCREENING["RULESET"])


def ruleset_for(*, version: str | None = None) -> rules.model.Ruleset:
    """A ruleset version of the active ruleset's slug (any version in the repository; compiled once per process
    and version). None: the active one. Raises rules.RulesetError for a version that does not exist."""
    active = active_ruleset()
    if not version or version == active.version:
        return active
    return rules.load_ruleset(f"{active.slug}/{version}")


def screening_ruleset(screening: Screening) -> rules.model.Ruleset:
    """The ruleset a stored screening was assessed under: its questions, texts and rules until it is
    re-screened (a new screening: the active one)."""
    return ruleset_for(version=screening.ruleset_version or None)


def full_assessment(screening: Screening) -> dict | None:
    """The screening's assessment with its explanation (reasons, why not strong, what-if, considered and not met,
    evidence checklist): what the result page, the memo, the API's detail and the subject access export show.

    A screening stores the compact assessment (rules.Assessment.as_stored_dict: outcomes, strengths, rule ids,
    the country-profile values used); the explanation is derived again here from the stored answers under the
    stored ruleset version with those same profile values, so it is the explanation of the stored outcomes.
    Assessments stored in full (before compact storage) are returned as they are. Cached on the instance."""
    cached = getattr(screening, "_full_assessment", None)
    if cached is not None:
        return cached
    stored = screening.assessment
    if not stored or stored.get("explained", True):
        return stored
    ruleset = screening_ruleset(screening)
    normalised, errors, statuses = rules.validation.check_answers(ruleset.questionnaire, screening.answers)
    # A contradiction stored before its check existed still has an explanation (the answers are each valid); answers
    # the version's files no longer accept at all (edited files) keep the stored outcomes only.
    if not statuses or any(e.code != rules.validation.ErrorCode.CONTRADICTION for e in errors):
        return stored
    used = stored.get("country_profile_used") or {}
    screening._full_assessment = rules.evaluation.evaluate_checked(
        normalised, statuses, ruleset=ruleset, country_profile=used, apply_country_profile_defaults=bool(used)
    ).as_dict()
    return screening._full_assessment


SUMMARY_KEYS = ("ruleset", "outcomes", "unanswered")


def summary_assessment(screening: Screening) -> dict | None:
    """The short form a create returns by default: outcomes with strength, missing questions and rule ids, the
    unanswered questions and the disclaimer (GET the screening, or ?assessment=full, for the explanation)."""
    from rules.assessment import DISCLAIMER

    stored = getattr(screening, "_full_assessment", None) or screening.assessment
    if not stored:
        return stored
    keys = ("id", "category", "strength", "missing_questions", "rules", "downgraded_by")
    return {
        "ruleset": stored["ruleset"],
        "outcomes": [{k: o[k] for k in keys if o.get(k) is not None} for o in stored["outcomes"]],
        "unanswered": stored.get("unanswered", []),
        "disclaimer": DISCLAIMER,
        "detail": "summary",
    }


def ruleset_versions() -> list[dict]:
    """Every version of the active ruleset's slug, oldest first: version, sha256, active, date, summary."""
    from rules.versions import available_versions, changelog

    active = active_ruleset()
    out = []
    for version in available_versions(active.slug):
        loaded = ruleset_for(version=version)
        log = changelog(active.slug, version)
        out.append(
            {
                "version": version,
                "sha256": loaded.sha256,
                "active": version == active.version,
                "spec_version": str(loaded.meta.get("spec_version", "")),
                "date": str(log.get("date", "")),
                "summary": " ".join(str(log.get("summary", "")).split()),
                "previous": log.get("previous"),
            }
        )
    return out


def screening_assessment_history(*, screening: Screening) -> list[dict]:
    """The current assessment, then the superseded ones, newest first (outcomes only, never answers)."""
    from .models import AssessmentRecord

    current_by = screening.updated_by_client or screening.updated_by_user
    current = {
        "current": True,
        "ruleset": {"version": screening.ruleset_version, "sha256": screening.ruleset_sha256},
        "assessed_at": screening.updated_at,
        "assessed_by": actor_label_of(screening.updated_by_user, screening.updated_by_client) if current_by else "",
        "outcomes": [
            {"id": o["id"], "strength": o["strength"]} for o in (screening.assessment or {}).get("outcomes", [])
        ],
        "superseded_at": None,
        "superseded_by": None,
        "changes": None,
    }
    history = [current]
    for record in AssessmentRecord.objects.filter(screening=screening):
        history.append(
            {
                "current": False,
                "ruleset": {"version": record.ruleset_version, "sha256": record.ruleset_sha256},
                "assessed_at": record.assessed_at,
                "assessed_by": record.assessed_by,
                "outcomes": [{"id": k, "strength": v} for k, v in sorted(record.outcomes.items())],
                "superseded_at": record.superseded_at,
                "superseded_by": record.superseded_by,
                "changes": record.changes,
            }
        )
    return history


def screening_subject_access(*, screening: Screening) -> dict:
    """Everything stored about one screening, for the claimant's subject access request (GDPR Art. 15)."""
    from .models import AssessmentRecord, AuditEvent

    return {
        "screening": {
            "id": str(screening.id),
            "reference": screening.reference,
            "organisation": screening.organisation.name,
            "language": screening.language,
            "respondent": screening.respondent,
            "status": screening.status,
            "country_of_origin": screening.country_of_origin,
            "apply_country_profile": screening.apply_country_profile,
            "version": screening.version,
            "ruleset": {"version": screening.ruleset_version, "sha256": screening.ruleset_sha256},
            "created_at": screening.created_at,
            "created_by": actor_label_of(screening.created_by_user, screening.created_by_client),
            "updated_at": screening.updated_at,
            "updated_by": actor_label_of(screening.updated_by_user, screening.updated_by_client),
        },
        "answers": screening.answers,
        "set_aside_answers": screening.set_aside_answers,
        "confirmed_warnings": screening.confirmed_warnings,
        "case_notes": screening.case_notes,
        "assessment": full_assessment(screening),
        "country_profile_used": screening.country_profile_used,
        "assessment_history": [
            {
                "ruleset": {"version": record.ruleset_version, "sha256": record.ruleset_sha256},
                "assessed_at": record.assessed_at,
                "assessed_by": record.assessed_by,
                "superseded_at": record.superseded_at,
                "superseded_by": record.superseded_by,
                "outcomes": record.outcomes,
                "answers": record.answers,
                "country_profile_used": record.country_profile_used,
                "changes": record.changes,
            }
            for record in AssessmentRecord.objects.filter(screening=screening)
        ],
        "audit_events": [
            {
                "at": event.at,
                "action": event.action,
                "actor": event.actor_label,
                "ip_address": event.ip_address,
                "detail": event.detail,
            }
            for event in AuditEvent.objects.filter(
                organisation=screening.organisation, screening_id=screening.id
            ).order_by("at", "id")
        ],
    }


def actor_label_of(user, client) -> str:
    """`partner:<client>` or `user:<username>` (as Actor.label), for a stored user/client pair."""
    if client is not None:
        return f"partner:{client.name}"
    return f"user:{user.get_username()}" if user is not None else ""


def country_profile_values(*, code: str | None) -> dict:
    """The COI default values of a country ({} when there is no profile)."""
    if not code:
        return {}
    profile = CountryProfile.objects.filter(code=code).only("values").first()
    return profile.values if profile else {}


def country_profiles_all() -> dict[str, dict]:
    """{code: values} of every country profile (for batch runs: one query)."""
    return {p.code: p.values for p in CountryProfile.objects.only("code", "values")}


def screening_list(*, organisation: Organisation, filters: dict | None = None):
    """The organisation's screenings, newest first. filters: status, country_of_origin, outcome, strength,
    created_after, created_before, updated_after (datetimes), reference (exact)."""
    filters = filters or {}
    qs = Screening.objects.filter(organisation=organisation)
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("country_of_origin"):
        qs = qs.filter(country_of_origin=filters["country_of_origin"])
    if filters.get("reference"):
        qs = qs.filter(reference=filters["reference"])
    if filters.get("created_after"):
        qs = qs.filter(created_at__gte=filters["created_after"])
    if filters.get("created_before"):
        qs = qs.filter(created_at__lt=filters["created_before"])
    if filters.get("updated_after"):
        qs = qs.filter(updated_at__gt=filters["updated_after"])
    if filters.get("outcome") or filters.get("strength"):
        outcome_filter = {}
        if filters.get("outcome"):
            outcome_filter["outcome_id"] = filters["outcome"]
        if filters.get("strength"):
            outcome_filter["strength"] = filters["strength"]
        qs = qs.filter(pk__in=Screening.outcomes.rel.related_model.objects.filter(**outcome_filter).values("screening"))
    return qs


_ACTOR_RELATIONS = ("created_by_user", "created_by_client", "updated_by_user", "updated_by_client")


@functools.cache
def _screening_with_actor_labels() -> tuple[str, ...]:
    """Every column of a screening and, of the users and clients who created and changed it, what their labels
    read (actor_label_of): compiling the related models' every column was a fifth of a detail GET's CPU."""
    username = get_user_model().USERNAME_FIELD
    labels = [f"{relation}__{username if relation.endswith('user') else 'name'}" for relation in _ACTOR_RELATIONS]
    return (*(f.name for f in Screening._meta.concrete_fields), *labels)


def screening_get(*, organisation: Organisation, screening_id, with_answers: bool = True) -> Screening | None:
    """One screening of the organisation, or None (another organisation's screening is simply not found).

    with_answers=False: the encrypted columns are not loaded, so not decrypted (for a caller that only checks
    the screening exists and its version before a service re-reads it locked); read later, they load then."""
    lookup = _SCREENING_WITH_ACTORS if with_answers else _SCREENING_WITHOUT_ANSWERS
    return lookup.get(getattr(organisation, "pk", None), screening_id)


def _screening_lookup(with_answers: bool) -> PreparedLookup:
    def build(organisation_id, screening_id):
        qs = Screening.objects.filter(organisation_id=organisation_id, pk=screening_id)
        if not with_answers:
            qs = qs.defer(*SCREENING_ENCRYPTED_FIELDS)
        else:  # who created and changed it, shown with it: one query, not three, with only their labels' columns
            qs = qs.select_related(*_ACTOR_RELATIONS).only(*_screening_with_actor_labels())
        return qs.order_by()[:1]  # the pk is unique: no ORDER BY

    # compiled once per process (screening/prepared_reads.py): compiling it was a third of a detail GET's own work
    return PreparedLookup(Screening, build, ("organisation_id", "pk"))


_SCREENING_WITH_ACTORS = _screening_lookup(with_answers=True)
_SCREENING_WITHOUT_ANSWERS = _screening_lookup(with_answers=False)


def audit_events_for(*, organisation: Organisation, screening_id=None):
    qs = AuditEvent.objects.filter(organisation=organisation)
    if screening_id is not None:
        qs = qs.filter(screening_id=screening_id)
    return qs


def organisation_find(*, name_or_id: str) -> Organisation | None:
    """The organisation with this exact name or, failing that, this numeric id (for management commands)."""
    text = str(name_or_id).strip()
    organisation = Organisation.objects.filter(name=text).first()
    if organisation is None and text.isdigit() and int(text) < 2**63:
        organisation = Organisation.objects.filter(pk=int(text)).first()
    return organisation


def partner_client_find(*, organisation: Organisation | None = None, name: str | None = None, client_id=None):
    """The partner client with this id, or with this name in this organisation; None when there is none."""
    qs = PartnerClient.objects.select_related("organisation")
    if client_id is not None:
        return qs.filter(pk=client_id).first()
    return qs.filter(organisation=organisation, name=name).first()


def country_profile_list():
    """Every country profile, by code (the API's country catalogue)."""
    return CountryProfile.objects.order_by("code")


def country_profile_get(*, code: str) -> CountryProfile | None:
    """One country profile by its ISO code (case-insensitive), or None."""
    code = str(code).strip()
    if not (len(code) == 2 and code.isascii() and code.isalpha()):
        return None  # also keeps characters a database refuses (NUL) out of the query
    return CountryProfile.objects.filter(code=code.upper()).first()


def screening_search(*, organisation: Organisation, query: str = ""):
    """The organisation's screenings for the web case list, newest first: reference containing `query`
    (case-insensitive), with their outcome rows; the answers and the assessment are not loaded."""
    qs = screening_list(organisation=organisation)
    if query:
        qs = qs.filter(reference__icontains=query)
    return qs.defer(*SCREENING_ENCRYPTED_FIELDS, "country_profile_used").prefetch_related("outcomes")
