"""One stock figure across channels: orders move Atelier's stock once, and the other channels are told.

Shopify is the real ShopifyChannel and ShopifyClient against the fake Shopify on
loopback; the second channel is tests/channels/fakes/recording.py registered as
"etsy" (the real Etsy channel is another branch), which records every set_stock call.
"""

import ast
import datetime as dt
import json
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from catalog.models import Variant
from channels.models import ChannelListing, ChannelStock, StockMove
from channels.orders import orders_pull, orders_record
from channels.shopify.webhooks import parse_order_webhook
from channels.stock import MAX_ATTEMPTS, RETRY_PREFIX, stock_push
from channels.tasks import push_stock
from forecasting.imports.service import sales_import
from forecasting.models import Sale
from studio.models import Job
from studio.sales_channels import SalesChannel
from tests.channels.fakes.recording import RecordingChannel, Throttled
from tests.channels.fakes.shopify import FakeShopify, Fault
from tests.channels.test_shopify_webhook_view import deliver
from tests.factories import ProductFactory, VariantFactory
from tests.forecasting.samples import SHOPIFY_HEADER, shopify_order, to_csv

WEBHOOK_SECRET = "shpss_webhook_secret_for_tests_0123"
SHOPIFY_AND_ETSY = {
    "shopify": {"BACKEND": "channels.shopify.channel.ShopifyChannel", "OPTIONS": {}},
    "etsy": {"BACKEND": "tests.channels.fakes.recording.RecordingChannel", "OPTIONS": {}},
}


@pytest.fixture
def shop():
    with FakeShopify() as fake:
        yield fake


@pytest.fixture
def two_channels(settings, shop):
    """Shopify (the fake, through settings as in production) and the recording "Etsy", both taking stock."""
    settings.ATELIER_CHANNELS = SHOPIFY_AND_ETSY
    settings.SHOPIFY_SHOP_DOMAIN = shop.shop_domain
    settings.SHOPIFY_ACCESS_TOKEN = shop.access_token
    settings.SHOPIFY_API_VERSION = shop.api_version
    settings.SHOPIFY_BASE_URL = shop.base_url
    settings.SHOPIFY_TIMEOUT = 5
    settings.SHOPIFY_LOCATION_GID = shop.location_gid
    settings.SHOPIFY_WEBHOOK_SECRET = WEBHOOK_SECRET
    RecordingChannel.reset()
    yield shop
    RecordingChannel.reset()


def published(product, *channel_names):
    for name in channel_names:
        ChannelListing.objects.create(
            product=product,
            channel=name,
            status=ChannelListing.Status.PUBLISHED,
            remote_id=f"{name}-{product.pk}",
            published_at=timezone.now(),
        )


@pytest.fixture
def vase(artisan, two_channels):
    """A one-of-a-kind vase and a bowl with three in stock, one product, on both channels."""
    product = ProductFactory(maker=artisan, title="Moon vase", handle="moon-vase")
    one = VariantFactory(product=product, sku="VASE-MOON-1", title="The vase", stock_on_hand=1, position=0)
    bowl = VariantFactory(product=product, sku="VASE-MOON-BOWL", title="Matching bowl", stock_on_hand=3, position=1)
    published(product, "shopify", "etsy")
    two_channels.add_product("moon-vase", {"VASE-MOON-1": 1, "VASE-MOON-BOWL": 3})
    RecordingChannel.reset({"VASE-MOON-1": 1, "VASE-MOON-BOWL": 3})
    return product, one, bowl


def shopify_order_webhook(shop, client, lines, *, refunds=(), cancelled=False, topic="orders/create", order=None):
    """A signed Shopify order webhook, as the real view receives it; returns the fake's order."""
    if order is None:
        order = shop.add_order(lines=lines, updated_at=timezone.now(), refunds=refunds, cancelled=cancelled)
    response = deliver(client, shop.order_webhook(order["id"]), topic=topic)
    assert response.status_code == 200, response.content
    return order


def stock(variant) -> int:
    return Variant.objects.get(pk=variant.pk).stock_on_hand


def an_order(sku: str, quantity: int, *, name: str = "#2001", cancelled: bool = False, refunded: int = 0):
    body = {
        "id": int(name.strip("#")),
        "name": name,
        "currency": "GBP",
        "created_at": timezone.now().isoformat(),
        "updated_at": timezone.now().isoformat(),
        "cancelled_at": timezone.now().isoformat() if cancelled else None,
        "line_items": [{"id": 1, "sku": sku, "quantity": quantity, "price": "40.00"}],
        "refunds": [
            {
                "id": 9,
                "created_at": timezone.now().isoformat(),
                "refund_line_items": [{"line_item_id": 1, "quantity": refunded}],
            }
        ]
        if refunded
        else [],
    }
    return parse_order_webhook(body)


