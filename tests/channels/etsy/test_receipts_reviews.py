"""Receipts become sales once (the scheduled pull, twice over), cancellations reverse them; reviews are kept once."""

import time
from decimal import Decimal

from django.urls import reverse

from channels.models import ChannelSync, Review
from channels.orders import orders_pull
from channels.services import product_publish
from channels.tasks import pull_orders, pull_reviews
from forecasting.models import Sale

NOW = int(time.time())


def receipt(receipt_id: int, *, status: str = "paid", is_paid: bool = True, updated: int = NOW, lines=None) -> dict:
    return {
        "receipt_id": receipt_id,
        "status": status,
        "is_paid": is_paid,
        "created_timestamp": updated - 600,
        "updated_timestamp": updated,
        "grandtotal": {"amount": 5200, "divisor": 100, "currency_code": "GBP"},
        "transactions": lines
        or [
            {
                "transaction_id": receipt_id * 10 + 1,
                "sku": "MUG-CEL-S",
                "quantity": 2,
                "price": {"amount": 2400, "divisor": 100, "currency_code": "GBP"},
                "variations": [
                    {"property_id": 513, "value_id": None, "formatted_name": "Size", "formatted_value": "small"},
                    {
                        "property_id": 54,
                        "value_id": None,
                        "formatted_name": "Personalisation",
                        "formatted_value": "For Ana ♥",
                        "question_id": 77,
                    },
                ],
            }
        ],
    }


def test_receipts_pulled_twice_are_sales_once_with_the_personalisation(connected, mug):
    connected.add_receipt(receipt(3001))
    connected.add_receipt(receipt(3002, status="open", is_paid=False))  # not paid yet: not a sale
    first = pull_orders("etsy")
    second = pull_orders("etsy")
    assert first["recorded"] == 1 and second["recorded"] == 0
    sale = Sale.objects.get(channel="etsy")
    assert (sale.order_ref, sale.line_ref, sale.quantity, sale.unit_price) == ("3001", "30011", 2, Decimal("24.00"))
    assert sale.personalisation == "For Ana ♥"
    calls = connected.calls("getShopReceipts")
    assert len(calls) == 2
    assert ChannelSync.objects.get(channel="etsy").cursor is not None


def test_the_pull_asks_from_the_cursor_with_overlap(connected, mug):
    connected.add_receipt(receipt(3001, updated=NOW - 7200))
    orders_pull(channel="etsy")
    cursor = ChannelSync.objects.get(channel="etsy").cursor
    assert int(cursor.timestamp()) == NOW - 7200
    orders_pull(channel="etsy")
    first, second = connected.calls("getShopReceipts")
    assert "min_last_modified" not in first.query  # the first pull reads everything
    assert int(second.query["min_last_modified"]) == NOW - 7200 - 3600  # an hour's overlap
    assert second.query["sort_on"] == "updated" and second.query["sort_order"] == "asc"


def test_a_cancelled_receipt_reverses_its_sales(connected, mug):
    connected.add_receipt(receipt(3001, updated=NOW - 60))
    orders_pull(channel="etsy")
    connected.add_receipt(receipt(3001, status="canceled", is_paid=True, updated=NOW))
    orders_pull(channel="etsy")
    quantities = sorted(Sale.objects.filter(channel="etsy").values_list("line_ref", "quantity"))
    assert quantities == [("30011", 2), ("30011-refund", -2)]


def test_reviews_pulled_twice_are_kept_once_on_the_product(connected, mug, artisan_client):
    listing = product_publish(product_id=mug.pk, channel="etsy")
    connected.add_review(
        {
            "shop_id": connected.shop_id,
            "listing_id": int(listing.remote_id),
            "transaction_id": 30011,
            "buyer_user_id": 9,
            "rating": 5,
            "review": "Lovely glaze, <b>perfect</b> size",
            "language": "en",
            "created_timestamp": NOW - 3600,
            "updated_timestamp": NOW - 3600,
        }
    )
    assert pull_reviews("etsy")["created"] == 1
    assert pull_reviews("etsy")["created"] == 0
    review = Review.objects.get()
    assert review.product == mug and review.rating == 5 and review.language == "en"
    page = artisan_client.get(reverse("product-detail", args=[mug.pk])).content.decode()
    assert "Lovely glaze, &lt;b&gt;perfect&lt;/b&gt; size" in page


def test_an_enabled_etsy_gets_its_receipt_and_review_pulls_scheduled(etsy_settings, db):
    from django_q.models import Schedule

    from channels.schedules import schedules_sync

    schedules_sync()
    names = set(Schedule.objects.values_list("name", flat=True))
    assert "Pull orders: Etsy (webhook backstop)" in names and "Pull reviews: Etsy" in names


def test_switched_on_but_never_connected_pulls_nothing_quietly(etsy_settings, db):
    assert pull_orders("etsy")["orders"] == 0
    assert pull_reviews("etsy")["seen"] == 0
    assert etsy_settings.requests == []
    assert ChannelSync.objects.get(channel="etsy").last_error == ""
