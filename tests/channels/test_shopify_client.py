"""The Shopify client: the real ShopifyAPI GraphQL client against the fake Shopify on loopback.

Nothing here sleeps for real: the client and the fake share a FakeClock whose
sleep() moves time on, so the fake's bucket refills exactly as long as the
client waited. Only the timeout tests spend real time (a fraction of a second).
"""

import hashlib
import logging
import random
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import shopify

from channels.payload import ImageContentMismatch, ImagePayload, ProductPayload, VariantPayload
from channels.shopify.client import ShopifyClient
from channels.shopify.errors import ShopifyAuthError, ShopifyError, ShopifyUnavailable, ShopifyUserError
from channels.shopify.transport import TOKEN_HEADER, _Session
from channels.shopify.webhooks import parse_order_webhook
from tests.channels.fakes.shopify import FakeClock, FakeShopify, Fault, utc

CATEGORY = "gid://shopify/TaxonomyCategory/hg-11-10"


def image(name: str, alt: str = "") -> ImagePayload:
    content = f"pixels of {name}".encode()
    return ImagePayload(name, content, alt or f"Photo of {name}", hashlib.sha256(content).hexdigest(), "image/jpeg")


def mug(handle: str = "celadon-mug", **changes) -> ProductPayload:
    fields = {
        "handle": handle,
        "title": "Celadon mug",
        "description_html": "<p>Wheel-thrown stoneware, celadon glaze.</p>",
        "vendor": "Atelier Ines",
        "product_type": "Mug",
        "tags": ["ceramics", "mug", "handmade"],
        "seo_title": "Celadon stoneware mug",
        "seo_description": "A wheel-thrown mug in a soft celadon glaze.",
        "category_gid": CATEGORY,
        "options": ["Colourway", "Size"],
        "variants": [
            VariantPayload("MUG-CEL-S", Decimal("24.00"), ["Celadon", "Small"], 4),
            VariantPayload("MUG-CEL-L", Decimal("28.50"), ["Celadon", "Large"], 2),
            VariantPayload("MUG-IRON-L", Decimal("28.50"), ["Iron", "Large"], 0),
        ],
        "images": [image(f"{handle}-front.jpg"), image(f"{handle}-side.jpg")],
    }
    fields.update(changes)
    return ProductPayload(**fields)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def shop(clock):
    with FakeShopify(clock=clock.now) as fake:
        yield fake


def client_for(shop: FakeShopify, clock: FakeClock, **options) -> ShopifyClient:
    options.setdefault("location_gid", shop.location_gid)
    return ShopifyClient(
        shop.shop_domain,
        shop.access_token,
        shop.api_version,
        base_url=shop.base_url,
        sleep=clock.sleep,
        clock=clock.now,
        rng=random.Random(7),
        **options,
    )


@pytest.fixture
def client(shop, clock):
    return client_for(shop, clock)


# --- Publishing ------------------------------------------------------------------------


