"""Reads of the channels app: a product's state on each channel, its stock there, unmatched SKUs."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from catalog.models import Product, Variant
from channels.base import Channel
from channels.models import ChannelListing, ChannelStock, UnmatchedSku
from channels.registry import channels
from channels.services import PublishState, publish_state
from channels.stock import stock_channels
from studio.permissions import VIEW


def channel_states_for(*, product: Product) -> list[PublishState]:
    """The product on every configured channel: whether it may go out, and how the last publish went."""
    return [publish_state(product=product, channel=channel.name) for channel in channels.all()]


def unmatched_skus(*, limit: int = 50) -> QuerySet[UnmatchedSku]:
    return UnmatchedSku.objects.all()[:limit]


@dataclass(frozen=True)
class StockCell:
    """One variant on one channel: what the channel last reported, and whether it is in step with Atelier."""

    channel: Channel
    on_channel: bool  # the product is published there
    row: ChannelStock | None

    @property
    def differs(self) -> bool:
        return self.row is not None and self.row.reported is not None and self.row.reported != self.expected

    @property
    def failed(self) -> bool:
        return self.row is not None and bool(self.row.error)

    @property
    def unknown(self) -> bool:
        return self.on_channel and (self.row is None or self.row.reported is None)

    expected: int = 0  # Atelier's figure as a channel can hold it (never below zero)


@dataclass(frozen=True)
class StockRow:
    variant: Variant
    cells: list[StockCell]

    @property
    def flagged(self) -> bool:
        return any(cell.differs or cell.failed for cell in self.cells)


def stock_rows_for(*, product: Product) -> tuple[list[Channel], list[StockRow]]:
    """Per variant: Atelier's stock and what each channel that takes stock last reported."""
    backends = stock_channels()
    if not backends:
        return [], []
    variants = list(product.variants.order_by("position", "sku"))
    names = [backend.name for backend in backends]
    published = {
        name
        for name in ChannelListing.objects.filter(product=product, channel__in=names, published_at__isnull=False)
        .exclude(remote_id="")
        .values_list("channel", flat=True)
    }
    stored = {
        (row.variant_id, row.channel): row
        for row in ChannelStock.objects.filter(variant__in=variants, channel__in=names)
    }
    rows = [
        StockRow(
            variant=variant,
            cells=[
                StockCell(
                    channel=backend,
                    on_channel=backend.name in published,
                    row=stored.get((variant.pk, backend.name)),
                    expected=max(0, variant.stock_on_hand),
                )
                for backend in backends
            ],
        )
        for variant in variants
    ]
    return backends, rows


def stock_failures_for(user, *, limit: int = 8) -> tuple[list[ChannelStock], int]:
    """The variants (of products `user` may see) whose last stock push to a channel failed, newest first."""
    failing = (
        ChannelStock.objects.restrict(user, VIEW)
        .exclude(error="")
        .select_related("variant__product")
        .order_by("-error_at", "pk")
    )
    return list(failing[:limit]), failing.count()
