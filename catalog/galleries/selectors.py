"""Reads of a product's gallery for its page: what channels receive now, and a newer version if one waits."""

from __future__ import annotations

from typing import Any

from approvals.models import ReviewState
from approvals.selectors import review_items_for_draft
from catalog.models import Gallery, Product


def gallery_state_for(*, product: Product) -> dict[str, Any]:
    gallery = Gallery.objects.filter(product=product).first()
    items = list(review_items_for_draft(draft=gallery)[:20]) if gallery is not None else []
    approved = next((item for item in items if item.state == ReviewState.APPROVED), None)
    pending = next((item for item in items if item.state == ReviewState.PENDING), None)
    return {
        "approved": list((approved.approved_snapshot or {}).get("images") or []) if approved else [],
        "approved_item": approved,
        "pending": pending,
    }