def test_publish_creates_the_whole_product(shop, client):
    payload = mug()

    result = client.publish(payload)

    product = shop.product("celadon-mug")
    assert shop.product_count() == 1
    assert result.product_gid == product["id"] and result.handle == "celadon-mug"
    assert (product["title"], product["descriptionHtml"], product["vendor"], product["productType"]) == (
        "Celadon mug",
        "<p>Wheel-thrown stoneware, celadon glaze.</p>",
        "Atelier Ines",
        "Mug",
    )
    assert product["tags"] == ["ceramics", "mug", "handmade"]
    assert product["seo"] == {
        "title": "Celadon stoneware mug",
        "description": "A wheel-thrown mug in a soft celadon glaze.",
    }
    assert product["category"] == CATEGORY and product["status"] == "ACTIVE"
    assert product["options"] == [
        {"name": "Colourway", "values": ["Celadon", "Iron"]},
        {"name": "Size", "values": ["Small", "Large"]},
    ]
    assert [(v["sku"], v["price"], v["optionValues"], v["inventoryQuantity"]) for v in product["variants"]] == [
        ("MUG-CEL-S", "24.00", [("Colourway", "Celadon"), ("Size", "Small")], 4),
        ("MUG-CEL-L", "28.50", [("Colourway", "Celadon"), ("Size", "Large")], 2),
        ("MUG-IRON-L", "28.50", [("Colourway", "Iron"), ("Size", "Large")], 0),
    ]
    assert result.variant_gids == {v["sku"]: v["id"] for v in product["variants"]}
    # The images went through staged uploads: the stored media are the approved bytes.
    assert [(m["alt"], m["sha256"]) for m in product["media"]] == [(i.alt, i.sha256) for i in payload.images]
    assert result.media_gids == {i.sha256: m["id"] for i, m in zip(payload.images, product["media"], strict=True)}
    assert result.uploaded == 2 and result.content_hash == payload.content_hash()
    assert shop.operations() == ["AtelierProductLookup", "AtelierStagedUploads", "AtelierProductSet"]
    uploads = [r for r in shop.requests if r.operation == "upload"]
    assert len(uploads) == 2 and all(r.headers["content-type"].startswith("multipart/form-data") for r in uploads)
    assert result.cost_used == sum(r.cost["actualQueryCost"] for r in shop.requests if r.cost)


def test_publishing_twice_updates_instead_of_duplicating(shop, client):
    first = client.publish(mug())
    kept, added = mug().images[0], image("celadon-mug-glaze.jpg", alt="Glaze close-up")
    changed = mug(
        title="Celadon mug, large handle",
        variants=[
            VariantPayload("MUG-CEL-S", Decimal("26.00"), ["Celadon", "Small"], 9),
            VariantPayload("MUG-CEL-L", Decimal("30.00"), ["Celadon", "Large"], 9),
        ],
        images=[kept, added],
    )

    second = client.publish(changed)

    product = shop.product("celadon-mug")
    assert shop.product_count() == 1 and second.product_gid == first.product_gid
    assert product["title"] == "Celadon mug, large handle" and product["writes"] == 2
    # Variants kept their ids; the one no longer approved is gone; stock of existing ones isn't reset.
    assert second.variant_gids == {sku: first.variant_gids[sku] for sku in ("MUG-CEL-S", "MUG-CEL-L")}
    assert [(v["price"], v["inventoryQuantity"]) for v in product["variants"]] == [("26.00", 4), ("30.00", 2)]
    # Only the new image was uploaded; the unchanged one kept its media id.
    assert second.uploaded == 1 and len(shop.uploads()) == 3
    assert second.media_gids[kept.sha256] == first.media_gids[kept.sha256]
    assert [m["sha256"] for m in product["media"]] == [kept.sha256, added.sha256]


def test_a_product_without_options_gets_shopifys_default_option(shop, client):
    single = mug(options=[], variants=[VariantPayload("VASE-1", Decimal("80"), [], 1)], images=[])

    client.publish(single)

    product = shop.product("celadon-mug")
    assert product["options"] == [{"name": "Title", "values": ["Default Title"]}]
    assert product["variants"][0]["optionValues"] == [("Title", "Default Title")] and product["media"] == []


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"title": ""}, "Title can't be blank"),
        ({"tags": [f"tag-{n}" for n in range(251)]}, "Tags can't exceed 250 per product"),
        (
            {"variants": [VariantPayload("MUG-1", Decimal("-1.00"), ["Celadon", "S"])]},
            "Price must be greater than or equal to 0",
        ),
        (
            {
                "variants": [
                    VariantPayload("MUG-1", Decimal("5"), ["Celadon", "S"]),
                    VariantPayload("MUG-1", Decimal("5"), ["Celadon", "L"]),
                ]
            },
            "SKU 'MUG-1' is used by another variant of this product",
        ),
    ],
)
def test_user_errors_raise_with_shopifys_messages_and_are_not_retried(shop, client, changes, message):
    with pytest.raises(ShopifyUserError) as caught:
        client.publish(mug(images=[], **changes))

    assert message in caught.value.messages and message in str(caught.value)
    assert not caught.value.retryable
    assert shop.operations().count("AtelierProductSet") == 1 and shop.product_count() == 0


