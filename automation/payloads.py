"""The webhook payloads: thin, versioned, one documented example per event type.

    {"type": "draft.approved", "timestamp": "2026-12-06T09:30:00Z", "version": 1, "data": {...}}

`data` carries ids, absolute URLs back into Atelier and the few fields a recipe needs (a title for a Slack
message, a SKU for a task); anything more is one authenticated GET away. A field is never removed or
renamed within a version; new fields may appear.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.urls import reverse

from studio import events
from studio.sales_channels import SalesChannel

PAYLOAD_VERSION = 1
# Channels a listing can be published to: each has its own listing.published.<channel> / listing.failed.<channel>.
LISTING_CHANNELS = (SalesChannel.SHOPIFY, SalesChannel.ETSY)


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _draft(event: events.DraftEvent) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": event.kind,
        "draft_id": event.draft_id,
        "review_item_id": event.item_id,
        "version": event.version,
        "subject": event.subject,
        "owner_id": event.owner_id,
        "by_id": event.by_id,
        "review_url": absolute(reverse("review-detail", args=[event.item_id])),
    }
    product_id = getattr(event.draft, "product_id", None)
    if product_id:
        data["product_id"] = product_id
        data["product_url"] = absolute(reverse("product-detail", args=[product_id]))
    if isinstance(event, events.DraftApproved) and isinstance(event.snapshot.get("title"), str):
        data["title"] = event.snapshot["title"]
    if isinstance(event, events.DraftRejected):
        data["note"] = event.note
    return data


def _listing(event: events.ProductPublished | events.ProductPublishFailed) -> dict[str, Any]:
    data: dict[str, Any] = {
        "channel": event.channel,
        "product_id": event.product_id,
        "title": getattr(event.product, "title", ""),
        "product_url": absolute(reverse("product-detail", args=[event.product_id])),
    }
    if isinstance(event, events.ProductPublished):
        data["remote_id"] = event.remote_id
    else:
        data["error"] = event.error
    return data


def _order(event: events.OrderRecorded) -> dict[str, Any]:
    return {
        "channel": event.channel,
        "order_ref": event.order_ref,
        "order_id": event.order_id,
        "lines": event.lines,
        "unmatched_skus": list(event.unmatched_skus),
        "sales_url": absolute(reverse("sale-list")),
    }


def _stock(event: events.StockAlertRaised) -> dict[str, Any]:
    return {
        "variant_id": event.variant_id,
        "sku": event.sku,
        "alert": event.alert,
        "severity": event.severity,
        "message": event.message,
        "forecasts_url": absolute(reverse("forecast-overview")),
    }


def _plan(event: events.ProductionPlanApproved) -> dict[str, Any]:
    return {
        "plan_id": event.plan_id,
        "maker_id": event.maker_id,
        "week_start": event.week_start,
        "weeks": event.weeks,
        "pieces": event.pieces,
        "by_id": event.by_id,
        "review_url": absolute(reverse("review-detail", args=[event.item_id])) if event.item_id else None,
    }


def _job(event: events.JobFinished) -> dict[str, Any]:
    return {
        "job_id": event.job_id,
        "kind": event.kind,
        "status": event.status,
        "done": event.done,
        "failed": event.failed,
        "job_url": absolute(reverse("job-detail", args=[event.job_id])),
    }


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    data: Callable[[Any], dict[str, Any]]
    sample: Callable[[], events.Event]


_AT = dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.UTC)


def _sample_draft(cls, **extra):
    return lambda: cls(
        kind="listing_copy",
        draft=SimpleNamespace(product_id=12),
        draft_id=42,
        item_id=108,
        version=2,
        subject="Celadon mug, 350 ml",
        owner_id=7,
        by_id=3,
        occurred_at=_AT,
        **extra,
    )


def _types() -> dict[str, EventType]:
    found = [
        EventType(
            "draft.submitted",
            "A draft (listing copy, staged image, production plan, …) is waiting in the review queue.",
            _draft,
            _sample_draft(events.DraftSubmitted),
        ),
        EventType(
            "draft.approved",
            "A person approved a draft; for listing copy, `title` is the approved title.",
            _draft,
            _sample_draft(events.DraftApproved, snapshot={"title": "Celadon mug, 350 ml, wheel-thrown stoneware"}),
        ),
        EventType(
            "draft.rejected",
            "A person rejected a draft; `note` says why.",
            _draft,
            _sample_draft(events.DraftRejected, note="Say it holds 350 ml, not 'large'."),
        ),
    ]
    for channel in LISTING_CHANNELS:
        label = SalesChannel(channel).label
        found += [
            EventType(
                f"listing.published.{channel}",
                f"An approved listing went out to {label} (created or updated).",
                _listing,
                lambda channel=channel: events.ProductPublished(
                    channel=channel,
                    product=None,
                    product_id=12,
                    remote_id="gid://shopify/Product/8123",
                    occurred_at=_AT,
                ),
            ),
            EventType(
                f"listing.failed.{channel}",
                f"Publishing a listing to {label} failed; `error` says why.",
                _listing,
                lambda channel=channel: events.ProductPublishFailed(
                    channel=channel, product=None, product_id=12, error="Title is over 140 characters.", occurred_at=_AT
                ),
            ),
        ]
    found += [
        EventType(
            "order.recorded",
            "An order from a channel was recorded as sales (`channel` says which: shopify, etsy, …).",
            _order,
            lambda: events.OrderRecorded(
                channel="etsy", order_ref="3456789012", order_id="3456789012", lines=2, occurred_at=_AT
            ),
        ),
        EventType(
            "stock_alert.raised",
            "A variant is about to run out (or has): make more.",
            _stock,
            lambda: events.StockAlertRaised(
                variant_id=31,
                sku="MUG-CEL-350",
                alert="stockout_risk",
                severity="high",
                message="4 in stock, about 9 expected to sell in the next 2 weeks.",
                occurred_at=_AT,
            ),
        ),
        EventType(
            "production_plan.approved",
            "A maker's production plan was approved: the schedule to make from.",
            _plan,
            lambda: events.ProductionPlanApproved(
                plan=None,
                plan_id=5,
                maker_id=7,
                week_start="2026-12-07",
                weeks=4,
                item_id=110,
                pieces=36,
                by_id=3,
                occurred_at=_AT,
            ),
        ),
        EventType(
            "job.finished",
            "A background job (staging, copywriting, publishing, forecasts) finished.",
            _job,
            lambda: events.JobFinished(
                job=None, job_id=77, kind="publish", status="succeeded", done=12, failed=0, occurred_at=_AT
            ),
        ),
    ]
    return {event_type.name: event_type for event_type in found}


EVENT_TYPES: dict[str, EventType] = _types()
# The domain events that become webhooks (their `topic` picks the type above).
SOURCE_EVENTS: tuple[type[events.Event], ...] = (
    events.DraftSubmitted,
    events.DraftApproved,
    events.DraftRejected,
    events.ProductPublished,
    events.ProductPublishFailed,
    events.OrderRecorded,
    events.StockAlertRaised,
    events.ProductionPlanApproved,
    events.JobFinished,
)


# One enum in the OpenAPI schema for every field that takes an event type (SPECTACULAR_SETTINGS names it).
EVENT_TYPE_CHOICES: list[tuple[str, str]] = [(name, name) for name in EVENT_TYPES]


def payload(event: events.Event) -> dict[str, Any]:
    event_type = EVENT_TYPES[event.topic]
    timestamp = event.occurred_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return {"type": event.topic, "timestamp": timestamp, "version": PAYLOAD_VERSION, "data": event_type.data(event)}


def body(event: events.Event) -> str:
    """The exact bytes (as text) that are signed and sent, on every attempt."""
    return json.dumps(payload(event), separators=(",", ":"), ensure_ascii=False, default=str)


def sample(name: str) -> dict[str, Any]:
    return payload(EVENT_TYPES[name].sample())
