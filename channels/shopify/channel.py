"""Shopify as an Atelier sales channel: the GraphQL Admin API client behind the channel protocol.

Configured from SHOPIFY_* settings (or OPTIONS in ATELIER_CHANNELS); on when a
shop domain and an access token are set. Order webhooks are HMAC-signed with
the app's client secret (SHOPIFY_WEBHOOK_SECRET); the order pull is their backstop.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime

from channels.base import Channel, ExportFile, Published, WebhookRejected, WebhookResult
from channels.payload import OrderPayload, ProductPayload

logger = logging.getLogger(__name__)

ORDER_TOPICS = {"orders/create", "orders/updated", "orders/cancelled", "orders/paid", "orders/edited"}


class ShopifyChannel(Channel):
    name = "shopify"
    label = "Shopify"
    settings_map = {
        "shop_domain": "SHOPIFY_SHOP_DOMAIN",
        "access_token": "SHOPIFY_ACCESS_TOKEN",
        "api_version": "SHOPIFY_API_VERSION",
        "webhook_secret": "SHOPIFY_WEBHOOK_SECRET",
        "base_url": "SHOPIFY_BASE_URL",
        "timeout": "SHOPIFY_TIMEOUT",
        "vendor": "SHOPIFY_VENDOR",
        "location_gid": "SHOPIFY_LOCATION_GID",
    }
    required = ("shop_domain", "access_token")
    webhook_topics = ("orders",)
    pulls_orders = True
    exports = True
    pushes_stock = True

    def client(self):
        from channels.shopify.client import ShopifyClient  # loads ShopifyAPI only when Shopify is used

        return ShopifyClient(
            self.option("shop_domain"),
            self.option("access_token"),
            self.option("api_version", "2025-07"),
            timeout=int(self.option("timeout", 20)),
            base_url=self.option("base_url") or None,
            location_gid=self.option("location_gid") or None,
        )

    def prepare(self, payload: ProductPayload) -> ProductPayload:
        vendor = self.option("vendor")
        return dataclasses.replace(payload, vendor=vendor) if vendor else payload

    def publish(self, payload: ProductPayload, *, client=None) -> Published:
        result = (client or self.client()).publish(payload)
        return Published(
            remote_id=result.product_gid,
            handle=result.handle,
            variant_ids=dict(result.variant_gids),
            media_ids=dict(result.media_gids),
        )

    def set_stock(self, levels: Mapping[str, int], *, client=None) -> dict[str, int]:
        """Absolute `available` quantities through inventorySetQuantities (see channels/shopify/inventory.py)."""
        return (client or self.client()).set_stock(levels)

    def orders_since(self, cursor: datetime | None, *, client=None) -> Iterator[OrderPayload]:
        return (client or self.client()).orders_since(cursor)

    def webhook(self, *, topic: str, body: bytes, headers: Mapping[str, str]) -> WebhookResult:
        """Order webhooks: verified by HMAC; a stale delivery (signed `updated_at` over six hours old:
        a replay, or a retry long after the fact) is acknowledged but not applied, so Shopify stops
        retrying; the scheduled pull records anything that really was missed."""
        from channels.shopify.webhooks import (
            WebhookOrderOutOfRange,
            WebhookPayloadError,
            is_stale,
            parse_order_webhook,
            verify_webhook,
            webhook_json,
        )

        secret = self.option("webhook_secret")
        if topic != "orders" or not secret:
            raise WebhookRejected(
                "Shopify webhooks are not enabled here (SHOPIFY_WEBHOOK_SECRET is not set).", status=404
            )
        if not verify_webhook(body, headers.get("X-Shopify-Hmac-Sha256"), secret):
            raise WebhookRejected("The signature is missing or does not match.", status=401)
        shopify_topic = headers.get("X-Shopify-Topic", "")
        if shopify_topic not in ORDER_TOPICS:
            return WebhookResult(topic=shopify_topic, ignored=f"topic {shopify_topic or '(none)'} is not handled")
        try:
            payload = webhook_json(body)
            if is_stale(payload):
                return WebhookResult(
                    topic=shopify_topic, ignored="stale delivery: the order pull records anything missed"
                )
            order = parse_order_webhook(payload)
        except WebhookOrderOutOfRange as error:
            # Acknowledged: Shopify would retry a refusal for days, and no retry makes these values possible.
            logger.warning("Shopify %s webhook ignored: %s", shopify_topic, error)
            return WebhookResult(topic=shopify_topic, ignored=f"not recorded: {error}")
        except WebhookPayloadError as error:
            raise WebhookRejected(f"The order could not be read: {error}", status=400) from None
        return WebhookResult(topic=shopify_topic, orders=(order,))

    def export(self, payloads: Iterable[ProductPayload], *, image_url) -> ExportFile:
        from django.utils import timezone

        from channels.shopify.csv_export import iter_csv_lines

        return ExportFile(
            filename=f"shopify-products-{timezone.localdate().isoformat()}.csv",
            content_type="text/csv; charset=utf-8",
            lines=iter_csv_lines(payloads, image_url=image_url),
        )
