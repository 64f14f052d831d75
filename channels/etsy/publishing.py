"""Publishing one product to Etsy: idempotent, and never more calls than the change needs.

The order is what makes a retry safe:
1. the listing is found (the stored id; else, when an earlier try may have created it,
   by SKU — or, for a draft created but never finished, by its exact title — among the
   shop's drafts) or created as a draft, and its id is stored at once, before anything else;
2. images are made to match the approved gallery by rank with their alt text: only new
   images are uploaded, moved ones re-ranked, removed ones (and orphans of a lost
   upload) deleted; what is on the listing is stored after each upload;
3. variants, prices and stock in one updateListingInventory (the whole products array);
4. the personalisation question through its own endpoint;
5. the state: left a draft, or made active, as the studio chose (ETSY_LISTING_STATE).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from channels.base import Published
from channels.etsy.client import EtsyClient
from channels.etsy.errors import EtsyBudgetExhausted, EtsyFieldErrors, EtsyNotFound, EtsyUnavailable
from channels.etsy.listing import (
    EtsyContext,
    choose_readiness,
    context_for,
    inventory_body,
    listing_form,
    listing_problems,
    personalisation_questions,
)
from channels.models import ChannelListing
from channels.payload import ProductPayload
from studio.sales_channels import SalesChannel

ETSY = SalesChannel.ETSY


READINESS_TTL = 600.0  # seconds a worker trusts the shop's processing profiles before reading them again


@dataclass
class ShopCache:
    """The shop's processing profiles, read once per worker every READINESS_TTL (one request, not one per product)."""

    readiness: list[dict] | None = None
    shop_id: str = ""
    read_at: float = 0.0


_worker_cache = ShopCache()


def readiness_for(client: EtsyClient, shop_id: str, context: EtsyContext, cache: ShopCache) -> int:
    now = time.monotonic()
    if cache.readiness is None or cache.shop_id != shop_id or now - cache.read_at > READINESS_TTL:
        cache.readiness = client.readiness_state_definitions(shop_id)
        cache.shop_id, cache.read_at = shop_id, now
    chosen = choose_readiness(
        cache.readiness, made_to_order=context.made_to_order, lead_time_days=context.lead_time_days
    )
    if chosen is None:
        kind = "made to order" if context.made_to_order else "ready to ship"
        raise EtsyFieldErrors(
            {"readiness": [f"The Etsy shop has no “{kind}” processing profile yet: add one in Shop Manager on Etsy."]}
        )
    return chosen


def find_listing(client: EtsyClient, shop_id: str, payload: ProductPayload) -> dict | None:
    """A draft this product made on an earlier try: one holding its SKUs, else an unfinished one of the same title."""
    skus = {variant.sku for variant in payload.variants}
    unfinished = None
    for listing in client.listings_by_shop(shop_id, state="draft", includes=["Inventory"]):
        products = ((listing.get("inventory") or {}).get("products")) or []
        listed = {p.get("sku") for p in products if p.get("sku")}
        if listed & skus:
            return listing
        if not listed and listing.get("title") == payload.title and unfinished is None:
            unfinished = listing
    return unfinished


def listing_publish(
    *, payload: ProductPayload, client: EtsyClient, shop_id: str, listing_state: str, cache: ShopCache | None = None
) -> Published:
    cache = cache or _worker_cache
    context = context_for(handle=payload.handle)
    problems = listing_problems(payload, context)
    if problems:
        raise EtsyFieldErrors(problems, status=None)
    readiness_id = readiness_for(client, shop_id, context, cache)
    row, _ = ChannelListing.objects.get_or_create(product_id=context.product_id, channel=ETSY)
    media: dict[str, str] = dict(row.remote_media or {})

    listing = None
    if row.remote_id:
        try:
            listing = client.get_listing(row.remote_id)
        except EtsyNotFound:  # deleted on Etsy: make it again
            media = {}
    if listing is None and (row.attempts > 1 or row.status == ChannelListing.Status.FAILED or row.remote_id):
        listing = find_listing(client, shop_id, payload)
        if listing is not None:
            media = {}
    created = False
    if listing is None:
        form = listing_form(payload, context, readiness_state_id=readiness_id, create=True)
        try:
            listing = client.create_draft_listing(shop_id, form)
        except EtsyBudgetExhausted:
            raise
        except EtsyUnavailable:
            listing = find_listing(client, shop_id, payload)  # created, but the answer was lost?
            if listing is None:
                raise
        created = True
    listing_id = str(listing["listing_id"])
    if listing_id != row.remote_id or media != row.remote_media:
        ChannelListing.objects.filter(pk=row.pk).update(remote_id=listing_id, remote_media=media)
    if not created:
        listing = client.update_listing(
            shop_id, listing_id, listing_form(payload, context, readiness_state_id=readiness_id, create=False)
        )

    media = _images_sync(client, shop_id, listing_id, payload, media, row_pk=row.pk, fresh=created)
    inventory = client.update_listing_inventory(listing_id, inventory_body(payload, readiness_state_id=readiness_id))
    variant_ids = {p["sku"]: str(p["product_id"]) for p in inventory.get("products", []) if p.get("sku")}

    questions = personalisation_questions(context)
    if questions:
        client.update_listing_personalization(shop_id, listing_id, questions)
    elif not created and listing.get("is_personalizable"):
        client.delete_listing_personalization(shop_id, listing_id)

    if listing_state == "active" and listing.get("state") not in ("active", "sold_out"):
        listing = client.update_listing(shop_id, listing_id, {"state": "active"})
    return Published(
        remote_id=listing_id, handle=str(listing.get("url") or ""), variant_ids=variant_ids, media_ids=media
    )


