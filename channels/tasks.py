"""Background tasks of the channels: thin wrappers that take ids and call services.

All may run twice (the ORM broker re-runs a task whose worker died): publishing
upserts, recording orders is keyed by order line, and stock figures are set, never added.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model

from catalog.models import Product, Variant
from channels.orders import orders_pull
from channels.registry import channels
from channels.services import PublishFailed, product_publish, publish_mark_failed, publish_start
from channels.stock import stock_push
from studio.sales_channels import SalesChannel
from studio.services import job_advance, job_start

logger = logging.getLogger(__name__)


def publish_product(job_id: int, product_id: int, channel: str = SalesChannel.SHOPIFY) -> dict:
    """Publish one product of a job; a failure is stored on the product's channel listing."""
    job_start(job_id=job_id)
    unit = f"product:{product_id}"
    try:
        listing = product_publish(product_id=product_id, channel=channel)
    except PublishFailed as exc:
        job_advance(job_id=job_id, failed=1, error=f"Product {product_id}: {exc}", unit=unit)
        return {"job": job_id, "product": product_id, "published": False, "error": str(exc)}
    except Exception as exc:
        logger.exception("Publishing product %s to %s failed unexpectedly", product_id, channel)
        publish_mark_failed(
            product_id=product_id,
            channel=channel,
            message=f"Unexpected error ({type(exc).__name__}); see the worker's log.",
        )
        job_advance(
            job_id=job_id, failed=1, error=f"Product {product_id}: unexpected error ({type(exc).__name__})", unit=unit
        )
        return {"job": job_id, "product": product_id, "published": False, "error": type(exc).__name__}
    job_advance(job_id=job_id, done=1, unit=unit)
    return {"job": job_id, "product": product_id, "published": True, "remote_id": listing.remote_id}


def pull_orders(channel: str = SalesChannel.SHOPIFY) -> dict:
    """The scheduled backstop for missed webhooks: orders updated since the channel's last pull."""
    outcome = orders_pull(channel=channel)
    return {
        "channel": channel,
        "orders": outcome.orders,
        "lines": outcome.lines,
        "recorded": outcome.created,
        "unmatched": outcome.unmatched,
    }


def push_stock(variant_ids: list[int], skip_channel: str = "", only: list[str] | None = None, attempt: int = 1) -> dict:
    """Atelier's figures of these variants to the channels (after an order, or a scheduled retry of a failed push)."""
    outcome = stock_push(variant_ids=variant_ids, skip_channel=skip_channel, only=only, attempt=attempt)
    return {
        "variants": list(variant_ids),
        "reported": {name: dict(skus) for name, skus in outcome.reported.items()},
        "failed": dict(outcome.failed),
        "retrying": {name: when.isoformat() for name, when in outcome.retrying.items()},
    }


def push_stock_of_product(job_id: int, product_id: int) -> dict:
    """One product of a manager's "push stock now": every variant's figure to every channel it is on."""
    job_start(job_id=job_id)
    unit = f"product:{product_id}"
    variant_ids = list(Variant.objects.filter(product_id=product_id).values_list("pk", flat=True))
    outcome = stock_push(variant_ids=variant_ids)
    if outcome.failed:
        errors = "; ".join(outcome.failed.values())
        job_advance(job_id=job_id, failed=1, error=f"Product {product_id}: {errors}", unit=unit)
    else:
        job_advance(job_id=job_id, done=1, unit=unit)
    return {"job": job_id, "product": product_id, "reported": dict(outcome.reported), "failed": dict(outcome.failed)}


def publish_later(product_ids: list[int], channel: str, requested_by_id: int | None = None) -> dict:
    """Publish what a daily request budget held back (scheduled for when it renews); may hold back again."""
    products = list(Product.objects.filter(pk__in=product_ids).order_by("pk"))
    user = get_user_model().objects.filter(pk=requested_by_id).first() if requested_by_id else None
    job = publish_start(products=products, requested_by=user, channel=channel)
    return {"job": job.pk, "products": len(products)}


def pull_reviews(channel: str = SalesChannel.ETSY) -> dict:
    """The scheduled pull of a channel's shop reviews (Etsy)."""
    outcome = channels.get(channel).reviews_pull()
    return {"channel": channel, "seen": outcome.seen, "created": outcome.created, "updated": outcome.updated}
