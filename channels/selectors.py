"""Reads of the channels app: a product's state on each channel, unmatched SKUs."""

from __future__ import annotations

from django.db.models import QuerySet

from catalog.models import Product
from channels.models import UnmatchedSku
from channels.registry import channels
from channels.services import PublishState, publish_state


def channel_states_for(*, product: Product) -> list[PublishState]:
    """The product on every configured channel: whether it may go out, and how the last publish went."""
    return [publish_state(product=product, channel=channel.name) for channel in channels.all()]


def unmatched_skus(*, limit: int = 50) -> QuerySet[UnmatchedSku]:
    return UnmatchedSku.objects.all()[:limit]
