"""Sales channels: what is published (payload), and where (Shopify, CSV export).

A library layer without Django models: services build ProductPayloads from
approved snapshots and hand them to a channel. Importing this package loads
neither ShopifyAPI nor the network code; import `catalog.channels.shopify`
where the client is needed.
"""
from .payload import ImagePayload, ProductPayload, VariantPayload

__all__ = ["ImagePayload", "ProductPayload", "VariantPayload"]
