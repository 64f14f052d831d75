"""The review queue's core: review items over any draft kind, and their audit trail.

A ReviewItem is one *version* of a draft, frozen: its snapshot and hash never
change after submission. What was approved (the snapshot itself, or the
reviewer's edit of it) is kept beside it in `approved_snapshot`; publishing reads
that, never the live draft row.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from studio.permissions import RestrictedQuerySet


class ReviewState(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded"


class ReviewItem(models.Model):
    kind = models.CharField(max_length=40, db_index=True, help_text="Name of a registered draft kind.")
    draft_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    draft_id = models.PositiveBigIntegerField()
    draft = GenericForeignKey("draft_type", "draft_id")
    version = models.PositiveIntegerField()
    state = models.CharField(max_length=12, choices=ReviewState.choices, default=ReviewState.PENDING)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="review_items",
        help_text="The artisan who signs this draft off; empty means shop managers only.",
    )
    subject = models.CharField(max_length=200, help_text="What the draft is about, e.g. the product's title.")
    subject_key = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="Stable reference to the subject, e.g. product:12."
    )
    snapshot = models.JSONField(help_text="The version under review, frozen at submission.")
    snapshot_hash = models.CharField(max_length=64)
    approved_snapshot = models.JSONField(null=True, blank=True)
    approved_hash = models.CharField(max_length=64, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    owner_field = "owner"
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        permissions = [("decide_reviewitem", "Can approve or reject drafts")]
        constraints = [
            models.UniqueConstraint(fields=["draft_type", "draft_id", "version"], name="review_item_unique_version"),
        ]
        indexes = [
            # The queue's pages: pending items in submission order, for everyone and per maker.
            models.Index(fields=["state", "submitted_at", "id"], name="review_item_queue"),
            models.Index(fields=["state", "owner", "submitted_at", "id"], name="review_item_queue_owner"),
            models.Index(fields=["draft_type", "draft_id", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version} of {self.subject} ({self.get_state_display()})"


class AppendOnlyQuerySet(RestrictedQuerySet):
    def update(self, **kwargs):
        raise TypeError("The audit trail is append-only: entries cannot be updated.")

    def delete(self):
        raise TypeError("The audit trail is append-only: entries cannot be deleted.")


class ReviewEvent(models.Model):
    """An append-only record of everything that happened to a review item."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        EDITED = "edited", "Edited and approved"
        REJECTED = "rejected", "Rejected"
        SUPERSEDED = "superseded", "Superseded by a newer version"

    item = models.ForeignKey(ReviewItem, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=12, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField()
    snapshot_hash = models.CharField(max_length=64, help_text="Hash of the version the actor saw.")
    result_hash = models.CharField(max_length=64, blank=True, help_text="Hash of what was approved, if different.")
    note = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True, help_text="Field → [before, after] for edits.")

    owner_field = "item__owner"
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} v{self.version} by {self.actor or 'system'}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("The audit trail is append-only: entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit trail is append-only: entries cannot be deleted.")


class QueueGeneration(models.Model):
    """One row (id 1): a random number replaced in the same transaction as every change to what
    the review queue shows. The queue's pages cache what they render under it (approvals/cache.py)."""

    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"review queue generation {self.value}"