def test_image_bytes_that_are_not_the_approved_ones_are_refused_before_any_upload(shop, client):
    approved = image("mug.jpg")
    swapped = ImagePayload("mug.jpg", b"other pixels", approved.alt, approved.sha256, "image/jpeg")

    with pytest.raises(ImageContentMismatch):
        client.publish(mug(images=[swapped]))

    assert "AtelierStagedUploads" not in shop.operations() and shop.product_count() == 0


# --- Cost-based throttling -------------------------------------------------------------


def test_throttled_waits_the_computed_time_then_succeeds(shop, clock):
    client = client_for(shop, clock, min_available=0)
    shop.set_available(5)

    client.publish(mug())

    throttled = [r for r in shop.requests if r.throttled]
    assert len(throttled) == 1 and client.stats.throttled == 1
    cost = throttled[0].cost
    expected = (cost["requestedQueryCost"] - cost["throttleStatus"]["currentlyAvailable"]) / cost["throttleStatus"][
        "restoreRate"
    ]
    assert clock.sleeps[0] == pytest.approx(expected) and expected > 0
    assert shop.product_count() == 1


def test_the_client_paces_itself_so_the_bucket_never_runs_dry(clock):
    with FakeShopify(clock=clock.now, maximum_available=60, restore_rate=10) as shop:
        client = client_for(shop, clock)
        start = clock.now()

        for number in range(12):
            client.publish(mug(handle=f"mug-{number}"))

        assert shop.product_count() == 12
        assert shop.throttled_count == 0 and client.stats.throttled == 0
        actual = sum(r.cost["actualQueryCost"] for r in shop.requests if r.cost)
        floor = (actual - 60) / 10  # the bucket's budget: it can't go faster than this
        assert floor > 0 and floor <= clock.now() - start <= floor * 1.5 + 5


def test_a_known_bucket_makes_the_client_wait_before_sending(shop, clock):
    client = client_for(shop, clock, min_available=0)
    client.publish(mug(handle="first"))
    shop.set_available(0)
    client.budget.observe(
        "AtelierProductLookup",
        {
            "requestedQueryCost": 20,
            "throttleStatus": {"maximumAvailable": 1000, "currentlyAvailable": 0, "restoreRate": 100},
        },
    )

    client.publish(mug(handle="second"))

    assert clock.sleeps[0] == pytest.approx(0.2) and shop.throttled_count == 0


# --- Retries ---------------------------------------------------------------------------


def test_server_errors_are_retried_with_exponential_backoff(shop, clock, client):
    shop.inject(*(Fault("status", status, operation="AtelierProductSet") for status in (503, 502, 500)))

    client.publish(mug())

    assert shop.product_count() == 1 and client.stats.retries == 3
    assert len(clock.sleeps) == 3
    for attempt, slept in enumerate(clock.sleeps, start=1):
        ceiling = 0.5 * 2 ** (attempt - 1)
        assert ceiling / 2 <= slept <= ceiling


def test_429_retry_after_is_honoured(shop, clock, client):
    shop.inject(Fault("status", 429, retry_after="7", operation="AtelierProductLookup"))

    client.publish(mug())

    assert clock.sleeps == [7.0] and shop.product_count() == 1


def test_a_retry_after_too_long_to_wait_goes_back_to_the_job_layer(shop, clock, client):
    shop.inject(Fault("status", 429, retry_after="600"))

    with pytest.raises(ShopifyUnavailable) as caught:
        client.publish(mug())

    assert caught.value.retry_after == 600 and caught.value.retryable
    assert clock.sleeps == [] and len(shop.requests) == 1


