"""Publishing to a sales channel: what may go out, built from approved snapshots only, and how it went.

The one rule lives here: a payload is made from approved snapshots only (the
approved listing copy and the approved gallery, which fixes the images and their
order, the maker's own photos first), never from the live rows. Variants, prices
and stock are the shop's own facts, not AI output, and come from the catalogue.
"""

from __future__ import annotations

import dataclasses
import logging
import mimetypes
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_q.tasks import async_task

from approvals.selectors import approved_content
from catalog.galleries.services import gallery_approved_images
from catalog.models import ListingDraft, Product, Variant
from channels.base import Channel, ChannelError
from channels.models import ChannelListing
from channels.payload import ImageContentMismatch, ImagePayload, ProductPayload, VariantPayload
from channels.registry import channels
from studio import events
from studio.models import Job
from studio.sales_channels import SalesChannel
from studio.services import job_create, job_finish, studio_profile_get
from studio.wording import job_label, names_phrase

logger = logging.getLogger(__name__)

JOB_KIND = "publish"
SHOPIFY = SalesChannel.SHOPIFY


class NotPublishable(Exception):
    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__(" ".join(reasons))


@dataclass
class PublishState:
    """The product page's publishing panel."""

    configured: bool
    channel: Channel | None = None
    reasons: list[str] = field(default_factory=list)  # why it can't be published yet
    listing: ChannelListing | None = None
    changed: bool = False  # approved content differs from what was published

    @property
    def publishable(self) -> bool:
        return not self.reasons


# --- Payloads from approved content ----------------------------------------------------------


def _approved_listing(product: Product) -> dict | None:
    draft = ListingDraft.objects.filter(product=product).first()
    return approved_content(draft=draft) if draft is not None else None


def _approved(product: Product) -> tuple[dict | None, list[dict], list[Variant], list[str]]:
    """The approved listing, the approved gallery's images, the variants, and why it can't go out (one read each)."""
    listing, gallery = _approved_listing(product), gallery_approved_images(product=product)
    variants = list(product.variants.order_by("position", "sku"))
    reasons = []
    if listing is None:
        reasons.append("The listing copy isn't approved yet.")
    if not gallery:
        reasons.append("The gallery (which images go out, in what order) isn't approved yet.")
    if not variants:
        reasons.append("The product has no variants (SKUs) to sell.")
    return listing, gallery or [], variants, reasons


def publish_blockers(*, product: Product) -> list[str]:
    return _approved(product)[3]


def payload_for(*, product: Product) -> ProductPayload:
    """The payload of a publishable product; NotPublishable says what is missing."""
    listing, gallery, variants, reasons = _approved(product)
    if reasons:
        raise NotPublishable(reasons)
    option_keys = _option_keys(variants)
    option_names = [name for _, name in option_keys]
    alt_by_photo = {
        entry.get("photo"): entry.get("text", "") for entry in listing.get("alt_texts", []) if isinstance(entry, dict)
    }
    # Exactly the approved gallery, in its order: the maker's photos take the approved listing's alt text.
    images = [
        _image(
            entry["image"],
            entry["sha256"],
            (alt_by_photo.get(entry["id"]) or entry.get("alt") or listing["title"])
            if entry.get("source") == "photo"
            else entry.get("alt", ""),
        )
        for entry in gallery
    ]
    profile = studio_profile_get()
    return ProductPayload(
        handle=product.handle,
        title=listing["title"],
        description_html=listing["description"],
        vendor=profile.name,
        product_type=product.category.name if product.category_id else "",
        tags=list(listing.get("tags", [])),
        seo_title=listing.get("seo_title", ""),
        seo_description=listing.get("seo_description", ""),
        category_gid=(product.category.shopify_taxonomy_id or None) if product.category_id else None,
        options=option_names,
        variants=[
            VariantPayload(
                sku=variant.sku,
                price=variant.effective_price,
                option_values=[_option_value(variant, key) for key, _ in option_keys],
                inventory_qty=max(0, variant.stock_on_hand),
                weight_grams=product.weight_grams or None,
            )
            for variant in variants
        ],
        images=images,
        status="ACTIVE" if product.is_active else "DRAFT",
    )