# --- The last unit, sold on Shopify ---------------------------------------------------------------


def test_a_shopify_order_for_the_last_unit_zeroes_etsy_first(
    client, vase, two_channels, django_capture_on_commit_callbacks
):
    product, one, bowl = vase

    with django_capture_on_commit_callbacks(execute=True):
        shopify_order_webhook(two_channels, client, [("VASE-MOON-1", 1, "180.00"), ("VASE-MOON-BOWL", 1, "40.00")])

    assert (stock(one), stock(bowl)) == (0, 2)
    # The one-of-a-kind piece stops selling on Etsy before anything else, then the rest follows.
    assert RecordingChannel.calls == [{"VASE-MOON-1": 0}, {"VASE-MOON-BOWL": 2}]
    assert RecordingChannel.stock == {"VASE-MOON-1": 0, "VASE-MOON-BOWL": 2}
    # Never pushed back to Shopify, where the order came from (Shopify moved its own figure).
    assert "AtelierInventorySet" not in two_channels.operations()
    etsy = {row.variant.sku: row for row in ChannelStock.objects.filter(channel="etsy")}
    assert {sku: row.reported for sku, row in etsy.items()} == {"VASE-MOON-1": 0, "VASE-MOON-BOWL": 2}
    assert all(row.error == "" and row.reported_at for row in etsy.values())
    assert not ChannelStock.objects.filter(channel="shopify").exists()


def test_the_selling_channels_own_figure_follows_the_sale_so_it_is_not_flagged(
    manager_client, vase, two_channels, django_capture_on_commit_callbacks
):
    product, one, bowl = vase
    earlier = timezone.now() - dt.timedelta(days=2)
    ChannelStock.objects.create(variant=one, channel="shopify", sent=1, reported=1, reported_at=earlier)

    with django_capture_on_commit_callbacks(execute=True):
        orders_record(orders=[an_order("VASE-MOON-1", 1)], channel=SalesChannel.SHOPIFY)

    row = ChannelStock.objects.get(variant=one, channel="shopify")
    assert (row.reported, row.sent) == (0, 1) and row.reported_at > earlier
    page = manager_client.get(reverse("product-detail", args=[product.pk])).content.decode()
    assert "out of step" not in page and "differs" not in page


def test_an_etsy_order_for_the_last_unit_zeroes_shopify_through_inventory_set_quantities(
    vase, two_channels, django_capture_on_commit_callbacks
):
    product, one, bowl = vase

    with django_capture_on_commit_callbacks(execute=True):
        orders_record(orders=[an_order("VASE-MOON-1", 1, name="#3001")], channel=SalesChannel.ETSY)

    assert stock(one) == 0
    assert two_channels.available("VASE-MOON-1") == 0 and two_channels.available("VASE-MOON-BOWL") == 3
    assert RecordingChannel.calls == []  # not pushed to Etsy, where it sold
    (sent,) = two_channels.inventory_sets
    assert sent["name"] == "available" and sent["reason"] == "correction" and sent["ignoreCompareQuantity"] is True
    assert sent["quantities"] == [
        {
            "inventoryItemId": two_channels.variant_by_sku("VASE-MOON-1")["inventoryItemId"],
            "locationId": two_channels.location_gid,
            "quantity": 0,
        }
    ]
    row = ChannelStock.objects.get(variant=one, channel="shopify")
    assert (row.sent, row.reported, row.error) == (0, 0, "")


def test_stock_goes_only_to_channels_the_product_is_published_on(
    artisan, two_channels, django_capture_on_commit_callbacks
):
    product = ProductFactory(maker=artisan, handle="only-on-shopify")
    cup = VariantFactory(product=product, sku="CUP-1", stock_on_hand=4)
    published(product, "shopify")
    RecordingChannel.reset({"CUP-1": 4})

    with django_capture_on_commit_callbacks(execute=True):
        orders_record(orders=[an_order("CUP-1", 1)], channel=SalesChannel.SHOPIFY)

    assert stock(cup) == 3
    assert RecordingChannel.calls == [] and not ChannelStock.objects.exists()


# --- Once per line ---------------------------------------------------------------------------------


