"""What the review queue adds to the dashboard: the count of drafts waiting and the first few of them."""

from __future__ import annotations

from approvals.selectors import review_items_for
from studio import panels

SHOWN = 6


def _pending(request, obj) -> dict:
    cached = getattr(request, "_pending_reviews_panel", None)
    if cached is None:
        pending = review_items_for(request.user)
        cached = {"pending_reviews": list(pending[:SHOWN]), "pending_review_total": pending.count()}
        request._pending_reviews_panel = cached
    return cached


panels.register(
    panels.Panel(
        slot="dashboard_stats",
        name="drafts_waiting",
        template="approvals/panels/dashboard_stat.html",
        context=_pending,
        order=20,
    )
)
panels.register(
    panels.Panel(
        slot="dashboard",
        name="review",
        template="approvals/panels/dashboard_review.html",
        context=_pending,
        order=10,
    )
)