def _option_keys(variants) -> list[tuple[str | None, str]]:
    """(key in Variant.options, option name on Shopify); the key is None when titles tell variants apart.

    The key is kept beside the displayed name: values are looked up by the stored
    key ("size"), not by the capitalised name ("Size").
    """
    if len(variants) == 1 and not variants[0].options:
        return []
    keys: list[str] = []
    for variant in variants:
        for key in variant.options or {}:
            if key not in keys:
                keys.append(key)
    if not keys:  # several variants told apart only by their titles
        return [(None, "Title")]
    return [(key, key.capitalize() if key.islower() else key) for key in keys][:3]


def _option_value(variant, key: str | None) -> str:
    if key is None:
        return variant.title or variant.sku
    return str((variant.options or {}).get(key, "")) or "Default"


def _image(name: str, sha256: str, alt: str) -> ImagePayload:
    mime = mimetypes.guess_type(name)[0] or "image/png"
    return ImagePayload(
        filename=name.rsplit("/", 1)[-1],
        content=StoredFile(name),
        alt=alt[:512],
        sha256=sha256,
        mime=mime,
    )


@dataclass(frozen=True)
class StoredFile:
    """An image's bytes, read from storage only when a channel uploads them."""

    name: str

    def __call__(self) -> bytes:
        with default_storage.open(self.name, "rb") as stored:
            return stored.read()

    def url(self) -> str:
        return default_storage.url(self.name)


def published_hash(payload: ProductPayload) -> str:
    """The hash stored as "what was published": stock moves with every sale, so it is left out."""
    steady = dataclasses.replace(
        payload, variants=[dataclasses.replace(variant, inventory_qty=0) for variant in payload.variants]
    )
    return steady.content_hash()


def publish_state(*, product: Product, channel: str = SHOPIFY) -> PublishState:
    backend = channels.get(channel)
    listing = ChannelListing.objects.filter(product=product, channel=channel).first()
    state = PublishState(configured=backend.enabled, listing=listing, channel=backend)
    try:
        payload = backend.prepare(payload_for(product=product))
    except NotPublishable as blocked:
        state.reasons = blocked.reasons
        return state
    except ValueError as error:
        state.reasons = [str(error)]
        return state
    if listing is not None and listing.published_hash:
        state.changed = published_hash(payload) != listing.published_hash
    return state


# --- Jobs -------------------------------------------------------------------------------------


def publish_start(*, products: list[Product], requested_by=None, channel: str = SHOPIFY) -> Job:
    """Publish each product to the channel in the background: one task per product, one job for all.

    A channel with a daily request budget (`publish_capacity`, e.g. Etsy) is asked first
    how many the remaining budget can finish: only those start now, the job says when
    the rest go, and they are scheduled for then.
    """
    backend = channels.get(channel)
    products = list(products)
    later, note, renews_at = _over_budget(backend, products)
    if later:
        products = [product for product in products if product not in later]
    with transaction.atomic():
        job = job_create(
            kind=JOB_KIND,
            label=job_label(
                f"Publish {names_phrase(p.title for p in products) or 'nothing'} to {backend.label}"
                + (f" ({len(later)} more later)" if later else "")
            ),
            total=len(products),
            created_by=requested_by,
        )
        if not backend.enabled:
            return job_finish(job_id=job.pk, failed=True, message=backend.not_connected_message())
        if later:
            Job.objects.filter(pk=job.pk).update(message=note)
            job.message = note
            _publish_later(later, channel=channel, at=renews_at, requested_by=requested_by)
            if not products:
                return job_finish(job_id=job.pk, message=note)
        for product in products:
            listing, _ = ChannelListing.objects.get_or_create(product=product, channel=channel)
            if listing.status != ChannelListing.Status.PUBLISHING:
                ChannelListing.objects.filter(pk=listing.pk).update(status=ChannelListing.Status.QUEUED, error="")
            transaction.on_commit(partial(async_task, "channels.tasks.publish_product", job.pk, product.pk, channel))
    return job


def _over_budget(backend: Channel, products: list[Product]) -> tuple[list[Product], str, object]:
    """The products a channel's remaining daily budget can't finish now, what to tell the person, and when they go."""
    if not backend.daily_budget or not backend.enabled or not products:
        return [], "", None
    counted, payloads = [], []
    for product in products:
        try:
            payloads.append(backend.prepare(payload_for(product=product)))
            counted.append(product)
        except (NotPublishable, ValueError):
            continue  # refused before any request: costs nothing
    try:
        plan = backend.publish_capacity(payloads)
    except ChannelError as error:
        logger.warning("%s: could not read the request budget (%s); publishing all", backend.label, error)
        return [], "", None
    later = counted[plan.now :] if plan.later else []
    return later, plan.message(backend.label), plan.renews_at