def _images_sync(
    client: EtsyClient, shop_id: str, listing_id: str, payload: ProductPayload, media: dict, *, row_pk: int, fresh: bool
) -> dict:
    """Make the listing's images the approved gallery, in order; returns {sha256: listing_image_id}."""
    on_listing = [] if fresh else client.listing_images(listing_id)
    order = [str(image["listing_image_id"]) for image in sorted(on_listing, key=lambda i: i.get("rank", 0))]
    alts = {str(image["listing_image_id"]): image.get("alt_text", "") for image in on_listing}
    wanted = {image.sha256 for image in payload.images}
    media = {sha: image_id for sha, image_id in media.items() if image_id in order and sha in wanted}
    known = set(media.values())
    for image_id in [i for i in order if i not in known]:  # removed from the gallery, or orphaned by a lost answer
        client.delete_listing_image(shop_id, listing_id, image_id)
        order.remove(image_id)
    for rank, image in enumerate(payload.images, start=1):
        image_id = media.get(image.sha256)
        if image_id is None:
            uploaded = client.upload_listing_image(
                shop_id,
                listing_id,
                image=image.read(),
                filename=image.filename,
                mime=image.mime,
                rank=rank,
                alt_text=image.alt[:250],
            )
            image_id = media[image.sha256] = str(uploaded["listing_image_id"])
            order.insert(rank - 1, image_id)
            ChannelListing.objects.filter(pk=row_pk).update(remote_media=media)
        elif order.index(image_id) != rank - 1 or alts.get(image_id, "") != image.alt[:250]:
            client.rerank_listing_image(
                shop_id, listing_id, listing_image_id=image_id, rank=rank, alt_text=image.alt[:250]
            )
            order.remove(image_id)
            order.insert(rank - 1, image_id)
    return media


def stock_set(*, client: EtsyClient, levels: dict[str, int]) -> dict[str, int]:
    """Set Etsy's quantity for these SKUs, keeping every other product, price and property of each listing.

    Etsy takes a listing's inventory only whole, so each listing holding one of the SKUs
    is read, its quantities changed, and written back. Returns what Etsy reports after.
    """
    rows = ChannelListing.objects.filter(channel=ETSY).exclude(remote_id="")
    listings: dict[str, set[str]] = {}
    for row in rows.only("remote_id", "remote_variants"):
        skus = set(row.remote_variants or {}) & set(levels)
        if skus:
            listings[row.remote_id] = skus
    reported: dict[str, int] = {}
    for listing_id in listings:
        current = client.get_listing_inventory(listing_id)
        products = []
        for product in current.get("products", []):
            if product.get("is_deleted"):
                continue
            sku = product.get("sku") or ""
            offerings = []
            for offering in product.get("offerings", []):
                if offering.get("is_deleted"):
                    continue
                price = offering.get("price") or {}
                amount = price["amount"] / price["divisor"] if isinstance(price, dict) else float(price)
                offerings.append(
                    {
                        "price": amount,
                        "quantity": max(0, min(999, int(levels[sku])))
                        if sku in levels
                        else offering.get("quantity", 0),
                        "is_enabled": offering.get("is_enabled", True),
                        "readiness_state_id": offering.get("readiness_state_id"),
                    }
                )
            products.append(
                {
                    "sku": sku,
                    "property_values": [
                        {
                            k: v
                            for k, v in value.items()
                            if k in ("property_id", "property_name", "value_ids", "values", "scale_id")
                        }
                        for value in product.get("property_values", [])
                    ],
                    "offerings": offerings,
                }
            )
        body = {"products": products}
        for key in ("price_on_property", "quantity_on_property", "sku_on_property", "readiness_state_on_property"):
            if current.get(key):
                body[key] = current[key]
        updated = client.update_listing_inventory(listing_id, body)
        for product in updated.get("products", []):
            if product.get("sku") in levels:
                reported[product["sku"]] = sum(o.get("quantity", 0) for o in product.get("offerings", []))
    return reported
