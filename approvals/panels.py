"""What the review queue adds to the dashboard: the count of drafts waiting, and the drafts on its attention list."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse

from approvals import registry
from approvals.models import ReviewItem
from approvals.selectors import review_items_for
from studio import panels
from studio.permissions import VIEW
from studio.selectors import job_unit_ids

JOB_SETTLE = timedelta(seconds=5)  # a draft is submitted in the same transaction as the unit that counts it

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

JOB_DRAFTS_SHOWN = 50


def _job_drafts(request, job) -> dict | None:
    """The drafts a finished job made: submitted while it ran, of the kinds it makes, for what it worked on.

    A job's units name either the products it worked on ("product:12") or, for a kind that says so
    (DraftKind.job_unit, e.g. "staged"), the drafts themselves ("staged:40").
    """
    kinds = [kind for kind in registry.all_kinds() if kind.made_by_job == job.kind]
    if not kinds or not job.finished_at:
        return None
    products = job_unit_ids(job, prefix="product")
    made = Q()
    for kind in kinds:
        if kind.job_unit:
            made |= Q(kind=kind.name, draft_id__in=list(job_unit_ids(job, prefix=kind.job_unit)))
        elif products:
            made |= Q(kind=kind.name, subject_key__in=[f"product:{pk}" for pk in products])
    if not made:
        return None
    drafts = list(
        ReviewItem.objects.restrict(request.user, VIEW)
        .filter(made, submitted_at__gte=job.created_at, submitted_at__lte=job.finished_at + JOB_SETTLE)
        .order_by("subject", "kind", "version")[:JOB_DRAFTS_SHOWN]
    )
    return {"job_drafts": drafts}


panels.register(
    panels.Panel(slot="job", name="drafts", template="approvals/panels/job_drafts.html", context=_job_drafts, order=20)
)
