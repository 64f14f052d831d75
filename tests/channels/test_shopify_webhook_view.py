"""Shopify's order webhooks: signed deliveries become sales once; anything else is refused or ignored, never half-applied."""

import base64
import datetime as dt
import hashlib
import hmac
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from channels.models import UnmatchedSku
from channels.orders import unmatched_record
from forecasting.models import Sale
from studio.sales_channels import SalesChannel
from tests.channels.fakes.shopify import FakeShopify
from tests.factories import ProductFactory, VariantFactory

SECRET = "shpss_webhook_secret_for_tests_0123"
URL = "/webhooks/shopify/orders"


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.SHOPIFY_WEBHOOK_SECRET = SECRET


@pytest.fixture
def orders():
    """The fake shop's order store (not served: only its webhook bodies are used here)."""
    return FakeShopify()


@pytest.fixture
def mugs(artisan):
    product = ProductFactory(maker=artisan, title="Celadon mug")
    return {
        sku: VariantFactory(product=product, sku=sku, options={"size": size})
        for sku, size in (("MUG-CEL-S", "small"), ("MUG-CEL-L", "large"))
    }


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def deliver(client, body, *, topic: str = "orders/updated", signature: str | None = "sign", **headers):
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    if signature == "sign":
        signature = sign(body)
    if signature is not None:
        headers["HTTP_X_SHOPIFY_HMAC_SHA256"] = signature
    if topic is not None:
        headers["HTTP_X_SHOPIFY_TOPIC"] = topic
    return client.post(URL, data=body, content_type="application/json", **headers)


def recent(minutes: int = 5) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)


def sales() -> list[tuple]:
    return list(
        Sale.objects.order_by("order_ref", "line_ref").values_list(
            "variant__sku", "order_ref", "line_ref", "quantity", "unit_price"
        )
    )


def nothing_written() -> bool:
    return not Sale.objects.exists() and not UnmatchedSku.objects.exists()


def test_the_url_is_named(db):
    assert reverse("shopify-webhook") == URL


def test_a_signed_order_becomes_sales_keyed_by_order_name_and_line_position(client, mugs, orders):
    placed = recent()
    order = orders.add_order(lines=[("MUG-CEL-S", 2, "24.00"), ("MUG-CEL-L", 1, "28.50")], updated_at=placed)

    response = deliver(client, orders.order_webhook(order["id"]), topic="orders/create")

    assert response.status_code == 200
    assert response.json() == {"order": order["name"], "lines": 2, "recorded": 2, "unmatched_skus": []}
    assert sales() == [
        ("MUG-CEL-S", order["name"], "1", 2, Decimal("24.00")),
        ("MUG-CEL-L", order["name"], "2", 1, Decimal("28.50")),
    ]
    assert set(Sale.objects.values_list("channel", "date")) == {
        (SalesChannel.SHOPIFY, timezone.localtime(placed).date())
    }


def test_the_same_delivery_twice_adds_nothing(client, mugs, orders):
    order = orders.add_order(lines=[("MUG-CEL-S", 1, "24.00")], updated_at=recent())
    body = json.dumps(orders.order_webhook(order["id"])).encode()

    first, second = deliver(client, body), deliver(client, body)

    assert first.json()["recorded"] == 1 and second.status_code == 200 and second.json()["recorded"] == 0
    assert Sale.objects.count() == 1


@pytest.mark.parametrize(
    "signature",
    [
        None,  # missing
        "",
        "not-base64-at-all",
        "wrong-secret",
        "other-body",
    ],
)
def test_a_bad_or_missing_signature_is_refused_and_nothing_is_written(client, mugs, orders, signature):
    order = orders.add_order(lines=[("MUG-CEL-S", 1, "24.00")], updated_at=recent())
    body = json.dumps(orders.order_webhook(order["id"])).encode()
    header = {
        "wrong-secret": sign(body, "someone-elses-secret"),
        "other-body": sign(body + b" "),
    }.get(signature, signature)

    response = deliver(client, body, signature=header)

    assert response.status_code == 401 and "signature" in response.json()["error"]
    assert nothing_written()


