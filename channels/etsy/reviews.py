"""The shop's reviews on Etsy, kept as channels.Review rows attached to the product they're about.

A review is keyed by its transaction (one review per purchase), so pulling twice keeps
one; a review edited on Etsy updates the row. Each pull asks for reviews created since
a day before the newest one kept.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from channels.base import ReviewsPulled
from channels.models import ChannelListing, Review
from studio.sales_channels import SalesChannel

ETSY = SalesChannel.ETSY
OVERLAP = dt.timedelta(days=1)


def _key(review: dict) -> str:
    if review.get("transaction_id"):
        return str(review["transaction_id"])
    return f"{review.get('listing_id')}-{review.get('buyer_user_id')}-{review.get('created_timestamp')}"[:64]


def reviews_pull(*, client, shop_id: str) -> ReviewsPulled:
    newest = Review.objects.filter(channel=ETSY).order_by("-reviewed_at").values_list("reviewed_at", flat=True).first()
    since = int((newest - OVERLAP).timestamp()) if newest else None
    products = dict(
        ChannelListing.objects.filter(channel=ETSY).exclude(remote_id="").values_list("remote_id", "product_id")
    )
    outcome = ReviewsPulled()
    for review in client.shop_reviews(shop_id, min_created=since):
        outcome.seen += 1
        listing_id = str(review.get("listing_id") or "")
        rating = int(review.get("rating") or 0)
        if not 1 <= rating <= 5:
            continue
        fields = {
            "product_id": products.get(listing_id),
            "remote_listing_id": listing_id[:64],
            "rating": rating,
            "text": str(review.get("review") or "")[:5000],
            "language": str(review.get("language") or "")[:16],
            "reviewed_at": dt.datetime.fromtimestamp(int(review.get("created_timestamp") or 0), tz=dt.UTC),
        }
        with transaction.atomic():
            _, created = Review.objects.update_or_create(channel=ETSY, remote_id=_key(review), defaults=fields)
        outcome.created += created
        outcome.updated += not created
    return outcome
