"""Moving the channel models into the channels app keeps every row: listings, sync cursors, unmatched SKUs."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("contenttypes", "0002_remove_content_type_name"),
    ("catalog", "0005_looks_staging_channels"),
    ("forecasting", "0003_forecasts_plans_channels"),
    ("channels", None),
]
AFTER = [("channels", "0002_channelaccount")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([node for node in targets if node[1] is not None]).apps


@pytest.fixture
def old_schema():
    apps = _migrate(BEFORE)
    yield apps
    _migrate(_latest())  # the rest of the suite runs on the current schema


@pytest.mark.django_db(transaction=True)
def test_channel_state_survives_the_move_to_the_channels_app(old_schema):
    old = old_schema
    User = old.get_model("auth", "User")
    Product = old.get_model("catalog", "Product")
    ContentType = old.get_model("contenttypes", "ContentType")
    Permission = old.get_model("auth", "Permission")
    maker = User.objects.create(username="ines")
    product = Product.objects.create(handle="celadon-mug", title="Celadon mug", maker=maker, price="28.00")
    old.get_model("catalog", "ChannelListing").objects.create(
        product=product,
        channel="shopify",
        status="published",
        remote_id="gid://shopify/Product/7",
        remote_variants={"MUG-1": "gid://shopify/ProductVariant/9"},
        published_hash="a" * 64,
    )
    cursor = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
    old.get_model("forecasting", "ChannelSync").objects.create(channel="shopify", cursor=cursor, orders_seen=41)
    old.get_model("forecasting", "UnmatchedSku").objects.create(
        channel="shopify",
        sku="OLD-SKU",
        lines=2,
        quantity=3,
        order_lines=[
            {"date": "2026-11-29", "quantity": 3, "unit_price": "9.00", "order_ref": "#1001", "line_ref": "1"}
        ],
    )
    listing_type = ContentType.objects.get_or_create(app_label="catalog", model="channellisting")[0]
    Permission.objects.get_or_create(
        codename="view_channellisting", content_type=listing_type, defaults={"name": "Can view"}
    )

    new = _migrate(AFTER)
    listing = new.get_model("channels", "ChannelListing").objects.get()
    assert (listing.product_id, listing.status, listing.remote_id) == (
        product.pk,
        "published",
        "gid://shopify/Product/7",
    )
    assert listing.remote_variants == {"MUG-1": "gid://shopify/ProductVariant/9"}
    sync = new.get_model("channels", "ChannelSync").objects.get()
    assert (sync.cursor, sync.orders_seen) == (cursor, 41)
    unmatched = new.get_model("channels", "UnmatchedSku").objects.get()
    assert (unmatched.sku, unmatched.quantity, unmatched.order_lines[0]["order_ref"]) == ("OLD-SKU", 3, "#1001")
    moved = new.get_model("contenttypes", "ContentType").objects.get(pk=listing_type.pk)
    assert moved.app_label == "channels"  # permissions granted on the old model still apply

    from channels.models import ChannelListing, ChannelSync, UnmatchedSku

    assert ChannelListing.objects.get().product.title == "Celadon mug"  # the real models read the moved tables
    assert ChannelSync.objects.get().orders_seen == 41
    assert UnmatchedSku.objects.get().lines == 2


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
