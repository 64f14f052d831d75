"""Outgoing webhooks: the endpoints shop managers set up, the outbox of deliveries and every attempt."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Endpoint(models.Model):
    """Where events are POSTed, signed per Standard Webhooks with `secret` (and `previous_secret` while a
    rotation overlaps). A REST hook (Zapier) is an endpoint for one event, made and deleted through the API."""

    class Source(models.TextChoices):
        PAGE = "page", "Set up by a shop manager"
        REST_HOOK = "rest_hook", "REST hook subscription"

    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list, help_text="The event types this endpoint receives.")
    header_name = models.CharField(
        max_length=100, blank=True, help_text="An extra header for tools that check a header instead of a signature."
    )
    header_value = models.CharField(max_length=500, blank=True)
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    # Switched off by Atelier (410 Gone, failing for days) rather than by a person: the dashboard says so.
    disabled_automatically = models.BooleanField(default=False)
    allow_lan = models.BooleanField(
        default=False,
        help_text="Allow plain http and a private (LAN) address, e.g. a self-hosted n8n. Shop managers only.",
    )
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.PAGE)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhook_endpoints"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.description or self.url

    @property
    def masked_header_value(self) -> str:
        """Enough to recognise the value, never the value: "••••3f9a"."""
        return (
            f"••••{self.header_value[-4:]}" if len(self.header_value) >= 12 else ("••••" if self.header_value else "")
        )

    @property
    def masked_secret(self) -> str:
        return f"whsec_••••{self.secret[-4:]}" if self.secret else ""

    def signing_secrets(self, now=None) -> list[str]:
        """The current secret and, during a rotation's overlap, the previous one (both signatures are sent)."""
        now = now or timezone.now()
        secrets = [self.secret]
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > now:
            secrets.append(self.previous_secret)
        return secrets


class Delivery(models.Model):
    """One event for one endpoint: the outbox row, written in the event's own transaction.

    `webhook_id` is the event's id, the same on every attempt, so a receiver drops a duplicate by it.
    A worker leases the row (`locked_until`) while it sends; a lease that ran out belongs to a worker
    that died, and the sweep sends the delivery again.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Gave up"
        CANCELLED = "cancelled", "Cancelled"

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    webhook_id = models.CharField(max_length=64)
    event_type = models.CharField(max_length=100)
    body = models.TextField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "webhook_id"], name="webhook_delivery_unique_id"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.webhook_id} ({self.get_status_display()})"


class Attempt(models.Model):
    """One try at sending a delivery: what came back and how long it took."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Delivered"
        HTTP_ERROR = "http_error", "Receiver answered with an error"
        NETWORK_ERROR = "network_error", "Could not reach the receiver"
        REFUSED = "refused", "Refused: address not allowed"
        GONE = "gone", "Receiver said 410 Gone"

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    error = models.CharField(max_length=500, blank=True)
    response_snippet = models.TextField(blank=True, help_text="The start of the receiver's answer, shortened.")

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Attempt {self.number}: {self.get_outcome_display()}"
