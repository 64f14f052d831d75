"""The protocol every sales channel implements, and the plain values it returns.

A channel is a small class in its own folder (`channels/shopify/`, `channels/etsy/`)
named in ATELIER_CHANNELS. Services hand it payloads built from approved snapshots
(channels.payload) and store what it answers; a channel knows no model and never
decides what may go out. Heavy or network libraries are imported inside its
methods, so listing the channels costs nothing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings

from channels.payload import OrderPayload, ProductPayload


class ChannelError(Exception):
    """A channel refused or failed a request; `retryable` says whether the same call may succeed later."""

    retryable: bool = False


@dataclass(frozen=True)
class Published:
    """What a channel answers after publishing a product: its ids there, for the ChannelListing."""

    remote_id: str
    handle: str = ""
    variant_ids: Mapping[str, str] = field(default_factory=dict)  # SKU → the channel's variant id
    media_ids: Mapping[str, str] = field(default_factory=dict)  # image sha256 → the channel's media id


@dataclass(frozen=True)
class PublishCapacity:
    """How many of a bulk publish the key's remaining daily budget can finish now."""

    now: int
    later: int
    calls_each: float
    remaining_today: int | None
    renews_at: datetime | None

    def message(self, label: str = "Etsy") -> str:
        if not self.later:
            return ""
        when = f"after {self.renews_at:%H:%M} UTC on {self.renews_at:%d %b}" if self.renews_at else "tomorrow"
        return (
            f"{label}'s daily request budget has room for {self.now} product{'' if self.now == 1 else 's'} now "
            f"(about {self.calls_each:.0f} requests each, {self.remaining_today} left today); "
            f"the other {self.later} will be published {when}, when the budget renews."
        )


@dataclass
class ReviewsPulled:
    """What a pull of the shop's reviews found."""

    seen: int = 0
    created: int = 0
    updated: int = 0


@dataclass(frozen=True)
class WebhookResult:
    """A verified webhook, parsed: the orders it carries (possibly none, e.g. for a topic we only acknowledge)."""

    topic: str
    orders: tuple[OrderPayload, ...] = ()
    ignored: str = ""  # why a verified delivery is acknowledged but not applied (unhandled topic, stale replay)


class WebhookRejected(Exception):
    """A webhook we refuse; `status` is the HTTP status answered, the message goes in the JSON body."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    lines: Iterator[str]


class Channel(ABC):
    """Base of every channel. Subclasses set `name` (a studio.sales_channels.SalesChannel value) and `label`.

    Configuration comes from the channel's OPTIONS in ATELIER_CHANNELS, falling back
    to the Django settings named in `settings_map` (option → setting), read when the
    channel is built, so tests and deployments may set either.
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    settings_map: ClassVar[dict[str, str]] = {}
    required: ClassVar[tuple[str, ...]] = ()  # options without which the channel is off
    webhook_topics: ClassVar[tuple[str, ...]] = ()  # /webhooks/<name>/<topic> routes it answers
    pulls_orders: ClassVar[bool] = False
    pull_every_minutes: ClassVar[int] = 30
    exports: ClassVar[bool] = False
    pulls_reviews: ClassVar[bool] = False  # reviews_pull runs hourly (channels.schedules)
    daily_budget: ClassVar[bool] = False  # a daily request budget: publish_capacity says how much fits now
    pushes_stock: ClassVar[bool] = False  # takes Atelier's stock figures through set_stock()

    def __init__(self, **options: Any) -> None:
        self.options = {**{key: getattr(settings, name, "") for key, name in self.settings_map.items()}, **options}

    def option(self, key: str, default: Any = "") -> Any:
        value = self.options.get(key)
        return default if value in (None, "") else value

    @property
    def missing(self) -> list[str]:
        """The settings (by their environment names) that must be set before this channel is on."""
        return [self.settings_map.get(key, key) for key in self.required if not self.option(key)]

    @property
    def enabled(self) -> bool:
        return not self.missing

    def not_connected_message(self) -> str:
        return f"{self.label} isn't connected: set {' and '.join(self.missing)}."

    # --- what a channel does ------------------------------------------------------------

    def prepare(self, payload: ProductPayload) -> ProductPayload:
        """Channel-specific touches to the approved payload (e.g. a vendor name); the default changes nothing."""
        return payload

    @abstractmethod
    def publish(self, payload: ProductPayload) -> Published:
        """Create or update the product; must be idempotent (publishing twice never duplicates)."""

    def orders_since(self, cursor: datetime | None) -> Iterable[OrderPayload]:
        """Orders created or updated after `cursor` (all when None), oldest first."""
        raise NotImplementedError(f"{self.label} doesn't pull orders.")

    def webhook(self, *, topic: str, body: bytes, headers: Mapping[str, str]) -> WebhookResult:
        """Verify and parse one webhook delivery; raises WebhookRejected."""
        raise WebhookRejected(f"{self.label} sends no webhooks here.", status=404)

    def reviews_pull(self) -> ReviewsPulled:
        """Bring the shop's reviews in as channels.Review rows, each once."""
        raise NotImplementedError(f"{self.label} doesn't pull reviews.")

    def publish_capacity(self, payloads: Sequence[ProductPayload]) -> PublishCapacity:
        """How many of these products today's request budget finishes now (channels with `daily_budget`)."""
        raise NotImplementedError(f"{self.label} has no daily request budget.")

    def export(self, payloads: Iterable[ProductPayload], *, image_url) -> ExportFile:
        raise NotImplementedError(f"{self.label} has no file export.")

    def set_stock(self, levels: Mapping[str, int]) -> dict[str, int]:
        """Set each SKU's available quantity on the channel to Atelier's figure (absolute, never a delta).

        Returns SKU → the quantity the channel reports after the update; a SKU the
        channel doesn't have is left out of the answer. Raises ChannelError (with
        `retryable` set for 429/5xx/timeouts) when the channel refused or failed.
        """
        raise NotImplementedError(f"{self.label} doesn't take stock figures.")
