"""One stock figure across the real channels: Shopify's last-unit order zeroes Etsy's quantity.

Both channels are the real ones (ShopifyChannel, EtsyChannel and their clients) against
their fakes on loopback: the webhook comes in signed as Shopify sends it, and the figure
Etsy ends up with is read from the fake Etsy's inventory, as a buyer on Etsy would see it.
"""

from django.utils import timezone

from catalog.models import Variant
from channels.models import ChannelListing, ChannelStock
from channels.services import product_publish
from tests.channels.fakes.shopify import FakeShopify
from tests.channels.test_stock import WEBHOOK_SECRET, shopify_order_webhook

ETSY = "etsy"


def etsy_quantities(etsy, listing) -> dict[str, int]:
    products = etsy.inventory[int(listing.remote_id)]["products"]
    return {p["sku"]: p["offerings"][0]["quantity"] for p in products}


def test_a_shopify_order_for_the_last_unit_zeroes_etsys_quantity(
    client, connected, mug, settings, django_capture_on_commit_callbacks
):
    etsy_listing = product_publish(product_id=mug.pk, channel=ETSY)
    assert etsy_quantities(connected, etsy_listing) == {"MUG-CEL-S": 4, "MUG-CEL-L": 1}
    with FakeShopify() as shop:
        settings.SHOPIFY_SHOP_DOMAIN = shop.shop_domain
        settings.SHOPIFY_ACCESS_TOKEN = shop.access_token
        settings.SHOPIFY_API_VERSION = shop.api_version
        settings.SHOPIFY_BASE_URL = shop.base_url
        settings.SHOPIFY_TIMEOUT = 5
        settings.SHOPIFY_LOCATION_GID = shop.location_gid
        settings.SHOPIFY_WEBHOOK_SECRET = WEBHOOK_SECRET
        shop.add_product(mug.handle, {"MUG-CEL-S": 4, "MUG-CEL-L": 1})
        ChannelListing.objects.create(
            product=mug,
            channel="shopify",
            status=ChannelListing.Status.PUBLISHED,
            remote_id=f"shopify-{mug.pk}",
            published_at=timezone.now(),
        )

        with django_capture_on_commit_callbacks(execute=True):
            shopify_order_webhook(shop, client, [("MUG-CEL-L", 1, "28.00")])

        assert "AtelierInventorySet" not in shop.operations()  # never back to where it sold

    assert Variant.objects.get(sku="MUG-CEL-L").stock_on_hand == 0
    assert etsy_quantities(connected, etsy_listing) == {"MUG-CEL-S": 4, "MUG-CEL-L": 0}
    row = ChannelStock.objects.get(channel=ETSY, variant__sku="MUG-CEL-L")
    assert (row.reported, row.error) == (0, "")
