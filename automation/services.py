"""Writes of outgoing webhooks: endpoints, REST hooks, sending a delivery, the sweep."""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass

import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from automation import netguard, payloads
from automation.models import Attempt, Delivery, Endpoint
from automation.outbox import deliveries_enqueue
from automation.signing import secret_generate, signed_headers
from studio.redaction import REDACTED, redact

logger = logging.getLogger(__name__)

# Waits before each retry (the first attempt is at once): 8 attempts over about 28 hours.
RETRY_SCHEDULE = (
    dt.timedelta(seconds=5),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=5),
    dt.timedelta(hours=10),
    dt.timedelta(hours=10),
)
JITTER = 0.1  # up to 10% later than the schedule, so retries of many deliveries don't arrive together
RETRY_AFTER_MAX = dt.timedelta(hours=24)
SNIPPET_CHARS = 500
USER_AGENT = "Atelier-Webhooks/1"
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$")
_RESERVED_HEADERS = {"host", "content-type", "content-length", "user-agent", "transfer-encoding", "connection"}


def now() -> dt.datetime:
    """The clock of this module; tests replace it to walk through the retry schedule."""
    return timezone.now()


def jitter() -> float:
    return random.uniform(0, JITTER)


# --- Endpoints -------------------------------------------------------------------------------------


def _clean(*, url: str, event_types: Iterable[str], header_name: str, header_value: str, allow_lan: bool):
    errors: dict[str, list[str]] = {}
    wanted = list(dict.fromkeys(event_types))
    unknown = [name for name in wanted if name not in payloads.EVENT_TYPES]
    if unknown:
        errors["event_types"] = [f"Unknown event type: {', '.join(unknown)}."]
    elif not wanted:
        errors["event_types"] = ["Choose at least one event type."]
    try:
        netguard.target_for(url, allow_lan=allow_lan)
    except netguard.Refused as exc:
        errors["url"] = [str(exc)]
    header_name = header_name.strip()
    if header_name and (
        not _HEADER_NAME.match(header_name)
        or header_name.lower() in _RESERVED_HEADERS
        or header_name.lower().startswith("webhook-")
    ):
        errors["header_name"] = ["Use a plain header name such as X-Atelier-Token (not a webhook-… or standard one)."]
    if header_name and not header_value:
        errors["header_value"] = ["Give the header a value."]
    if any(char in header_value for char in "\r\n"):
        errors["header_value"] = ["The value can't contain line breaks."]
    if errors:
        raise ValidationError(errors)
    return wanted, header_name


def endpoint_create(
    *,
    url: str,
    event_types: Iterable[str],
    created_by,
    description: str = "",
    header_name: str = "",
    header_value: str = "",
    allow_lan: bool = False,
    source: str = Endpoint.Source.PAGE,
) -> Endpoint:
    """A new endpoint with a fresh whsec_ secret (show it once). Raises ValidationError per field."""
    wanted, header_name = _clean(
        url=url, event_types=event_types, header_name=header_name, header_value=header_value, allow_lan=allow_lan
    )
    return Endpoint.objects.create(
        url=url,
        description=description[:200],
        event_types=wanted,
        header_name=header_name,
        header_value=header_value if header_name else "",
        allow_lan=allow_lan,
        secret=secret_generate(),
        source=source,
        created_by=created_by,
    )


def endpoint_update(
    *,
    endpoint: Endpoint,
    url: str,
    event_types: Iterable[str],
    description: str = "",
    header_name: str = "",
    header_value: str | None = None,
    allow_lan: bool = False,
) -> Endpoint:
    """Change an endpoint; header_value None keeps the stored value (the page never shows it back)."""
    value = endpoint.header_value if header_value is None or header_value == "" else header_value
    wanted, header_name = _clean(
        url=url,
        event_types=event_types,
        header_name=header_name,
        header_value=value if header_name else "",
        allow_lan=allow_lan,
    )
    endpoint.url, endpoint.event_types, endpoint.description = url, wanted, description[:200]
    endpoint.header_name, endpoint.header_value = header_name, value if header_name else ""
    endpoint.allow_lan = allow_lan
    endpoint.save()
    return endpoint


