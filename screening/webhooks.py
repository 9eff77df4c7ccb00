"""Webhooks: signed notifications of `job.completed` and `screening.completed` to a partner's URL.

Signing (Stripe's scheme): the header `Refuge-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
A receiver recomputes the HMAC over the timestamp, a dot and the raw body, compares in constant time, and
refuses a timestamp older than a few minutes (replays). `Refuge-Event` names the event and `Refuge-Delivery` is
the delivery's id (the same on every retry: deduplicate on it).

Delivery: one WebhookDelivery per event and webhook, stored in the transaction of the event, then sent by the
Celery task `screening.deliver_webhook` (retried with exponential backoff: 2, 4, 8 … seconds, WEBHOOK_MAX_ATTEMPTS
attempts) or, with no broker, at once in the caller's thread with the same retries (WEBHOOK_RETRY_SECONDS apart
in tests). A 2xx answer is delivered; anything else, a timeout or a refused connection is retried, then failed.
The payload carries ids, statuses and counts only, never an answer.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import DeliveryStatus, Job, Screening, Webhook, WebhookDelivery, WebhookEvent

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 5
SIGNATURE_HEADER = "Refuge-Signature"


def _setting(name: str, default):
    return settings.SCREENING.get(name, default)


def secret_generate() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def url_problem(url: str) -> str | None:
    """Why a URL cannot be a webhook (None when it can): https only, unless WEBHOOK_ALLOW_HTTP (development)."""
    parts = urlsplit(url)
    allowed = ("https", "http") if _setting("WEBHOOK_ALLOW_HTTP", False) else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        return "The URL must be an absolute https:// URL." if allowed == ("https",) else "The URL must be http(s)://."
    return None


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def signature_valid(secret: str, header: str, body: bytes, *, tolerance: int = 300, now: int | None = None) -> bool:
    """What a receiver does (and the tests): check the signature and the timestamp's age."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs((now or int(time.time())) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header)


# ---- events ------------------------------------------------------------------------------------------------------


def _emit(*, organisation_id, event: str, payload: dict) -> None:
    active = Webhook.objects.filter(organisation_id=organisation_id, active=True).defer("secret")
    hooks = [h for h in active if event in h.events]
    for hook in hooks:
        delivery = WebhookDelivery.objects.create(webhook=hook, event=event, payload=payload)
        transaction.on_commit(lambda d=delivery.id: dispatch(d))


def job_completed(*, job_id) -> None:
    job = Job.objects.get(pk=job_id)
    _emit(
        organisation_id=job.organisation_id,
        event=WebhookEvent.JOB_COMPLETED,
        payload={
            "job": str(job.id),
            "status": job.status,
            "total_items": job.total_items,
            "succeeded_items": job.succeeded_items,
            "failed_items": job.failed_items,
        },
    )


def screening_completed(*, screening: Screening) -> None:
    _emit(
        organisation_id=screening.organisation_id,
        event=WebhookEvent.SCREENING_COMPLETED,
        payload={"screening": str(screening.id), "reference": screening.reference, "version": screening.version},
    )


# ---- sending -----------------------------------------------------------------------------------------------------


def dispatch(delivery_id) -> None:
    """Send a delivery: on a Celery worker when a broker is configured, else here and now (with retries)."""
    executor = settings.SCREENING["JOB_EXECUTOR"]
    if executor == "celery":
        from .tasks import deliver_webhook

        deliver_webhook.delay(str(delivery_id))
        return
    if executor == "thread":  # never hold a web request for the retries
        import threading

        threading.Thread(target=_send_with_retries, args=(delivery_id,), daemon=True).start()
        return
    _send_with_retries(delivery_id)


def _send_with_retries(delivery_id) -> None:
    pause = _setting("WEBHOOK_RETRY_SECONDS", None)
    for attempt in range(_setting("WEBHOOK_MAX_ATTEMPTS", 6)):
        if attempt_delivery(delivery_id):
            return
        time.sleep(pause if pause is not None else 2**attempt)


def attempt_delivery(delivery_id) -> bool:
    """One attempt; True when delivered (or nothing left to do). Records the attempt either way."""
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return True
    hook = delivery.webhook
    envelope = {
        "id": str(delivery.id),
        "event": delivery.event,
        "created": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    body = json.dumps(envelope, separators=(",", ":")).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(
        hook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "RefugeScreen-Webhooks/1",
            "Refuge-Event": delivery.event,
            "Refuge-Delivery": str(delivery.id),
            SIGNATURE_HEADER: signature(hook.secret, timestamp, body),
        },
    )
    code, error = None, ""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (https checked)
            code = response.status
    except urllib.error.HTTPError as exc:
        code, error = exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        error = type(exc).__name__ + (f": {exc.reason}" if isinstance(exc, urllib.error.URLError) else "")
    delivered = code is not None and 200 <= code < 300
    delivery.attempts += 1
    delivery.last_status_code = code
    delivery.last_error = str(error)[:300]
    delivery.last_attempt_at = timezone.now()
    if delivered:
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, timezone.now()
    elif delivery.attempts >= _setting("WEBHOOK_MAX_ATTEMPTS", 6):
        delivery.status = DeliveryStatus.FAILED
    delivery.save()
    if not delivered:
        logger.warning("webhook delivery %s attempt %s failed: %s", delivery.id, delivery.attempts, error or code)
    return delivered or delivery.status == DeliveryStatus.FAILED
