"""Reads of the review queue. `approved_content` is the only way to read what a
person approved; publishing code must use it, never the live draft row."""
from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from approvals.models import ReviewItem, ReviewState
from studio.permissions import VIEW


def approved_item(*, draft: models.Model) -> ReviewItem | None:
    return (
        ReviewItem.objects.filter(
            draft_type=ContentType.objects.get_for_model(draft), draft_id=draft.pk, state=ReviewState.APPROVED
        )
        .order_by("-version")
        .first()
    )


def approved_content(*, draft: models.Model) -> dict[str, Any] | None:
    """The snapshot a person approved last for this draft, or None if none was."""
    item = approved_item(draft=draft)
    return item.approved_snapshot if item is not None else None


def review_items_for(user, *, state: str | None = ReviewState.PENDING, kind: str | None = None):
    items = ReviewItem.objects.restrict(user, VIEW).select_related("owner", "draft_type")
    if state:
        items = items.filter(state=state)
    if kind:
        items = items.filter(kind=kind)
    return items


def pending_count_for(user) -> int:
    return ReviewItem.objects.restrict(user, VIEW).filter(state=ReviewState.PENDING).count()