def endpoint_rotate_secret(*, endpoint: Endpoint) -> str:
    """A new secret; the old one stays valid (both signatures are sent) for ATELIER_WEBHOOK_ROTATION_HOURS."""
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = now() + dt.timedelta(hours=settings.ATELIER_WEBHOOK_ROTATION_HOURS)
        endpoint.secret = secret_generate()
        endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    return endpoint.secret


def endpoint_disable(*, endpoint: Endpoint, reason: str, automatically: bool = False) -> None:
    """Stop sending to it; what was waiting is cancelled (kept, visible, can be sent again once enabled)."""
    with transaction.atomic():
        Endpoint.objects.filter(pk=endpoint.pk).update(
            enabled=False,
            disabled_reason=reason[:300],
            disabled_at=now(),
            disabled_automatically=automatically,
            updated_at=now(),
        )
        Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.CANCELLED, last_error=reason[:500], locked_until=None
        )
    logger.info("Webhook endpoint %s disabled: %s", endpoint.pk, reason)


def endpoint_enable(*, endpoint: Endpoint) -> None:
    Endpoint.objects.filter(pk=endpoint.pk).update(
        enabled=True, disabled_reason="", disabled_at=None, disabled_automatically=False, failing_since=None
    )


# --- REST hooks (Zapier) -------------------------------------------------------------------------


def rest_hook_subscribe(*, target_url: str, event: str, user) -> Endpoint:
    return endpoint_create(
        url=target_url,
        event_types=[event],
        created_by=user,
        description=f"REST hook: {event}",
        source=Endpoint.Source.REST_HOOK,
    )


def rest_hook_unsubscribe(*, endpoint: Endpoint) -> None:
    endpoint.delete()


# --- Sending -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    outcome: str
    status_code: int | None = None
    error: str = ""
    snippet: str = ""
    latency_ms: int | None = None
    retry_after: dt.timedelta | None = None


def _snippet(raw: bytes, endpoint: Endpoint) -> str:
    """The start of an answer, as text, without any of the endpoint's secrets (a receiver may echo them)."""
    text = raw[: SNIPPET_CHARS * 4].decode("utf-8", errors="replace")[:SNIPPET_CHARS]
    for secret in (endpoint.header_value, endpoint.secret, endpoint.previous_secret):
        if secret and len(secret) >= 6:
            text = text.replace(secret, REDACTED)
    return redact(text)


def _retry_after(value: str | None, at: dt.datetime) -> dt.timedelta | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        wait = dt.timedelta(seconds=int(value))
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        wait = when - at
    return max(dt.timedelta(seconds=1), min(wait, RETRY_AFTER_MAX))


def _send(endpoint: Endpoint, delivery: Delivery, at: dt.datetime) -> Outcome:
    body = delivery.body.encode()
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        **signed_headers(webhook_id=delivery.webhook_id, body=body, secrets=endpoint.signing_secrets(at), at=at),
    }
    if endpoint.header_name and endpoint.header_value:
        headers[endpoint.header_name] = endpoint.header_value
    try:
        answer = netguard.post(
            endpoint.url,
            body=body,
            headers=headers,
            allow_lan=endpoint.allow_lan,
            timeout=settings.ATELIER_WEBHOOK_TIMEOUT,
        )
    except netguard.Refused as exc:
        return Outcome(Attempt.Outcome.REFUSED, error=str(exc)[:500])
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        return Outcome(Attempt.Outcome.NETWORK_ERROR, error=redact(f"{type(exc).__name__}: {exc}")[:500])
    snippet = _snippet(answer.body, endpoint)
    if 200 <= answer.status < 300:
        return Outcome(Attempt.Outcome.SUCCESS, answer.status, snippet=snippet, latency_ms=answer.latency_ms)
    if answer.status == 410:
        return Outcome(Attempt.Outcome.GONE, 410, "410 Gone", snippet, answer.latency_ms)
    error = f"HTTP {answer.status}"
    if 300 <= answer.status < 400:
        error = f"HTTP {answer.status}: redirects are not followed (to {answer.headers.get('location', '?')[:200]})"
    retry_after = _retry_after(answer.headers.get("retry-after"), at) if answer.status in (429, 503) else None
    return Outcome(Attempt.Outcome.HTTP_ERROR, answer.status, error, snippet, answer.latency_ms, retry_after)


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.ATELIER_WEBHOOK_TIMEOUT + 30)