def test_timeouts_are_retried_then_reported_unavailable(shop, clock):
    client = client_for(shop, clock, timeout=0.2, max_retries=2)
    shop.inject(*(Fault("delay", delay=3, operation="AtelierProductLookup") for _ in range(3)))

    with pytest.raises(ShopifyUnavailable) as caught:
        client.publish(mug())

    assert "failed 3 times" in str(caught.value) and "timed out" in str(caught.value)
    assert shop.operations() == ["AtelierProductLookup"] * 3 and len(clock.sleeps) == 2


def test_a_timeout_then_an_answer_succeeds(shop, clock):
    client = client_for(shop, clock, timeout=0.2)
    shop.inject(Fault("delay", delay=3, operation="AtelierProductLookup"))

    client.publish(mug())

    assert shop.product_count() == 1 and client.stats.retries == 1


@pytest.mark.parametrize("fault", [Fault("malformed"), Fault("drop"), Fault("status", 502, operation="upload")])
def test_malformed_answers_dropped_connections_and_upload_failures_are_retried(shop, client, fault):
    shop.inject(fault)

    client.publish(mug())

    assert shop.product_count() == 1 and client.stats.retries == 1
    assert len(shop.product("celadon-mug")["media"]) == 2


def test_unexpected_graphql_errors_are_not_retried(shop, client):
    with pytest.raises(ShopifyError) as caught:
        client.execute("Unknown", "query Unknown { shop { name } }")

    assert not isinstance(caught.value, ShopifyUnavailable) and len(shop.requests) == 1


def test_a_wrong_token_is_an_auth_error_and_not_retried(shop, clock):
    client = ShopifyClient(
        shop.shop_domain, "shpat_wrong", shop.api_version, base_url=shop.base_url, sleep=clock.sleep, clock=clock.now
    )

    with pytest.raises(ShopifyAuthError):
        client.publish(mug())

    assert len(shop.requests) == 1 and clock.sleeps == []


# --- Idempotence across crashes --------------------------------------------------------


def test_a_lost_productset_answer_is_retried_into_one_product(shop, client):
    shop.inject(Fault("apply_then_drop", operation="AtelierProductSet"))

    client.publish(mug())

    product = shop.product("celadon-mug")
    assert shop.product_count() == 1 and product["writes"] == 2 and len(product["media"]) == 2


def test_republishing_after_dying_between_upload_and_productset_makes_one_product(shop, clock):
    dying = client_for(shop, clock, max_retries=1)
    shop.inject(*(Fault("status", 503, operation="AtelierProductSet") for _ in range(2)))
    with pytest.raises(ShopifyUnavailable):
        dying.publish(mug())
    assert shop.product_count() == 0 and len(shop.uploads()) == 2  # staged, never attached

    client_for(shop, clock).publish(mug())

    assert shop.product_count() == 1 and len(shop.product("celadon-mug")["media"]) == 2


def test_republishing_after_the_answer_to_an_applied_productset_was_lost_makes_one_product(shop, clock):
    dying = client_for(shop, clock, max_retries=0)
    shop.inject(Fault("apply_then_status", 500, operation="AtelierProductSet"))
    with pytest.raises(ShopifyUnavailable):
        dying.publish(mug())
    applied = shop.product("celadon-mug")
    variant_ids, media_ids = [v["id"] for v in applied["variants"]], [m["id"] for m in applied["media"]]

    result = client_for(shop, clock).publish(mug())

    product = shop.product("celadon-mug")
    assert shop.product_count() == 1 and result.uploaded == 0 and len(shop.uploads()) == 2
    assert [v["id"] for v in product["variants"]] == variant_ids and [m["id"] for m in product["media"]] == media_ids


# --- Orders ----------------------------------------------------------------------------


def _orders(shop: FakeShopify) -> list[dict]:
    base = utc(2025, 3, 1, 9, 0, 0)
    return [
        shop.add_order(
            lines=[("MUG-CEL-S", 2, "24.00"), (None, 1, "5.00")],
            updated_at=base + timedelta(hours=n),
            refunds=[[(0, 1)]] if n == 2 else [],
            cancelled=n == 5,
        )
        for n in range(7)
    ]


