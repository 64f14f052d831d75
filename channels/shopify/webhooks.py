"""Shopify webhooks: check the signature, judge staleness, parse orders and refunds.

Signature: `X-Shopify-Hmac-Sha256` is base64(HMAC-SHA256(app client secret, raw
body)). Verify the raw bytes exactly as received, before parsing anything.

Replays and duplicates: the HMAC covers the body only, so a captured delivery
can be sent again with any headers, `X-Shopify-Triggered-At` included. Staleness
is therefore judged on a timestamp *inside* the signed body (an order's
`updated_at`, a refund's `created_at`), never on a header. The default tolerance,
6 hours, outlasts Shopify's own retries of a failed delivery (8 tries over 4
hours). A stale delivery should be answered 200 (so Shopify stops retrying) and
not applied: the periodic `ShopifyClient.orders_since` sync picks up anything
missed. Within the window, a replay is made harmless by the service
(forecasting.channel_orders): every line is keyed by order and line position,
so the same delivery twice records nothing new, and a refund only ever deepens
the stored reversal, so an older delivery retried late can't undo a newer one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from channels.payload import OrderDataError, OrderLine, OrderOutOfRange, OrderPayload, RefundLine, RefundPayload
from channels.shopify.orders import numeric_id, order_dates, quantity, sku, text, timestamp, unit_price

DEFAULT_MAX_AGE = timedelta(hours=6)
MAX_BODY_BYTES = 5 * 1024 * 1024


class WebhookPayloadError(ValueError):
    """A signed webhook body we can't use: not JSON, or not the shape of its topic."""


class WebhookOrderOutOfRange(WebhookPayloadError):
    """A well-formed order with impossible values (see OrderOutOfRange): acknowledged, logged, not recorded."""


def verify_webhook(body: bytes, hmac_header: str | None, secret: str) -> bool:
    """Whether `body` was signed with `secret`; False for a missing or malformed header."""
    if not hmac_header or not secret:
        return False
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    expected = base64.b64encode(digest)
    return hmac.compare_digest(expected, hmac_header.strip().encode("utf-8", "replace"))


def signed_timestamp(payload: Mapping) -> datetime | None:
    """The newest of the body's own timestamps (`updated_at`, `processed_at`, `created_at`)."""
    found = []
    for key in ("updated_at", "processed_at", "created_at"):
        try:
            found.append(timestamp(payload.get(key)))
        except OrderDataError:
            continue
    return max(found, default=None)


def is_stale(payload: Mapping, *, now: datetime | None = None, max_age: timedelta = DEFAULT_MAX_AGE) -> bool:
    """True when the body's own timestamp is older than `max_age` (or it has none to judge by)."""
    signed_at = signed_timestamp(payload)
    if signed_at is None:
        return True
    return (now or datetime.now(UTC)) - signed_at > max_age


def webhook_json(body: bytes | str | Mapping) -> dict:
    """The JSON object of a webhook body, or a WebhookPayloadError saying why not."""
    if isinstance(body, Mapping):
        return dict(body)
    if len(body) > MAX_BODY_BYTES:
        raise WebhookPayloadError("Webhook body is too large.")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookPayloadError(f"Webhook body is not valid JSON ({exc.__class__.__name__}).") from None
    if not isinstance(data, dict):
        raise WebhookPayloadError(f"Webhook body is a JSON {type(data).__name__}, not an object.")
    return data


def parse_order_webhook(payload: bytes | str | Mapping) -> OrderPayload:
    """An orders/create, orders/updated, orders/cancelled… body (REST order JSON)."""
    data = webhook_json(payload)
    try:
        refunded: dict[str, int] = {}
        for refund in data.get("refunds") or []:
            for item in refund.get("refund_line_items") or []:
                line_id = numeric_id(item["line_item_id"])
                refunded[line_id] = refunded.get(line_id, 0) + quantity(item["quantity"])
        lines = tuple(
            OrderLine(
                line_id=numeric_id(item["id"]),
                sku=sku(item.get("sku")),
                quantity=quantity(item["quantity"]),
                unit_price=unit_price(item["price"]),
                refunded_quantity=refunded.get(numeric_id(item["id"]), 0),
            )
            for item in data["line_items"]
        )
        created_at = timestamp(data["created_at"])
        updated_at = timestamp(data["updated_at"]) if data.get("updated_at") else created_at
        order_dates(created_at, updated_at)
        return OrderPayload(
            order_id=numeric_id(data["id"]),
            name=text(data["name"], "order name"),
            created_at=created_at,
            updated_at=updated_at,
            cancelled=bool(data.get("cancelled_at")),
            currency=text(data["currency"], "currency"),
            lines=lines,
        )
    except OrderOutOfRange as exc:
        raise WebhookOrderOutOfRange(f"Order webhook: {exc}") from None
    except KeyError as exc:
        raise WebhookPayloadError(f"Order webhook without {exc}.") from None
    except (TypeError, AttributeError) as exc:
        raise WebhookPayloadError(f"Order webhook has an unexpected shape ({exc}).") from None
    except OrderDataError as exc:
        raise WebhookPayloadError(f"Order webhook: {exc}") from None


def parse_refund_webhook(payload: bytes | str | Mapping) -> RefundPayload:
    """A refunds/create body (REST refund JSON)."""
    data = webhook_json(payload)
    try:
        lines = tuple(
            RefundLine(
                line_id=numeric_id(item["line_item_id"]),
                sku=sku((item.get("line_item") or {}).get("sku")),
                quantity=quantity(item["quantity"]),
            )
            for item in data.get("refund_line_items") or []
        )
        return RefundPayload(
            refund_id=numeric_id(data["id"]),
            order_id=numeric_id(data["order_id"]),
            created_at=timestamp(data.get("created_at") or data["processed_at"]),
            lines=lines,
        )
    except OrderOutOfRange as exc:
        raise WebhookOrderOutOfRange(f"Refund webhook: {exc}") from None
    except KeyError as exc:
        raise WebhookPayloadError(f"Refund webhook without {exc}.") from None
    except (TypeError, AttributeError) as exc:
        raise WebhookPayloadError(f"Refund webhook has an unexpected shape ({exc}).") from None
    except OrderDataError as exc:
        raise WebhookPayloadError(f"Refund webhook: {exc}") from None
