"""Organisations, their people and partner clients, stored screenings, and the append-only audit trail.

Answers are special-category data (political opinion, religion, ethnicity, sexual orientation) and
criminal-offence data (desertion, evasion): every query is scoped to one organisation (selectors.py), and the
audit trail records who did what to which screening, never the answer values.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from .encrypted_fields import EncryptedJSONField, EncryptedTextField


class CountryProfile(models.Model):
    """Country-of-origin information: default answers to the caseworker's COI questions, with sources.

    `values` is {question_id: {"value", "sources": [{"title", "publisher", "date", "url"}], "source", "date",
    "note", "contested", "profile", "reviewed"}} (rules.profiles.normalise_values); loaded from
    fixtures/country_profiles.yaml by `manage.py loadprofiles`.
    """

    code = models.CharField(max_length=2, primary_key=True, help_text="ISO 3166-1 alpha-2 code")
    name = models.CharField(max_length=100)
    reviewed = models.DateField(help_text="When the profile was last reviewed")
    summary = models.TextField(blank=True)
    values = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    require_two_factor = models.BooleanField(
        default=False,
        help_text="Every member must use two-factor authentication (supervisors and organisation admins always do)",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    CASEWORKER = "caseworker", "Caseworker"
    SUPERVISOR = "supervisor", "Supervisor"
    ORG_ADMIN = "org_admin", "Organisation admin"


class Membership(models.Model):
    """A user belongs to exactly one organisation, with one role."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CASEWORKER)

    def __str__(self):
        return f"{self.user} ({self.role}, {self.organisation})"


class Scope(models.TextChoices):
    """What a partner token may do."""

    FULL = "full", "Full: read, write and evaluate"
    READ_ONLY = "read_only", "Read only"
    EVALUATE_ONLY = "evaluate_only", "Evaluate only (stateless evaluation and the catalogues)"


class PartnerClient(models.Model):
    """API credentials of a partner system. The token is shown once; only its SHA-256 is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="partner_clients")
    name = models.CharField(max_length=200)
    scope = models.CharField(max_length=20, choices=Scope.choices, default=Scope.FULL)
    token_prefix = models.CharField(max_length=12, help_text="The token's first characters, to recognise it")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="The token stops working at this time (never, if empty)"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="unique_client_name_per_org")]

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def __str__(self):
        return f"{self.name} ({self.organisation})"


class ScreeningStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    COMPLETE = "complete", "Complete"


class Respondent(models.TextChoices):
    CLAIMANT = "claimant", "The claimant"
    CASEWORKER = "caseworker", "A caseworker on the claimant's behalf"


class Screening(models.Model):
    """One claimant's answers and the latest assessment of them. Every save re-evaluates."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="screenings")
    reference = models.CharField(max_length=100, blank=True, help_text="The partner's own reference")
    language = models.CharField(max_length=8, default="en", help_text="Interview language")
    respondent = models.CharField(max_length=20, choices=Respondent.choices, default=Respondent.CASEWORKER)
    status = models.CharField(max_length=10, choices=ScreeningStatus.choices, default=ScreeningStatus.DRAFT)
    # Encrypted at rest (review D5): answers, set-aside answers and the assessment (its reasons repeat answer
    # values). Not searchable in SQL: filter on country_of_origin, reference, status or the ScreeningOutcome rows.
    answers = EncryptedJSONField(default=dict)
    set_aside_answers = EncryptedJSONField(
        default=dict,
        blank=True,
        help_text="Answers to questions that a later change made not applicable; restored if they apply again",
    )
    apply_country_profile = models.BooleanField(
        default=False, help_text="Fill unanswered COI questions from the country profile when evaluating"
    )
    country_of_origin = models.CharField(max_length=2, blank=True)  # indexed in Meta (exact lookups only)
    assessment = EncryptedJSONField(null=True, blank=True)
    ruleset_version = models.CharField(max_length=40, blank=True)
    ruleset_sha256 = models.CharField(max_length=64, blank=True)
    # Provenance of the COI answers taken from a country profile (screening/provenance.py): COI values only.
    # Not encrypted: profile values (public country information shared by every claimant of the country, as in
    # CountryProfile.values) and who took them; no special-category answer is ever in a profile.
    country_profile_used = models.JSONField(default=dict, blank=True)
    case_notes = EncryptedTextField(
        blank=True,
        default="",
        help_text="The caseworker's free-text notes (encrypted at rest): never sent to the rules",
    )
    # Warning-level contradiction checks a caseworker confirmed (rules/checks.py): {check id: {answers: the
    # answers it named when confirmed, by, at}}. A confirmation holds while those answers are unchanged. Encrypted:
    # it repeats answer values.
    confirmed_warnings = EncryptedJSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Optimistic-locking version, +1 on every change")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_client = models.ForeignKey(
        PartnerClient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by_client = models.ForeignKey(
        PartnerClient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["organisation", "reference"]),
            models.Index(fields=["organisation", "status"]),
            # Declared here rather than with db_index=True: on PostgreSQL that also builds a second, pattern-ops
            # index for LIKE, which no query uses (a two-letter code is only ever matched exactly) and every
            # insert paid for.
            models.Index(fields=["country_of_origin"], name="screening_country_idx"),
        ]

    def __str__(self):
        return f"Screening {self.id}"


