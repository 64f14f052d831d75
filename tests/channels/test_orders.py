"""The scheduled order pull (the webhooks' backstop) against the fake Shopify, through the real ShopifyClient.

The client and the fake share a FakeClock, so the client's pacing and backoff
move fake time only; nothing here sleeps for real.
"""

import datetime as dt
import json
import random
from decimal import Decimal

import pytest
from django.utils import timezone

from channels.models import ChannelSync, UnmatchedSku
from channels.orders import orders_pull, orders_record
from channels.schedules import ORDER_PULL, schedules_sync
from channels.shopify.client import ShopifyClient
from channels.shopify.errors import ShopifyUnavailable
from channels.shopify.webhooks import parse_order_webhook
from channels.tasks import pull_orders
from forecasting.models import Sale
from studio.sales_channels import SalesChannel
from tests.channels.fakes.shopify import FakeClock, FakeShopify, Fault, utc
from tests.factories import ProductFactory, VariantFactory

START = utc(2025, 3, 1, 9, 0)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def shop(clock):
    with FakeShopify(clock=clock.now) as fake:
        yield fake


def client_for(shop, clock, **options) -> ShopifyClient:
    return ShopifyClient(
        shop.shop_domain,
        shop.access_token,
        shop.api_version,
        base_url=shop.base_url,
        sleep=clock.sleep,
        clock=clock.now,
        rng=random.Random(3),
        **options,
    )


@pytest.fixture
def client(shop, clock):
    return client_for(shop, clock)


@pytest.fixture
def variants(artisan):
    product = ProductFactory(maker=artisan, title="Celadon mug")
    return [VariantFactory(product=product, sku=sku) for sku in ("MUG-CEL-S", "MUG-CEL-L")]


def seed_orders(shop, count: int, *, start=START, step=dt.timedelta(minutes=7)) -> list[dict]:
    return [
        shop.add_order(lines=[("MUG-CEL-S" if n % 2 else "MUG-CEL-L", 1 + n % 3, "24.00")], updated_at=start + n * step)
        for n in range(count)
    ]


def sync() -> ChannelSync:
    return ChannelSync.objects.get(channel=SalesChannel.SHOPIFY)


def test_a_pull_records_every_order_and_moves_the_cursor(shop, client, variants):
    seeded = seed_orders(shop, 12)  # two pages of the orders query
    refunded = shop.add_order(
        lines=[("MUG-CEL-S", 2, "24.00"), ("NO-SUCH-SKU", 1, "9.00")],
        updated_at=START + dt.timedelta(days=1),
        refunds=[[(0, 2)]],
    )

    outcome = orders_pull(client=client)

    assert shop.operations().count("AtelierOrders") == 2
    assert outcome.orders == 13 and outcome.created == 14 and outcome.unmatched == 1
    assert Sale.objects.filter(channel=SalesChannel.SHOPIFY).count() == 14
    first = seeded[0]
    assert (
        Sale.objects.filter(order_ref=first["name"], line_ref="1").get().quantity == first["line_items"][0]["quantity"]
    )
    assert list(
        Sale.objects.filter(order_ref=refunded["name"]).order_by("line_ref").values_list("line_ref", "quantity")
    ) == [("1", 2), ("1-refund", -2)]
    assert UnmatchedSku.objects.get().sku == "NO-SUCH-SKU"
    state = sync()
    assert state.cursor == refunded["updated_at"] and state.last_error == "" and state.orders_seen == 13
    assert state.last_run_at is not None


def test_a_second_pull_adds_nothing_and_a_third_picks_up_only_new_orders(shop, client, variants):
    seed_orders(shop, 5)
    orders_pull(client=client)
    stored = Sale.objects.count()

    again = orders_pull(client=client)

    assert again.created == 0 and Sale.objects.count() == stored
    # The pull asked only for orders updated since the cursor (less the hour of overlap).
    last = [r for r in shop.requests if r.operation == "AtelierOrders"][-1]
    assert last.variables["query"] == "updated_at:>='2025-03-01T08:28:00Z'"

    late = shop.add_order(lines=[("MUG-CEL-L", 4, "28.50")], updated_at=START + dt.timedelta(hours=6))
    third = orders_pull(client=client)

    assert third.created == 1 and Sale.objects.count() == stored + 1
    assert Sale.objects.get(order_ref=late["name"]).quantity == 4
    assert sync().cursor == late["updated_at"]


def test_an_error_mid_pull_keeps_the_cursor_at_what_was_recorded(shop, clock, variants):
    seeded = seed_orders(shop, 110)  # 100 are recorded as one batch; the rest come after
    real = client_for(shop, clock, max_retries=1)

    class ShopifyGoesDown:
        """After the 103rd order, every further orders page fails (after the client's own retries)."""

        def orders_since(self, since):
            for number, order in enumerate(real.orders_since(since), start=1):
                yield order
                if number == 103:
                    shop.inject(*[Fault("status", status=503, operation="AtelierOrders") for _ in range(2)])

    with pytest.raises(ShopifyUnavailable):
        orders_pull(client=ShopifyGoesDown())

    state = sync()
    assert "AtelierOrders" in state.last_error and "503" in state.last_error
    assert state.cursor == seeded[99]["updated_at"]  # the last recorded batch, not the orders read after it
    assert Sale.objects.count() == 100 and state.orders_seen == 100

    outcome = orders_pull(client=client_for(shop, clock))

    assert Sale.objects.count() == 110 and outcome.created == 10
    state = sync()
    assert state.cursor == seeded[-1]["updated_at"] and state.last_error == ""
    assert set(Sale.objects.values_list("order_ref", flat=True)) == {order["name"] for order in seeded}