def _publish_later(products: list[Product], *, channel: str, at, requested_by) -> None:
    from django_q.models import Schedule

    Schedule.objects.create(
        name=f"Publish {len(products)} to {channel} after the daily budget renews ({timezone.now():%Y-%m-%d %H:%M:%S.%f})",
        func="channels.tasks.publish_later",
        args=repr(([product.pk for product in products], channel, getattr(requested_by, "pk", None))),
        schedule_type=Schedule.ONCE,
        next_run=at,
        repeats=1,
    )


class PublishFailed(Exception):
    """Publishing one product failed; the message says why and is stored on its channel listing."""


def product_publish(*, product_id: int, channel: str = SHOPIFY, client=None) -> ChannelListing:
    """Send one product's approved content to a channel. Idempotent: the channel upserts (Shopify by handle)."""
    backend = channels.get(channel)
    product = Product.objects.select_related("category").get(pk=product_id)
    listing, _ = ChannelListing.objects.get_or_create(product=product, channel=channel)
    try:
        payload = backend.prepare(payload_for(product=product))
    except (NotPublishable, ValueError) as error:
        _publish_failed(listing, str(error))
        raise PublishFailed(str(error)) from None
    ChannelListing.objects.filter(pk=listing.pk).update(
        status=ChannelListing.Status.PUBLISHING, attempts=F("attempts") + 1
    )
    listing.refresh_from_db()
    try:
        published = backend.publish(payload, client=client) if client is not None else backend.publish(payload)
    except (ChannelError, ImageContentMismatch) as error:  # a file swapped since approval is refused before upload
        message = str(error)
        if getattr(error, "retryable", False):
            message = (
                f"{backend.label} was unavailable ({message}). Publishing again is safe: it updates, never duplicates."
            )
        _publish_failed(listing, message)
        raise PublishFailed(message) from None
    except FileNotFoundError as error:
        message = f"An approved image is missing from storage ({Path(error.filename or '').name or 'unknown file'}); stage it again."
        _publish_failed(listing, message)
        raise PublishFailed(message) from None
    with transaction.atomic():
        listing.status = ChannelListing.Status.PUBLISHED
        listing.remote_id = published.remote_id
        listing.remote_handle = published.handle
        listing.remote_variants = dict(published.variant_ids)
        listing.remote_media = dict(published.media_ids)
        listing.published_hash = published_hash(payload)
        listing.published_at = timezone.now()
        listing.error = ""
        listing.save()
        events.emit(
            events.ProductPublished(
                channel=channel,
                product=product,
                product_id=product.pk,
                remote_id=published.remote_id,
            )
        )
    return listing


def _publish_failed(listing: ChannelListing, message: str) -> None:
    with transaction.atomic():
        ChannelListing.objects.filter(pk=listing.pk).update(status=ChannelListing.Status.FAILED, error=message[:2000])
        events.emit(
            events.ProductPublishFailed(
                channel=listing.channel,
                product=listing.product,
                product_id=listing.product_id,
                error=message[:2000],
            )
        )


def publish_mark_failed(*, product_id: int, message: str, channel: str = SHOPIFY) -> None:
    listing = ChannelListing.objects.select_related("product").filter(product_id=product_id, channel=channel).first()
    if listing is not None:
        _publish_failed(listing, message)


def export_payloads(*, products, channel: str = SHOPIFY) -> Iterator[ProductPayload]:
    """Payloads of the publishable products among `products`, for a channel's file export.

    A product that can't go out is left out here; export_skipped says which and why.
    """
    backend = channels.get(channel)
    for product in products:
        try:
            yield backend.prepare(payload_for(product=product))
        except (NotPublishable, ValueError):
            continue


def export_skipped(*, products, channel: str = SHOPIFY) -> list[tuple[Any, str]]:
    """(product, why) of every product among `products` that the export leaves out: never a silent drop."""
    backend = channels.get(channel)
    skipped = []
    for product in products:
        try:
            backend.prepare(payload_for(product=product))
        except (NotPublishable, ValueError) as reason:
            skipped.append((product, str(reason) or type(reason).__name__))
    return skipped
