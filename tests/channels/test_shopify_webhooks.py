"""Shopify webhooks: signatures, staleness (replays), order and refund bodies."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from channels.payload import OrderLine, RefundLine
from channels.shopify.webhooks import (
    WebhookPayloadError,
    is_stale,
    parse_order_webhook,
    parse_refund_webhook,
    signed_timestamp,
    verify_webhook,
)

SECRET = "whsec_test_2f0c9a"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

ORDER = {
    "id": 820982911946154500,
    "name": "#1042",
    "currency": "GBP",
    "created_at": "2025-03-01T10:15:00+00:00",
    "updated_at": "2025-03-01T11:30:00-05:00",
    "cancelled_at": None,
    "line_items": [
        {"id": 466157049, "sku": "MUG-CEL-S", "quantity": 3, "price": "24.00", "title": "Celadon mug"},
        {"id": 518995019, "sku": "", "quantity": 1, "price": "5.50", "title": "Gift wrap"},
    ],
    "refunds": [
        {"id": 509562969, "refund_line_items": [{"line_item_id": 466157049, "quantity": 1}]},
        {
            "id": 509562970,
            "refund_line_items": [
                {"line_item_id": 466157049, "quantity": 1},
                {"line_item_id": 518995019, "quantity": 1},
            ],
        },
    ],
}
REFUND = {
    "id": 929361463,
    "order_id": 820982911946154500,
    "created_at": "2025-03-01T11:00:00Z",
    "processed_at": "2025-03-01T11:00:02Z",
    "refund_line_items": [
        {"id": 1, "line_item_id": 466157049, "quantity": 2, "line_item": {"id": 466157049, "sku": "MUG-CEL-S"}},
    ],
}


def signed(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


# --- Signatures ------------------------------------------------------------------------


def test_a_good_signature_verifies():
    body = json.dumps(ORDER).encode()
    assert verify_webhook(body, signed(body), SECRET)
    assert verify_webhook(body, f" {signed(body)}\n", SECRET)  # header whitespace from proxies


@pytest.mark.parametrize("header", [None, "", "not base64 at all", signed(b"another body"), "ünïcødé"])
def test_bad_or_missing_signatures_fail(header):
    assert not verify_webhook(json.dumps(ORDER).encode(), header, SECRET)


def test_a_tampered_body_fails():
    body = json.dumps(ORDER).encode()
    header = signed(body)

    assert not verify_webhook(body.replace(b'"quantity": 3', b'"quantity": 30'), header, SECRET)
    assert not verify_webhook(json.dumps(json.loads(body), indent=1).encode(), header, SECRET)  # re-serialised


def test_the_wrong_or_an_empty_secret_fails():
    body = json.dumps(ORDER).encode()
    assert not verify_webhook(body, signed(body), "another secret")
    assert not verify_webhook(body, signed(body, ""), "")


# --- Staleness (replays) ---------------------------------------------------------------


def test_staleness_is_judged_on_the_signed_body():
    fresh = dict(ORDER, updated_at=(NOW - timedelta(hours=1)).isoformat())
    old = dict(
        ORDER, updated_at=(NOW - timedelta(hours=7)).isoformat(), created_at=(NOW - timedelta(days=2)).isoformat()
    )

    assert not is_stale(fresh, now=NOW)
    assert is_stale(old, now=NOW)
    assert not is_stale(old, now=NOW, max_age=timedelta(hours=8))


def test_the_newest_timestamp_in_the_body_counts_and_none_means_stale():
    assert signed_timestamp(REFUND) == datetime(2025, 3, 1, 11, 0, 2, tzinfo=UTC)
    assert is_stale({"id": 1}, now=NOW)
    assert is_stale({"updated_at": "yesterday"}, now=NOW)


# --- Orders and refunds ----------------------------------------------------------------


def test_an_order_webhook_becomes_an_order_payload():
    order = parse_order_webhook(json.dumps(ORDER).encode())

    assert (order.order_id, order.name, order.currency, order.cancelled) == (
        "820982911946154500",
        "#1042",
        "GBP",
        False,
    )
    assert order.created_at == datetime(2025, 3, 1, 10, 15, tzinfo=UTC)
    assert order.updated_at == datetime(2025, 3, 1, 16, 30, tzinfo=UTC)
    assert order.lines == (
        OrderLine("466157049", "MUG-CEL-S", 3, Decimal("24.00"), refunded_quantity=2),
        OrderLine("518995019", None, 1, Decimal("5.50"), refunded_quantity=1),
    )


def test_a_cancelled_order_without_updates_or_refunds():
    body = dict(ORDER, cancelled_at="2025-03-01T12:00:00Z", refunds=[])
    del body["updated_at"]

    order = parse_order_webhook(body)

    assert order.cancelled and order.updated_at == order.created_at
    assert [line.refunded_quantity for line in order.lines] == [0, 0]


def test_a_refund_webhook_becomes_a_refund_payload():
    refund = parse_refund_webhook(json.dumps(REFUND))

    assert (refund.refund_id, refund.order_id) == ("929361463", "820982911946154500")
    assert refund.created_at == datetime(2025, 3, 1, 11, 0, tzinfo=UTC)
    assert refund.lines == (RefundLine("466157049", "MUG-CEL-S", 2),)


@pytest.mark.parametrize("body", [b"{not json", b"", b"\xff\xfe", b"[1, 2]", b'"a string"'])
def test_malformed_json_is_a_clear_error(body):
    with pytest.raises(WebhookPayloadError, match="JSON"):
        parse_order_webhook(body)
    with pytest.raises(WebhookPayloadError, match="JSON"):
        parse_refund_webhook(body)


@pytest.mark.parametrize(
    "changes",
    [
        {"line_items": None},
        {"line_items": [{"id": 1, "sku": "A", "quantity": -1, "price": "1.00"}]},
        {"line_items": [{"id": 1, "sku": "A", "quantity": 1, "price": "one pound"}]},
        {"line_items": [{"id": "gid://nope", "sku": "A", "quantity": 1, "price": "1.00"}]},
        {"created_at": "last Tuesday"},
        {"refunds": [{"refund_line_items": [{"quantity": 1}]}]},
    ],
)
def test_orders_of_the_wrong_shape_are_refused(changes):
    with pytest.raises(WebhookPayloadError):
        parse_order_webhook(dict(ORDER, **changes))


def test_a_missing_field_is_named():
    body = dict(ORDER)
    del body["line_items"]
    with pytest.raises(WebhookPayloadError, match="line_items"):
        parse_order_webhook(body)
    with pytest.raises(WebhookPayloadError, match="order_id"):
        parse_refund_webhook({k: v for k, v in REFUND.items() if k != "order_id"})