# The screening's encrypted columns: lists and pages that do not show them defer these, so nothing is decrypted
# for nothing (tests/security/test_encryption.py counts the decryptions).
SCREENING_ENCRYPTED_FIELDS = ("answers", "set_aside_answers", "assessment", "case_notes", "confirmed_warnings")


class ScreeningOutcome(models.Model):
    """The latest assessment's outcomes, one row each, so screenings can be filtered by outcome and strength."""

    # No index of its own: the unique (screening, outcome_id) index below starts with it and serves the lookups by
    # screening (a screening's rows, the cascade on delete). Each index is written for every row of every create.
    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="outcomes", db_index=False)
    # Indexed in Meta, without PostgreSQL's LIKE index: outcome_id is matched exactly, or by prefix within one
    # screening's rows (the dashboard's exclusion flag), which the unique index below serves.
    outcome_id = models.CharField(max_length=80)
    category = models.CharField(max_length=30)
    strength = models.CharField(max_length=20)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["screening", "outcome_id"], name="unique_outcome_per_screening")]
        indexes = [models.Index(fields=["outcome_id"], name="screening_outcome_id_idx")]


class AuditAction(models.TextChoices):
    CREATED = "created", "Created"
    VIEWED = "viewed", "Viewed"
    CHANGED = "changed", "Changed"
    REASSESSED = "reassessed", "Reassessed"
    EXPORTED = "exported", "Exported"
    DELETED = "deleted", "Deleted"
    PURGED = "purged", "Purged (retention)"
    LISTED = "listed", "Listed (screenings shown in a list)"
    # Security events (screening/audit_security.py): no screening; no passwords, tokens or answer values.
    SIGNED_IN = "signed_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    SIGNED_OUT = "signed_out", "Signed out"
    LOCKED_OUT = "locked_out", "Locked out (repeated failures)"
    TOKEN_CREATED = "token_created", "Partner token created"
    TOKEN_REVOKED = "token_revoked", "Partner token revoked"
    SCOPE_CHANGED = "scope_changed", "Partner token scope changed"
    ROLE_CHANGED = "role_changed", "Member's role changed"
    PRIVILEGES_CHANGED = "privileges_changed", "Account privileges changed (staff, superuser, active, groups)"
    PROFILE_CHANGED = "profile_changed", "Country profile changed"
    # Account events sent by screening/account_events.py (sign-in work of issue 10): the same values.
    PASSWORD_CHANGED = "password_changed", "Password changed"
    PASSWORD_RESET_ISSUED = "password_reset_issued", "Password reset issued by an organisation admin"
    PASSWORD_RESET_USED = "password_reset_used", "Password set from a reset link"
    TWO_FACTOR_ENROLLED = "two_factor_enrolled", "Two-factor authentication set up"
    BACKUP_CODES_CREATED = "backup_codes_created", "New backup codes made"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def delete(self):
        raise PermissionError("The audit trail is append-only.")


