"""Background tasks of the channels: thin wrappers that take ids and call services.

Both may run twice (the ORM broker re-runs a task whose worker died): publishing
upserts, and recording orders is keyed by order line.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model

from catalog.models import Product
from channels.orders import orders_pull
from channels.registry import channels
from channels.services import PublishFailed, product_publish, publish_mark_failed, publish_start
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