@pytest.mark.parametrize(
    "body",
    [
        b'{"id": 1, "line_items": [',  # cut short
        b"[1, 2, 3]",  # JSON, but not an order object
        b"\xff\xfe not utf-8",
        json.dumps({"id": 7, "name": "#7", "created_at": "2099-01-01T00:00:00Z"}).encode(),  # no line items
    ],
)
def test_an_unreadable_body_with_a_good_signature_is_a_400(client, mugs, body):
    if b"2099" in body:  # keep the incomplete order fresh, so it is judged on its shape
        body = body.replace(b"2099-01-01T00:00:00Z", timezone.now().isoformat().encode())

    response = deliver(client, body)

    assert response.status_code == 400 and "could not be read" in response.json()["error"]
    assert nothing_written()


def test_a_stale_delivery_is_acknowledged_but_not_applied(client, mugs, orders):
    order = orders.add_order(lines=[("MUG-CEL-S", 3, "24.00")], updated_at=timezone.now() - dt.timedelta(days=2))

    response = deliver(client, orders.order_webhook(order["id"]))

    assert response.status_code == 200 and "stale" in response.json()["ignored"]
    assert nothing_written()


@pytest.mark.parametrize("topic", ["products/update", "", None])
def test_an_unknown_topic_is_acknowledged_and_ignored(client, mugs, orders, topic):
    order = orders.add_order(lines=[("MUG-CEL-S", 1, "24.00")], updated_at=recent())

    response = deliver(client, orders.order_webhook(order["id"]), topic=topic)

    assert response.status_code == 200 and "is not handled" in response.json()["ignored"]
    assert nothing_written()


def test_an_unknown_sku_is_kept_and_recorded_once_a_variant_has_it(client, mugs, orders, artisan):
    order = orders.add_order(lines=[("MUG-CEL-S", 1, "24.00"), ("VASE-TALL", 2, "80.00")], updated_at=recent())
    body = json.dumps(orders.order_webhook(order["id"])).encode()

    response = deliver(client, body)
    deliver(client, body)  # again: still one kept line

    assert response.json()["unmatched_skus"] == ["VASE-TALL"]
    assert sales() == [("MUG-CEL-S", order["name"], "1", 1, Decimal("24.00"))]
    kept = UnmatchedSku.objects.get()
    assert (kept.channel, kept.sku, kept.lines, kept.quantity) == (SalesChannel.SHOPIFY, "VASE-TALL", 1, 2)
    assert [(line["order_ref"], line["line_ref"], line["quantity"]) for line in kept.order_lines] == [
        (order["name"], "2", 2)
    ]

    VariantFactory(product=ProductFactory(maker=artisan, title="Tall vase"), sku="VASE-TALL")
    assert unmatched_record() == 1

    assert ("VASE-TALL", order["name"], "2", 2, Decimal("80.00")) in sales()
    assert not UnmatchedSku.objects.exists()
    assert unmatched_record() == 0


def test_a_cancelled_order_is_reversed_line_by_line_and_nets_to_zero(client, mugs, orders):
    placed = recent(30)
    order = orders.add_order(lines=[("MUG-CEL-S", 2, "24.00"), ("MUG-CEL-L", 1, "28.50")], updated_at=placed)
    deliver(client, orders.order_webhook(order["id"]), topic="orders/create")
    cancelled = orders.add_order(
        lines=[("MUG-CEL-S", 2, "24.00"), ("MUG-CEL-L", 1, "28.50")],
        updated_at=recent(),
        created_at=placed,
        cancelled=True,
    )
    body = orders.order_webhook(cancelled["id"])
    body.update({"id": int(order["id"]), "name": order["name"]})
    for mine, theirs in zip(body["line_items"], orders.order_webhook(order["id"])["line_items"], strict=True):
        mine["id"] = theirs["id"]

    response = deliver(client, body, topic="orders/cancelled")

    assert response.status_code == 200 and response.json()["recorded"] == 2
    assert sales() == [
        ("MUG-CEL-S", order["name"], "1", 2, Decimal("24.00")),
        ("MUG-CEL-S", order["name"], "1-refund", -2, Decimal("24.00")),
        ("MUG-CEL-L", order["name"], "2", 1, Decimal("28.50")),
        ("MUG-CEL-L", order["name"], "2-refund", -1, Decimal("28.50")),
    ]
    assert sum(quantity for *_, quantity, _ in sales()) == 0