class AuditEvent(models.Model):
    """Who (user or partner client) did what, to which screening if any, when and from where. Never answer values.

    Append-only: saving an existing event, updating or deleting events raises; on PostgreSQL a trigger refuses
    UPDATE, DELETE and TRUNCATE too (migration 0011; retention deletes only old events: screening/audit_chain.py).
    Each organisation's events, and the platform's (organisation null: e.g. a failed sign-in of an unknown
    username), form a hash chain: `hash` = sha256 over `prev_hash` and the event's fields, so an edited, removed
    or inserted event breaks the chain (`manage.py verify_audit`). Write events only through audit_chain.append.
    """

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    # Not a foreign key: deleted screenings stay audited. Null for events about no screening (sign-in, tokens).
    screening_id = models.UUIDField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=30, choices=AuditAction.choices)
    # PROTECT: deleting a user or client would otherwise rewrite these rows (Django nulls the references
    # through the base manager, bypassing the append-only guard). Deactivate users and revoke clients instead.
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_client = models.ForeignKey(PartnerClient, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=200, help_text="Who, as it was at the time")
    # Set before the hash is computed (not auto_now_add, which would overwrite it at save).
    at = models.DateTimeField(default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True, help_text="Question ids and versions only, never values")
    chain_seq = models.PositiveBigIntegerField(help_text="Position in its organisation's chain, from 1")
    prev_hash = models.CharField(max_length=64, blank=True, help_text="The previous event's hash ('' for the first)")
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            # One event per position: even if the insert lock failed, a chain could not fork.
            models.UniqueConstraint(
                fields=["organisation", "chain_seq"],
                condition=models.Q(organisation__isnull=False),
                name="unique_audit_seq_per_organisation",
            ),
            models.UniqueConstraint(
                fields=["chain_seq"], condition=models.Q(organisation__isnull=True), name="unique_audit_seq_platform"
            ),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.screening_id or ''}".rstrip()


class AuditChain(models.Model):
    """The head of one organisation's audit chain (organisation null: the platform's), locked by each insert so
    that concurrent inserts queue up instead of forking the chain. `anchor_*` is where the kept events start:
    the genesis ('', 0) until retention purges old events, then the last purged event's hash and position."""

    key = models.CharField(max_length=40, primary_key=True, help_text="'organisation:<id>' or 'platform'")
    organisation = models.OneToOneField(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_chain"
    )
    head_seq = models.PositiveBigIntegerField(default=0)
    head_hash = models.CharField(max_length=64, blank=True)
    anchor_seq = models.PositiveBigIntegerField(default=0)
    anchor_hash = models.CharField(max_length=64, blank=True)

    def __str__(self):
        return f"audit chain of {self.organisation or 'the platform'} ({self.head_seq} events)"


class AssessmentRecord(models.Model):
    """A superseded assessment of a screening: what the rules said before a re-screen, kept so a caseworker can
    see what was pleaded from. Outcomes are a function of (answers, ruleset version, country-profile values
    used), so those are kept and the full explanation can be derived again under the stored version."""

    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="assessment_history")
    ruleset_version = models.CharField(max_length=40)
    ruleset_sha256 = models.CharField(max_length=64)
    outcomes = models.JSONField(default=dict, help_text="{outcome id: strength} of the superseded assessment")
    answers = EncryptedJSONField(default=dict, help_text="The answers the superseded assessment was made from")
    country_profile_used = models.JSONField(default=dict, blank=True)
    assessed_at = models.DateTimeField(help_text="When the superseded assessment was made")
    assessed_by = models.CharField(max_length=200, blank=True, help_text="Who made it, as it was at the time")
    superseded_at = models.DateTimeField(auto_now_add=True)
    superseded_by = models.CharField(max_length=200, help_text="Who re-screened, as it was at the time")
    changes = models.JSONField(default=dict, help_text="Outcome ids added, removed, strengthened, weakened")

    class Meta:
        ordering = ["-superseded_at", "-id"]

    def __str__(self):
        return f"{self.screening_id} under {self.ruleset_version} (superseded {self.superseded_at:%Y-%m-%d})"


