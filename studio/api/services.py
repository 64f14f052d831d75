"""Writes of the API kernel: personal API tokens and the stored answers of idempotent POSTs.

A token's secret is shown once and never stored: only its SHA-256 is kept, so a
leaked database can't be replayed against the API. The secret starts with `atl_`
so it is recognisable in a leaked paste or a log line (studio.redaction hides it).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from studio.models import ApiToken, IdempotentRequest
from studio.permissions import is_manager

TOKEN_PREFIX = "atl_"
TOKEN_SHOWN_CHARS = 12  # "atl_" and eight characters of the secret, shown in lists to recognise a token
EXPIRY_DAYS = (7, 30, 90, 365)
LAST_USED_GRANULARITY = timedelta(minutes=1)  # at most one write per token a minute, however busy it is

IDEMPOTENCY_TTL = timedelta(hours=24)
IDEMPOTENCY_IN_FLIGHT_TIMEOUT = timedelta(minutes=5)  # a request whose process died frees its key after this


class TokenRefused(Exception):
    """The token can't be used; the message says why in words an integrator understands."""


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_create(*, user, name: str, scopes: list[str], days: int) -> IssuedToken:
    """A new token for `user`; the returned secret is the only copy there will ever be."""
    unknown = set(scopes) - set(ApiToken.Scope.values)
    if not scopes or unknown:
        raise ValueError(f"Scopes must be some of {', '.join(ApiToken.Scope.values)}.")
    if days not in EXPIRY_DAYS:
        raise ValueError(f"A token expires after {', '.join(map(str, EXPIRY_DAYS))} days.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        prefix=secret[:TOKEN_SHOWN_CHARS],
        digest=token_digest(secret),
        scopes=[scope for scope in ApiToken.Scope.values if scope in scopes],
        expires_at=timezone.now() + timedelta(days=days),
    )
    return IssuedToken(token=token, secret=secret)


def api_token_revoke(*, token_id: int, by) -> ApiToken:
    """Revoke a token: its owner or a shop manager may. Anyone else gets DoesNotExist, as for a missing one."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token_id)
        if token.user_id != by.pk and not is_manager(by):
            raise ApiToken.DoesNotExist
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.revoked_by = by
            token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def api_token_authenticate(*, secret: str) -> ApiToken:
    """The live token with this secret (its user loaded), or TokenRefused saying why not."""
    if not secret.startswith(TOKEN_PREFIX):
        raise TokenRefused("Invalid token.")
    digest = token_digest(secret)
    token = ApiToken.objects.select_related("user").filter(digest=digest).first()
    if token is None or not hmac.compare_digest(token.digest, digest):
        raise TokenRefused("Invalid token.")
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenRefused("This token was revoked.")
    if token.expires_at <= now:
        raise TokenRefused("This token has expired.")
    if not token.user.is_active:
        raise TokenRefused("The token's user is inactive.")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- Idempotency-Key -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """What a POST with an Idempotency-Key may do: run (record is its in-flight row), replay, or be refused."""

    record: IdempotentRequest | None = None
    replay: IdempotentRequest | None = None
    refusal: str = ""  # "mismatch" (another body) or "in_flight" (the first one is still running)


def idempotency_claim(*, user, key: str, fingerprint: str) -> Claim:
    """Claim `key` for this user and request, or say why the request must not run.

    The unique (user, key) row is the lock: inserting it is atomic on both databases,
    so two identical requests at once can't both run. Expired rows are swept here,
    on write, so the table never holds more than a day of keys.
    """
    now = timezone.now()
    IdempotentRequest.objects.filter(created_at__lt=now - IDEMPOTENCY_TTL).delete()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                record = IdempotentRequest.objects.create(user=user, key=key, fingerprint=fingerprint, created_at=now)
            return Claim(record=record)
        except IntegrityError:
            pass
        existing = IdempotentRequest.objects.filter(user=user, key=key).first()
        if existing is None:  # swept or released between our insert and this read: try once more
            continue
        if existing.fingerprint != fingerprint:
            return Claim(refusal="mismatch")
        if existing.completed_at is not None:
            return Claim(replay=existing)
        if now - existing.created_at < IDEMPOTENCY_IN_FLIGHT_TIMEOUT:
            return Claim(refusal="in_flight")
        # The first request's process died: free its key (only if nobody else took it meanwhile).
        IdempotentRequest.objects.filter(pk=existing.pk, completed_at__isnull=True).delete()
    return Claim(refusal="in_flight")


def idempotency_complete(
    *, record: IdempotentRequest, status_code: int, content_type: str, body: bytes, location: str = ""
) -> None:
    IdempotentRequest.objects.filter(pk=record.pk).update(
        completed_at=timezone.now(),
        status_code=status_code,
        content_type=content_type[:120],
        body=body,
        location=location[:500],
    )


def idempotency_release(*, record: IdempotentRequest) -> None:
    """Forget a claim whose request must be allowed to run again (a 5xx, a refused login)."""
    IdempotentRequest.objects.filter(pk=record.pk, completed_at__isnull=True).delete()