def test_an_error_before_anything_is_recorded_leaves_the_cursor_alone(shop, clock, client, variants):
    seed_orders(shop, 3)
    orders_pull(client=client)
    cursor = sync().cursor
    shop.add_order(lines=[("MUG-CEL-S", 1, "24.00")], updated_at=START + dt.timedelta(days=2))
    shop.inject(*[Fault("status", status=500, operation="AtelierOrders") for _ in range(2)])

    with pytest.raises(ShopifyUnavailable):
        orders_pull(client=client_for(shop, clock, max_retries=1))

    state = sync()
    assert state.cursor == cursor and "500" in state.last_error and Sale.objects.count() == 3


def test_an_order_from_the_pull_and_from_the_webhook_is_one_sale(shop, client, variants):
    order = shop.add_order(
        lines=[("MUG-CEL-S", 2, "24.00"), ("MUG-CEL-L", 1, "28.50")], updated_at=timezone.now(), refunds=[[(1, 1)]]
    )
    orders_pull(client=client)
    stored = list(
        Sale.objects.order_by("line_ref").values_list("order_ref", "line_ref", "quantity", "unit_price", "date")
    )

    webhook = parse_order_webhook(json.dumps(shop.order_webhook(order["id"])).encode())
    assert orders_record(orders=[webhook]).created == 0

    assert (
        list(Sale.objects.order_by("line_ref").values_list("order_ref", "line_ref", "quantity", "unit_price", "date"))
        == stored
    )
    assert [(line_ref, quantity) for _, line_ref, quantity, *_ in stored] == [("1", 2), ("2", 1), ("2-refund", -1)]
    assert stored[0][3] == Decimal("24.00")


def test_a_pulled_unknown_sku_is_recorded_by_a_later_pull_once_a_variant_has_it(shop, client, variants, artisan):
    order = shop.add_order(lines=[("VASE-TALL", 1, "80.00")], updated_at=START)
    orders_pull(client=client)
    assert not Sale.objects.exists() and UnmatchedSku.objects.get().sku == "VASE-TALL"

    VariantFactory(product=ProductFactory(maker=artisan), sku="VASE-TALL")
    outcome = orders_pull(client=client)

    assert outcome.created == 1 and Sale.objects.get().order_ref == order["name"]
    assert not UnmatchedSku.objects.exists()


def test_the_scheduled_task_pulls_with_the_settings_client(shop, settings, variants):
    settings.SHOPIFY_SHOP_DOMAIN = shop.shop_domain
    settings.SHOPIFY_ACCESS_TOKEN = shop.access_token
    settings.SHOPIFY_API_VERSION = shop.api_version
    settings.SHOPIFY_BASE_URL = shop.base_url
    seed_orders(shop, 3)

    assert pull_orders("shopify") == {"channel": "shopify", "orders": 3, "lines": 3, "recorded": 3, "unmatched": 0}
    assert pull_orders("shopify")["recorded"] == 0


def test_the_order_pull_is_scheduled_only_when_shopify_is_connected(settings, db):
    from django_q.models import Schedule

    settings.SHOPIFY_SHOP_DOMAIN = ""
    schedules_sync()
    assert not Schedule.objects.filter(name=ORDER_PULL).exists()

    settings.SHOPIFY_SHOP_DOMAIN, settings.SHOPIFY_ACCESS_TOKEN = "atelier-test.myshopify.com", "shpat_x"
    schedules_sync()
    schedule = Schedule.objects.get(name=ORDER_PULL)
    assert (
        schedule.func == "channels.tasks.pull_orders" and schedule.args == repr(("shopify",)) and schedule.minutes == 30
    )

    settings.SHOPIFY_SHOP_DOMAIN = ""
    schedules_sync()
    assert not Schedule.objects.filter(name=ORDER_PULL).exists()


def test_a_pulled_order_with_impossible_values_is_skipped_and_logged_not_the_whole_pull(shop, client, variants, caplog):
    good = seed_orders(shop, 2)
    huge = shop.add_order(lines=[("MUG-CEL-S", 10**12, "24.00")], updated_at=START + dt.timedelta(hours=1))
    negative = shop.add_order(lines=[("MUG-CEL-L", 1, "-24.00")], updated_at=START + dt.timedelta(hours=2))

    with caplog.at_level("WARNING", logger="channels.shopify.client"):
        outcome = orders_pull(client=client)

    assert outcome.orders == 2
    assert set(Sale.objects.values_list("order_ref", flat=True)) == {order["name"] for order in good}
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert f"{huge['name']} skipped" in logged and "more than 100,000 units" in logged
    assert f"{negative['name']} skipped" in logged and "negative" in logged
    assert sync().last_error == ""