class JobSource(models.TextChoices):
    API = "api", "Partner API"
    UPLOAD = "upload", "Web upload"
    COMMAND = "command", "Command line"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class Job(models.Model):
    """A batch of screenings to create in the background, in chunks (screening/jobs.py, screening/tasks.py).

    Counts are updated in the same transaction as the chunk they count, so they stay exact if a chunk re-runs.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="jobs")
    created_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_client = models.ForeignKey(
        PartnerClient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=10, choices=JobSource.choices)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    file_name = models.CharField(max_length=200, blank=True, help_text="The uploaded file's name, if any")
    idempotency_key = models.CharField(max_length=200, blank=True)
    chunk_size = models.PositiveIntegerField(default=100)
    total_items = models.PositiveIntegerField(default=0)
    processed_items = models.PositiveIntegerField(default=0)
    succeeded_items = models.PositiveIntegerField(default=0)
    failed_items = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="Job-level problems (never answer values)")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="unique_job_idempotency_key_per_org",
            )
        ]

    @property
    def progress(self) -> int:
        """Percent of items processed (0-100)."""
        return 100 if not self.total_items else (100 * self.processed_items) // self.total_items

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.COMPLETED, JobStatus.FAILED)

    def __str__(self):
        return f"Job {self.id} ({self.status}, {self.processed_items}/{self.total_items})"


class JobItemStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CLAIMED = "claimed", "Being screened"  # only inside the chunk's transaction: never seen committed
    DONE = "done", "Screened"
    INVALID = "invalid", "Invalid"


class JobItem(models.Model):
    """One input item of a job, in input order (`index`), and what became of it.

    `payload` (the item as received, answers included) is emptied once the item is screened: the answers then
    live only in the stored screening."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="items")
    index = models.PositiveIntegerField(help_text="Position in the input, from 0")
    row = models.PositiveIntegerField(null=True, blank=True, help_text="Line or row number in the uploaded file")
    reference = models.CharField(max_length=100, blank=True)
    payload = EncryptedJSONField(default=dict, blank=True, help_text="The item as received (encrypted at rest)")
    status = models.CharField(max_length=10, choices=JobItemStatus.choices, default=JobItemStatus.PENDING)
    screening = models.OneToOneField(
        Screening, null=True, blank=True, on_delete=models.SET_NULL, related_name="job_item"
    )
    result = models.JSONField(null=True, blank=True, help_text="Outcome ids, categories and strengths")
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["job", "index"]
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="unique_item_index_per_job")]
        indexes = [models.Index(fields=["job", "status", "index"])]

    def __str__(self):
        return f"{self.job_id} #{self.index} ({self.status})"


class IdempotencyKey(models.Model):
    """A bulk request sent with an Idempotency-Key header, so that a retry creates nothing twice (review D14).

    Holds ids only: the request's SHA-256 (to refuse the key with another body), the screenings each item created
    (IdempotencyItem, written with the screening in one transaction, so a request cut off mid-way can be resumed)
    and, once complete, the response body. Kept IDEMPOTENCY_KEY_HOURS hours."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_sha256 = models.CharField(max_length=64)
    response = models.JSONField(null=True, blank=True, help_text="The response body once the request completed")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, help_text="Last sign of life of the request processing it")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "key"], name="unique_idempotency_key_per_org")]


class IdempotencyItem(models.Model):
    """One item of an idempotent bulk request that was stored: its index in the request and the screening's id."""

    request = models.ForeignKey(IdempotencyKey, on_delete=models.CASCADE, related_name="items")
    index = models.PositiveIntegerField()
    screening_id = models.UUIDField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "index"], name="unique_idempotency_item")]


class WebhookEvent(models.TextChoices):
    JOB_COMPLETED = "job.completed", "A job completed"
    SCREENING_COMPLETED = "screening.completed", "A screening was marked complete"


class Webhook(models.Model):
    """A partner's URL that receives signed event notifications (screening/webhooks.py). The secret signs them:
    it is shown once when the webhook is created, and stored encrypted (it must be read to sign)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="webhooks")
    client = models.ForeignKey(PartnerClient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text="Event names it receives")
    secret = EncryptedTextField(help_text="HMAC-SHA256 signing secret (encrypted at rest)")
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)

    def __str__(self):
        return f"{self.url} ({self.organisation})"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (no more attempts)"


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one webhook, with its attempts. The payload holds ids and counts only."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]

    def __str__(self):
        return f"{self.event} to {self.webhook.url}: {self.status} after {self.attempts} attempt(s)"