def test_a_redelivered_order_moves_stock_once_and_pushes_once(
    client, vase, two_channels, django_capture_on_commit_callbacks
):
    product, one, bowl = vase
    with django_capture_on_commit_callbacks(execute=True):
        order = shopify_order_webhook(two_channels, client, [("VASE-MOON-BOWL", 2, "40.00")])

    with django_capture_on_commit_callbacks(execute=True) as again:
        shopify_order_webhook(two_channels, client, None, order=order, topic="orders/updated")
        orders_record(orders=[parse_order_webhook(two_channels.order_webhook(order["id"]))])

    assert stock(bowl) == 1
    assert StockMove.objects.get().quantity == 2
    assert again == []  # nothing moved, so no push was queued
    assert RecordingChannel.calls == [{"VASE-MOON-BOWL": 1}]


def test_a_cancellation_puts_the_units_back_and_a_deeper_refund_puts_back_only_the_difference(
    client, vase, two_channels, django_capture_on_commit_callbacks
):
    product, one, bowl = vase
    deliveries = [
        (an_order("VASE-MOON-BOWL", 3, name="#4001"), 0),
        (an_order("VASE-MOON-BOWL", 3, name="#4001", refunded=1), 1),
        (an_order("VASE-MOON-BOWL", 3, name="#4001", refunded=1), 1),  # the same refund again
        (an_order("VASE-MOON-BOWL", 3, name="#4001", cancelled=True), 3),
    ]
    for order, expected in deliveries:
        with django_capture_on_commit_callbacks(execute=True):
            orders_record(orders=[order])
        assert stock(bowl) == expected

    assert stock(bowl) == 3
    assert Sale.objects.get(order_ref="#4001", line_ref="1-refund").quantity == -3
    assert [call["VASE-MOON-BOWL"] for call in RecordingChannel.calls] == [0, 1, 3]
    assert ChannelStock.objects.get(variant=bowl, channel="etsy").reported == 3


def test_a_cancellation_through_the_shopify_webhook_restores_the_one_of_a_kind(
    client, vase, two_channels, django_capture_on_commit_callbacks
):
    product, one, bowl = vase
    with django_capture_on_commit_callbacks(execute=True):
        order = shopify_order_webhook(two_channels, client, [("VASE-MOON-1", 1, "180.00")])
    two_channels.orders[order["id"]]["cancelled_at"] = timezone.now()
    two_channels.orders[order["id"]]["updated_at"] = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        shopify_order_webhook(two_channels, client, None, order=order, topic="orders/cancelled")

    assert stock(one) == 1
    assert RecordingChannel.calls == [{"VASE-MOON-1": 0}, {"VASE-MOON-1": 1}]


# --- Imports and history never touch stock -----------------------------------------------------------


def test_an_imported_sales_file_never_touches_stock_nor_does_a_later_delivery_of_the_same_order(
    client, vase, two_channels, django_capture_on_commit_callbacks
):
    product, one, bowl = vase
    export = to_csv(
        SHOPIFY_HEADER,
        shopify_order("#5001", "2024-03-01 10:15:32 +0000", ("2", "VASE-MOON-BOWL", "40.00", "Matching bowl")),
    )

    with django_capture_on_commit_callbacks(execute=True):
        record = sales_import(file=export, file_name="orders_export.csv")
        assert record.status == "imported" and Sale.objects.filter(order_ref="#5001").exists()
        # The same order by webhook later: the sale is already there, so stock doesn't move; nor when it is cancelled.
        orders_record(orders=[an_order("VASE-MOON-BOWL", 2, name="#5001")])
        orders_record(orders=[an_order("VASE-MOON-BOWL", 2, name="#5001", cancelled=True)])

    assert stock(bowl) == 3
    assert not StockMove.objects.exists() and RecordingChannel.calls == []