def test_orders_are_read_page_by_page_oldest_update_first(shop, client):
    orders = _orders(shop)

    seen = list(client.orders_since(None, page_size=3))

    assert [o.order_id for o in seen] == [o["id"] for o in orders]
    assert shop.operations() == ["AtelierOrders"] * 3
    assert [r.variables["first"] for r in shop.requests] == [3, 3, 3]
    refunded = seen[2]
    assert [(line.sku, line.quantity, line.unit_price, line.refunded_quantity) for line in refunded.lines] == [
        ("MUG-CEL-S", 2, Decimal("24.00"), 1),
        (None, 1, Decimal("5.00"), 0),
    ]
    assert seen[5].cancelled and not seen[4].cancelled and seen[0].currency == "GBP"
    # The catch-up sync and the webhook give the same values for the same order.
    assert seen == [parse_order_webhook(shop.order_webhook(o["id"])) for o in orders]


def test_orders_since_a_moment_include_that_moment(shop, client):
    orders = _orders(shop)

    seen = list(client.orders_since(orders[4]["updated_at"]))

    assert [o.order_id for o in seen] == [o["id"] for o in orders[4:]]
    assert shop.requests[0].variables["query"] == "updated_at:>='2025-03-01T13:00:00Z'"


def test_a_page_stays_under_shopifys_single_query_cost_limit(shop, client):
    _orders(shop)

    assert len(list(client.orders_since(None, page_size=100))) == 7
    assert shop.requests[0].cost["requestedQueryCost"] <= 1000


def test_an_order_too_large_for_a_page_is_fetched_on_its_own(shop, client):
    big = shop.add_order(lines=[(f"SKU-{n}", 1, "3.00") for n in range(30)], updated_at=utc(2025, 3, 2))

    (order,) = client.orders_since(None)

    assert len(order.lines) == 30 and order.order_id == big["id"]
    assert shop.operations() == ["AtelierOrders", "AtelierOrder"]


def test_an_order_with_many_refunds_is_fetched_on_its_own(shop, client):
    shop.add_order(lines=[("MUG-1", 9, "10.00")], updated_at=utc(2025, 3, 2), refunds=[[(0, 1)]] * 4)

    (order,) = client.orders_since(None)

    assert order.lines[0].refunded_quantity == 4 and shop.operations() == ["AtelierOrders", "AtelierOrder"]


def test_an_order_beyond_what_the_sync_reads_is_an_error_not_a_silent_drop(shop, client):
    huge = shop.add_order(lines=[("MUG-1", 20, "10.00")], updated_at=utc(2025, 3, 2), refunds=[[(0, 1)]] * 12)

    with pytest.raises(ShopifyError, match=huge["id"]):
        list(client.orders_since(None))


def test_orders_since_needs_an_aware_datetime(client):
    with pytest.raises(ValueError):
        client.orders_since(utc(2025, 1, 1).replace(tzinfo=None))


# --- Credentials, endpoint, session --------------------------------------------------