def test_a_refund_adds_a_negative_line(client, mugs, orders):
    order = orders.add_order(
        lines=[("MUG-CEL-S", 3, "24.00"), ("MUG-CEL-L", 1, "28.50")], updated_at=recent(), refunds=[[(0, 1)]]
    )

    deliver(client, orders.order_webhook(order["id"]))

    assert sales() == [
        ("MUG-CEL-S", order["name"], "1", 3, Decimal("24.00")),
        ("MUG-CEL-S", order["name"], "1-refund", -1, Decimal("24.00")),
        ("MUG-CEL-L", order["name"], "2", 1, Decimal("28.50")),
    ]


def test_a_second_refund_of_the_same_line_deepens_its_reversal(client, mugs, orders):
    """orders/updated carries the refunds so far: the reversal follows the total, whatever order they arrive in."""
    once = orders.add_order(lines=[("MUG-CEL-S", 3, "24.00")], updated_at=recent(20), refunds=[[(0, 1)]])
    body_once = orders.order_webhook(once["id"])
    body_twice = json.loads(json.dumps(body_once))
    body_twice["updated_at"] = recent(10).isoformat()
    body_twice["refunds"].append(
        {
            "id": 99,
            "created_at": body_twice["updated_at"],
            "refund_line_items": [{"line_item_id": body_twice["line_items"][0]["id"], "quantity": 1}],
        }
    )

    deliver(client, body_once)
    deliver(client, body_twice)
    deliver(client, body_once)  # a late retry of the older delivery doesn't undo the second refund

    assert [(line_ref, quantity) for _, _, line_ref, quantity, _ in sales()] == [("1", 3), ("1-refund", -2)]


def test_a_later_refund_of_an_unknown_sku_is_kept_too(client, mugs, orders, artisan):
    order = orders.add_order(lines=[("VASE-TALL", 3, "80.00")], updated_at=recent(20), refunds=[[(0, 1)]])
    body = orders.order_webhook(order["id"])
    deliver(client, body)
    body["updated_at"] = recent(10).isoformat()
    body["refunds"].append(
        {
            "id": 98,
            "created_at": body["updated_at"],
            "refund_line_items": [{"line_item_id": body["line_items"][0]["id"], "quantity": 2}],
        }
    )
    deliver(client, body)

    kept = UnmatchedSku.objects.get()
    assert [(line["line_ref"], line["quantity"]) for line in kept.order_lines] == [("1", 3), ("1-refund", -3)]
    assert (kept.lines, kept.quantity) == (2, 0)

    VariantFactory(product=ProductFactory(maker=artisan, title="Tall vase"), sku="VASE-TALL")
    assert unmatched_record() == 2
    assert sum(Sale.objects.filter(variant__sku="VASE-TALL").values_list("quantity", flat=True)) == 0


def test_without_a_secret_the_endpoint_does_not_exist(client, settings, mugs, orders):
    settings.SHOPIFY_WEBHOOK_SECRET = ""
    order = orders.add_order(lines=[("MUG-CEL-S", 1, "24.00")], updated_at=recent())
    body = json.dumps(orders.order_webhook(order["id"])).encode()

    response = deliver(client, body, signature=sign(body, ""))

    assert response.status_code == 404
    assert nothing_written()


