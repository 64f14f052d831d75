"""What the review queue adds to the dashboard: the count of drafts waiting, and the drafts on its attention list."""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlencode

from django.urls import reverse

from approvals import registry
from approvals.selectors import review_items_for
from studio import panels

SHOWN = 6
LISTED_PER_KIND = 3  # more drafts of one kind than this are one line: "12 galleries wait for your review"


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


def _attention(request) -> list[panels.Attention]:
    """Drafts waiting for this user, oldest first; a kind with many drafts is one line to its queue."""
    by_kind = defaultdict(list)
    for item in review_items_for(request.user).order_by("submitted_at", "pk"):
        by_kind[item.kind].append(item)
    items = []
    for kind, waiting in by_kind.items():
        found = registry.find(kind)
        label = found.label if found else kind.replace("_", " ").capitalize()
        if len(waiting) > LISTED_PER_KIND:
            items.append(
                panels.Attention(
                    urgency=panels.URGENCY_THIS_WEEK,
                    title=f"{len(waiting)} {label.lower()} drafts wait for your review",
                    url=reverse("review-list") + "?" + urlencode({"kind": kind}),
                    label="Review",
                    tone="pending",
                    detail="oldest: " + waiting[0].subject,
                )
            )
            continue
        for item in waiting:
            items.append(
                panels.Attention(
                    urgency=panels.URGENCY_THIS_WEEK,
                    title=item.subject if item.subject.startswith(label) else f"{label}: {item.subject}",
                    url=reverse("review-detail", args=[item.pk]),
                    label="Review",
                    tone="pending",
                    detail=f"version {item.version}",
                )
            )
    return items


panels.register_attention("review", _attention, order=30)