def delivery_attempt(*, delivery_id: int) -> str:
    """Send one delivery if it is due and no live worker holds it; returns what happened.

    Safe to run twice at once or after a worker died: the lease is taken by a conditional UPDATE, so only
    one worker sends; a lease that ran out (its worker died mid-send) lets the next one send again, with
    the same webhook-id, which is how the receiver drops the duplicate.
    """
    at = now()
    claimed = (
        Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING, next_attempt_at__lte=at)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=at))
        .update(locked_until=at + _lease())
    )
    if not claimed:
        return "not due"
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.enabled:
        Delivery.objects.filter(pk=delivery_id).update(status=Delivery.Status.CANCELLED, locked_until=None)
        return "cancelled"
    outcome = _send(endpoint, delivery, at)
    return delivery_record(delivery=delivery, outcome=outcome, at=at)


def delivery_record(*, delivery: Delivery, outcome: Outcome, at: dt.datetime) -> str:
    """Store the attempt and what comes next: done, a retry on the schedule, or giving up."""
    endpoint = delivery.endpoint
    if outcome.outcome == Attempt.Outcome.GONE and endpoint.source == Endpoint.Source.REST_HOOK:
        endpoint.delete()  # a REST hook's target unsubscribed by answering 410
        return "unsubscribed"
    with transaction.atomic():
        number = delivery.attempt_count + 1
        Attempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=at,
            latency_ms=outcome.latency_ms,
            status_code=outcome.status_code,
            outcome=outcome.outcome,
            error=outcome.error,
            response_snippet=outcome.snippet,
        )
        delivery.attempt_count = number
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error
        delivery.locked_until = None
        if outcome.outcome == Attempt.Outcome.SUCCESS:
            delivery.status = Delivery.Status.SUCCEEDED
            delivery.delivered_at = now()
            if endpoint.failing_since is not None:
                Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        elif outcome.outcome == Attempt.Outcome.GONE:
            delivery.status = Delivery.Status.CANCELLED
        elif number > len(RETRY_SCHEDULE):
            delivery.status = Delivery.Status.FAILED
        else:
            wait = outcome.retry_after or RETRY_SCHEDULE[number - 1] * (1 + jitter())
            delivery.next_attempt_at = at + wait
        delivery.save()
        if outcome.outcome not in (Attempt.Outcome.SUCCESS, Attempt.Outcome.GONE):
            Endpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=at)
    if outcome.outcome == Attempt.Outcome.GONE:
        endpoint_disable(
            endpoint=endpoint,
            reason=f"The receiver answered 410 Gone on {at:%d %b %Y %H:%M}: it no longer wants these events.",
            automatically=True,
        )
    return delivery.status


def delivery_send_again(*, delivery: Delivery) -> None:
    """Send a delivery again now, with the same webhook-id (the receiver may already have it)."""
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.PENDING, next_attempt_at=now(), locked_until=None
        )
        transaction.on_commit(lambda: deliveries_enqueue([delivery.pk]))


# --- The sweep -----------------------------------------------------------------------------------


def deliveries_sweep(*, limit: int = 500) -> dict[str, int]:
    """Queue every due delivery nobody holds (retries, and those of a worker that died), and switch off
    endpoints that have failed for ATELIER_WEBHOOK_DISABLE_AFTER_DAYS."""
    at = now()
    cutoff = at - dt.timedelta(days=settings.ATELIER_WEBHOOK_DISABLE_AFTER_DAYS)
    disabled = 0
    for endpoint in Endpoint.objects.filter(enabled=True, failing_since__lt=cutoff):
        days = (at - endpoint.failing_since).days
        endpoint_disable(
            endpoint=endpoint,
            reason=f"Every delivery has failed for {days} days (since {endpoint.failing_since:%d %b %Y}).",
            automatically=True,
        )
        disabled += 1
    due = list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=at, endpoint__enabled=True)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=at))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    deliveries_enqueue(due)
    return {"queued": len(due), "disabled": disabled}