def test_an_oversized_body_is_refused_before_it_is_read(client, mugs):
    body = b'{"padding": "' + b"x" * (2 * 1024 * 1024) + b'"}'

    response = deliver(client, body)

    assert response.status_code == 413
    assert nothing_written()


def test_only_post_is_accepted(client):
    assert client.get(URL).status_code == 405


def test_a_signed_test_webhook_turns_into_sales_on_the_sales_page(client, manager_client, artisan_client, mugs, orders):
    order = orders.add_order(lines=[("MUG-CEL-L", 2, "28.50")], updated_at=recent())
    before = manager_client.get(reverse("sale-list"))
    assert before.status_code == 200 and "No sales yet" in before.content.decode()
    assert order["name"] not in before.content.decode()

    assert deliver(client, orders.order_webhook(order["id"]), topic="orders/paid").status_code == 200

    for viewer in (manager_client, artisan_client):
        page = viewer.get(reverse("sale-list")).content.decode()
        assert order["name"] in page and "MUG-CEL-L" in page


# --- Signed, well-formed, impossible: acknowledged (Shopify would retry a refusal for days), logged, not recorded ---


def _with_line(body: dict, **changes) -> dict:
    body["line_items"][0].update(changes)
    return body


TEN_YEARS = dt.timedelta(days=3653)


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda b: _with_line(b, quantity=10**12), "more than 100,000 units"),
        (lambda b: _with_line(b, price=1e30), "too large"),
        (lambda b: _with_line(b, price="1e30"), "too large"),
        (lambda b: _with_line(b, price=float("nan")), "not a number"),
        (lambda b: _with_line(b, price="NaN"), "not a number"),
        (lambda b: _with_line(b, price="-12.00"), "negative"),
        (lambda b: _with_line(b, sku="MUG-CEL-S\x00"), "NUL"),
        (lambda b: {**b, "name": "#1\x00"}, "NUL"),
        (lambda b: {**b, "created_at": (timezone.now() + TEN_YEARS).isoformat()}, "in the future"),
        (
            lambda b: {
                **b,
                "created_at": (timezone.now() + TEN_YEARS).isoformat(),
                "updated_at": (timezone.now() + TEN_YEARS).isoformat(),
            },
            "in the future",
        ),
        (lambda b: {**b, "created_at": "1970-01-01T00:00:00Z"}, "before 2000"),
    ],
    ids=["quantity-1e12", "price-1e30", "price-1e30-text", "price-nan", "price-nan-text", "negative-price",
         "nul-in-sku", "nul-in-name", "placed-2036", "placed-and-updated-2036", "placed-1970"],
)  # fmt: skip
def test_an_impossible_order_is_acknowledged_logged_and_not_recorded(client, mugs, orders, caplog, change, reason):
    order = orders.add_order(lines=[("MUG-CEL-S", 2, "24.00")], updated_at=recent())
    body = change(json.loads(json.dumps(orders.order_webhook(order["id"]))))

    with caplog.at_level("WARNING", logger="channels.shopify.channel"):
        response = deliver(client, json.dumps(body).encode())

    assert response.status_code == 200
    assert reason in response.json()["ignored"]
    assert any(reason in record.getMessage() for record in caplog.records)
    assert nothing_written()


def test_a_refund_of_an_impossible_quantity_is_not_recorded(client, mugs, orders):
    order = orders.add_order(lines=[("MUG-CEL-S", 2, "24.00")], updated_at=recent())
    body = orders.order_webhook(order["id"])
    body["refunds"] = [{"id": 9, "created_at": body["updated_at"], "refund_line_items": [
        {"line_item_id": body["line_items"][0]["id"], "quantity": 10**12}]}]  # fmt: skip

    response = deliver(client, body)

    assert response.status_code == 200 and "more than 100,000 units" in response.json()["ignored"]
    assert nothing_written()