def test_the_first_pull_records_history_without_moving_stock_and_later_pulls_move_it(
    vase, two_channels, django_capture_on_commit_callbacks
):
    product, one, bowl = vase
    long_ago = timezone.now() - dt.timedelta(days=40)
    two_channels.add_order(lines=[("VASE-MOON-BOWL", 2, "40.00")], updated_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        first = orders_pull()
    assert first.created == 1 and stock(bowl) == 3

    two_channels.add_order(lines=[("VASE-MOON-BOWL", 1, "40.00")], updated_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        orders_pull()

    assert stock(bowl) == 2
    assert RecordingChannel.calls == [{"VASE-MOON-BOWL": 2}]


# --- Failures: retried with backoff, always visible ------------------------------------------------------


def test_a_429_from_shopify_is_waited_out_and_the_figure_lands(vase, two_channels, django_capture_on_commit_callbacks):
    product, one, bowl = vase
    two_channels.inject(Fault("status", status=429, retry_after="0", operation="AtelierInventorySet"))

    with django_capture_on_commit_callbacks(execute=True):
        orders_record(orders=[an_order("VASE-MOON-BOWL", 1)], channel=SalesChannel.ETSY)

    statuses = [r.status for r in two_channels.requests if r.operation == "AtelierInventorySet"]
    assert statuses == [429, 200]
    assert two_channels.available("VASE-MOON-BOWL") == 2
    assert ChannelStock.objects.get(variant=bowl, channel="shopify").reported == 2


def test_a_429_after_the_channels_own_retries_is_shown_and_tried_again_later(
    vase, two_channels, django_capture_on_commit_callbacks
):
    product, one, bowl = vase
    RecordingChannel.failures.append(Throttled(retry_after=120))

    with django_capture_on_commit_callbacks(execute=True):
        orders_record(orders=[an_order("VASE-MOON-BOWL", 1)])

    row = ChannelStock.objects.get(variant=bowl, channel="etsy")
    assert "429" in row.error and row.failures == 1 and row.reported is None
    schedule = Schedule.objects.get(name__startswith=RETRY_PREFIX)
    assert schedule.func == "channels.tasks.push_stock" and schedule.schedule_type == Schedule.ONCE
    assert schedule.next_run >= timezone.now() + dt.timedelta(seconds=119)  # Retry-After beats the first minute
    assert row.retry_at == schedule.next_run

    # The worker runs the schedule when it is due: this time Etsy takes it.
    result = push_stock(*ast.literal_eval(schedule.args))

    assert result["failed"] == {} and result["reported"] == {"etsy": {"VASE-MOON-BOWL": 2}}
    row.refresh_from_db()
    assert (row.reported, row.error, row.failures, row.retry_at) == (2, "", 0, None)
    assert RecordingChannel.calls == [{"VASE-MOON-BOWL": 2}, {"VASE-MOON-BOWL": 2}]
    assert Schedule.objects.filter(name__startswith=RETRY_PREFIX).count() == 1  # no further retry was scheduled


def test_shopify_down_past_the_clients_retries_is_recorded_with_the_reason(
    vase, two_channels, django_capture_on_commit_callbacks
):
    product, one, bowl = vase
    two_channels.inject(*[Fault("status", status=503, retry_after="0", operation="AtelierStockLevels")] * 6)

    with django_capture_on_commit_callbacks(execute=True):
        orders_record(orders=[an_order("VASE-MOON-BOWL", 1)], channel=SalesChannel.ETSY)

    row = ChannelStock.objects.get(variant=bowl, channel="shopify")
    assert "Shopify didn't take the stock figures" in row.error and "503" in row.error
    assert two_channels.shop_domain in row.error and two_channels.access_token not in row.error
    assert row.retry_at is not None and Schedule.objects.filter(name__startswith=RETRY_PREFIX).count() == 1
    assert stock(bowl) == 2  # the sale and the stock move stand; only the push waits


def test_the_last_try_gives_up_and_says_so(vase, two_channels):
    product, one, bowl = vase
    RecordingChannel.failures.append(Throttled())

    outcome = stock_push(variant_ids=[bowl.pk], only=["etsy"], attempt=MAX_ATTEMPTS)

    assert outcome.failed and not outcome.retrying
    assert "Gave up after 6 tries" in ChannelStock.objects.get(variant=bowl, channel="etsy").error
    assert not Schedule.objects.filter(name__startswith=RETRY_PREFIX).exists()


def test_a_refusal_is_not_retried_and_a_sku_the_channel_lacks_is_named(vase, two_channels):
    product, one, bowl = vase
    RecordingChannel.reset({"VASE-MOON-1": 1})  # the bowl was never listed on Etsy

    outcome = stock_push(variant_ids=[one.pk, bowl.pk], only=["etsy"])

    assert outcome.failed == {"etsy": "Etsy has no variant with SKU VASE-MOON-BOWL: publish the product to Etsy again."}
    assert ChannelStock.objects.get(variant=one, channel="etsy").reported == 1
    assert not Schedule.objects.filter(name__startswith=RETRY_PREFIX).exists()


# --- Concurrent orders (PostgreSQL row locks) -----------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_orders_lose_no_decrement_and_a_duplicate_delivery_still_moves_once(artisan, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    settings.ATELIER_CHANNELS = {}  # no channel to push to: only the stock arithmetic is under test
    product = ProductFactory(maker=artisan)
    mug = VariantFactory(product=product, sku="MUG-RACE", stock_on_hand=40)
    orders = [an_order("MUG-RACE", 2, name=f"#{6000 + n}") for n in range(8)]
    orders += [orders[0], orders[1]]  # two orders delivered twice at the same moment (webhook and pull)
    barrier = threading.Barrier(len(orders))
    errors = []

    def record(order):
        try:
            barrier.wait()
            orders_record(orders=[order])
        except Exception as exc:  # reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert stock(mug) == 40 - 8 * 2
    assert StockMove.objects.count() == 8 and Sale.objects.count() == 8


# --- Push now: the manager's action, and what the product page shows ---------------------------------------


def test_a_manager_pushes_stock_now_from_the_product_page(
    manager_client, vase, two_channels, django_capture_on_commit_callbacks
):
    product, one, bowl = vase
    Variant.objects.filter(pk=bowl.pk).update(stock_on_hand=7)  # counted after a firing

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(reverse("product-push-stock", args=[product.pk]))

    job = Job.objects.get(kind="stock_push")
    assert response.status_code == 302 and response.url == reverse("job-detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.label == f"Push stock of {product.title} to the channels"
    assert two_channels.available("VASE-MOON-BOWL") == 7 and RecordingChannel.stock["VASE-MOON-BOWL"] == 7
    assert RecordingChannel.calls == [{"VASE-MOON-1": 1, "VASE-MOON-BOWL": 7}]


def test_an_artisan_cannot_push_stock(artisan_client, vase):
    product, one, bowl = vase
    response = artisan_client.post(reverse("product-push-stock", args=[product.pk]))
    assert response.status_code == 403
    assert not Job.objects.filter(kind="stock_push").exists()


def test_the_bulk_action_pushes_every_ticked_product(
    manager_client, vase, two_channels, django_capture_on_commit_callbacks
):
    product, one, bowl = vase
    page = manager_client.get(reverse("product-list"))
    assert b"Push stock to the channels" in page.content

    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("products-bulk"), {"action": "push_stock", "products": [product.pk]})

    job = Job.objects.get(kind="stock_push")
    assert job.status == Job.Status.SUCCEEDED and job.done == 1
    assert RecordingChannel.calls == [{"VASE-MOON-1": 1, "VASE-MOON-BOWL": 3}]


def test_the_product_page_shows_each_channels_figure_and_flags_a_difference(manager_client, artisan_client, vase):
    product, one, bowl = vase
    now = timezone.now()
    ChannelStock.objects.create(variant=one, channel="etsy", sent=1, reported=1, reported_at=now)
    ChannelStock.objects.create(variant=bowl, channel="etsy", sent=3, reported=5, reported_at=now)
    ChannelStock.objects.create(
        variant=bowl, channel="shopify", error="Shopify didn't take the stock figures: HTTP 503.", error_at=now
    )

    page = manager_client.get(reverse("product-detail", args=[product.pk])).content.decode()

    assert "Stock on the channels" in page and "1 variant out of step" in page
    assert "5 · differs" in page and "HTTP 503" in page and "Push stock now" in page
    assert "Not sent yet" in page  # the vase on Shopify: published, never pushed
    assert "Push stock now" not in artisan_client.get(reverse("product-detail", args=[product.pk])).content.decode()


def test_the_dashboard_lists_failed_pushes_for_those_who_may_see_the_product(
    manager_client, other_artisan, vase, two_channels, django_capture_on_commit_callbacks
):
    from django.test import Client

    product, one, bowl = vase
    RecordingChannel.failures.append(Throttled())
    with django_capture_on_commit_callbacks(execute=True):
        orders_record(orders=[an_order("VASE-MOON-BOWL", 1)])

    dashboard = manager_client.get(reverse("dashboard")).content.decode()
    assert "Stock not sent to a channel" in dashboard and "Moon vase on Etsy" in dashboard and "HTTP 429" in dashboard
    other = Client()
    other.force_login(other_artisan)
    assert "Stock not sent to a channel" not in other.get(reverse("dashboard")).content.decode()


def test_the_fake_shopify_refuses_an_old_style_set_on_a_new_api_version(settings, vase):
    """The client opts out of compare-and-swap the way the configured API version expects."""
    product, one, bowl = vase
    with FakeShopify(api_version="unstable") as newer:
        newer.add_product("moon-vase", {"VASE-MOON-BOWL": 3})
        settings.SHOPIFY_BASE_URL = newer.base_url
        settings.SHOPIFY_API_VERSION = "unstable"

        outcome = stock_push(variant_ids=[bowl.pk], only=["shopify"])

        assert outcome.reported == {"shopify": {"VASE-MOON-BOWL": 3}}
        (sent,) = newer.inventory_sets
        assert "ignoreCompareQuantity" not in sent and sent["quantities"][0]["changeFromQuantity"] is None
    assert json.dumps(sent)  # plain JSON, as sent


# --- Shopify's set_stock, through the real client ----------------------------------------------------------


def shopify_client(shop, **options):
    from channels.shopify.client import ShopifyClient

    return ShopifyClient(
        shop.shop_domain, shop.access_token, shop.api_version, base_url=shop.base_url, sleep=lambda s: None, **options
    )


def test_shopify_set_stock_matches_whole_skus_in_batches_and_leaves_out_what_it_lacks(shop):
    shop.add_product("mugs", {f"MUG-{n}": 5 for n in range(1, 31)})  # MUG-1 is a prefix of MUG-10 … MUG-19
    shop.add_product("odd", {'JAR "MOON" 1': 2})
    client = shopify_client(shop, location_gid=shop.location_gid)

    reported = client.set_stock(
        {"MUG-1": 0, **{f"MUG-{n}": n for n in range(2, 26)}, 'JAR "MOON" 1': 1, "NOT-THERE": 3}
    )

    assert reported == {"MUG-1": 0, **{f"MUG-{n}": n for n in range(2, 26)}, 'JAR "MOON" 1': 1}
    assert shop.available("MUG-1") == 0 and shop.available("MUG-10") == 10 and shop.available("MUG-26") == 5
    assert shop.operations().count("AtelierStockLevels") == 2  # 27 SKUs, 20 to a query
    (sent,) = shop.inventory_sets
    assert len(sent["quantities"]) == 26


def test_shopify_set_stock_without_a_location_uses_the_one_a_variant_is_stocked_at(shop):
    shop.add_product("vase", {"VASE-1": 1})

    assert shopify_client(shop).set_stock({"VASE-1": 0}) == {"VASE-1": 0}
    assert shop.inventory_sets[0]["quantities"][0]["locationId"] == shop.location_gid


def test_shopify_set_stock_reports_a_figure_already_right_and_refuses_a_wrong_location(shop):
    from channels.shopify.errors import ShopifyUserError

    shop.add_product("vase", {"VASE-1": 4})

    assert shopify_client(shop).set_stock({"VASE-1": 4}) == {"VASE-1": 4}  # nothing moved: no change listed

    with pytest.raises(ShopifyUserError, match="location could not be found"):
        shopify_client(shop, location_gid="gid://shopify/Location/999").set_stock({"VASE-1": 1})
    assert shop.available("VASE-1") == 4


def test_shopify_set_stock_asks_again_alone_for_a_sku_crowded_out_by_longer_ones(shop):
    shop.add_product("pins", {f"PIN-{n}": 1 for n in range(59, 0, -1)})  # "PIN-1" also finds PIN-10 … PIN-19, and so on
    client = shopify_client(shop, location_gid=shop.location_gid)
    wanted = {f"PIN-{n}": 0 for n in range(1, 6)}  # five SKUs: a page of 15, filled by their longer cousins

    assert client.set_stock(wanted) == wanted
    assert all(shop.available(sku) == 0 for sku in wanted) and shop.available("PIN-10") == 1


def test_publishing_a_product_sends_its_stock_to_that_channel_only(
    manager_client, artisan, two_channels, django_capture_on_commit_callbacks
):
    from tests.catalog.publishable import make_publishable

    product = ProductFactory(maker=artisan, title="Celadon mug", handle="celadon-mug")
    mug = VariantFactory(product=product, sku="MUG-CEL-S", title="Small", options={"size": "small"}, stock_on_hand=4)
    make_publishable(product, user=artisan)
    two_channels.add_product("celadon-mug", {"MUG-CEL-S": 9})  # on Shopify already, with a stale figure

    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("product-publish", args=[product.pk]), {"channel": "shopify"})

    assert ChannelListing.objects.get(product=product, channel="shopify").status == "published"
    assert two_channels.available("MUG-CEL-S") == 4
    row = ChannelStock.objects.get(variant=mug, channel="shopify")
    assert (row.sent, row.reported) == (4, 4)
    assert RecordingChannel.calls == []