def test_the_token_never_leaks(shop, clock, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    client = client_for(shop, clock, max_retries=1)
    shop.inject(Fault("status", 503), Fault("status", 503))
    with pytest.raises(ShopifyUnavailable) as unavailable:
        client.publish(mug())
    client.publish(mug())
    with pytest.raises(ShopifyAuthError) as denied:
        ShopifyClient(shop.shop_domain, "shpat_wrong_secret", shop.api_version, base_url=shop.base_url).publish(mug())

    token, captured = shop.access_token, capsys.readouterr()
    for text in (
        str(unavailable.value),
        repr(unavailable.value),
        str(denied.value),
        repr(denied.value),
        repr(client),
        str(vars(client)),
        caplog.text,
        captured.out,
        captured.err,
    ):
        assert token not in text and "shpat_wrong_secret" not in text
    assert caplog.records  # the retries were logged, without it
    # The token goes to the GraphQL endpoint only, never to the upload target...
    assert all(TOKEN_HEADER.lower() not in r.headers for r in shop.requests if r.operation == "upload")
    sent = {r.headers[TOKEN_HEADER.lower()] for r in shop.requests if r.operation != "upload"}
    assert sent == {token, "shpat_wrong_secret"}
    # ...and isn't left behind in ShopifyAPI's session for this thread.
    assert TOKEN_HEADER not in shopify.ShopifyResource.get_headers()


def test_the_previous_shopifyapi_session_of_the_thread_is_restored(shop, client):
    other = shopify.Session("other-shop.myshopify.com", "2025-07", "other-token")
    shopify.ShopifyResource.activate_session(other)
    try:
        client.publish(mug())

        assert shopify.ShopifyResource.get_site() == "https://other-shop.myshopify.com/admin/api/2025-07"
        assert shopify.ShopifyResource.get_headers()[TOKEN_HEADER] == "other-token"
    finally:
        shopify.ShopifyResource.clear_session()


def test_threads_sharing_a_client_publish_side_by_side(shop, client):
    errors = []

    def publish(handle):
        try:
            client.publish(mug(handle=handle))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(f"mug-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == [] and shop.product_count() == 4


def test_threads_sharing_a_client_pace_each_other():
    """Real time here: four threads must not all spend the same projected points at once."""
    with FakeShopify(maximum_available=80, restore_rate=400) as shop:
        client = ShopifyClient(shop.shop_domain, shop.access_token, shop.api_version, base_url=shop.base_url)
        client.publish(mug(handle="warm-up"))  # learns the bucket and the costs
        handles = iter(f"mug-{n}" for n in range(16))
        lock = threading.Lock()

        def work():
            while True:
                with lock:
                    handle = next(handles, None)
                if handle is None:
                    return
                client.publish(mug(handle=handle))

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert shop.product_count() == 17 and shop.throttled_count == 0


def test_the_endpoint_is_built_by_shopifyapi_and_can_be_pointed_elsewhere(shop, client):
    production = _Session("atelier-test.myshopify.com", "2025-07", "t")
    assert production.site == "https://atelier-test.myshopify.com/admin/api/2025-07"
    client.publish(mug())
    assert {r.path for r in shop.requests if r.operation != "upload"} == {"/admin/api/2025-07/graphql.json"}


@pytest.mark.parametrize(
    "shop_domain, version, base_url",
    [
        ("atelier-test.myshopify.com", "2024-10", None),  # before productSet's identifier
        ("atelier-test.myshopify.com", "2025-7", None),
        ("", "2025-07", None),
        ("atelier-test.myshopify.com", "2025-07", "http://shop.example.com"),  # token in clear
        ("atelier-test.myshopify.com", "2025-07", "https://proxy.example.com/admin"),
    ],
)
def test_settings_are_checked(shop_domain, version, base_url):
    with pytest.raises(ValueError):
        ShopifyClient(shop_domain, "token", version, base_url=base_url)


def test_content_hash_tracks_what_is_published():
    payload = mug()
    same = mug(
        variants=[
            VariantPayload(v.sku, Decimal(f"{v.price}0"), v.option_values, v.inventory_qty) for v in payload.variants
        ]
    )

    assert payload.content_hash() == same.content_hash() == mug().content_hash()
    assert mug(title="Another").content_hash() != payload.content_hash()
    assert mug(images=[image("celadon-mug-front.jpg", alt="New alt")]).content_hash() != payload.content_hash()
    assert mug(status="DRAFT").content_hash() != payload.content_hash()


@pytest.mark.parametrize(
    "changes",
    [
        {"handle": "=cmd"},
        {"status": "ARCHIVED"},
        {"options": ["A", "B", "C", "D"]},
        {"variants": []},
        {"options": [], "variants": [VariantPayload("A", Decimal(1)), VariantPayload("B", Decimal(1))]},
        {"variants": [VariantPayload("A", Decimal(1), ["only one value"])]},
    ],
)
def test_payloads_refuse_impossible_shapes(changes):
    with pytest.raises(ValueError):
        mug(**changes)


def test_prices_must_not_be_floats():
    with pytest.raises(TypeError):
        VariantPayload("A", 12.5)
