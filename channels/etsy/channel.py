"""Etsy as an Atelier sales channel: Open API v3 behind the channel protocol.

On when the app's keystring and shared secret are set (ETSY_API_KEY, ETSY_SHARED_SECRET);
publishing and the receipt pull also need the shop connected (OAuth, the Connect Etsy
page), which the account row records. Receipts are polled: Etsy's webhooks are for
commercial apps only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

from channels.base import Channel, PublishCapacity, Published, ReviewsPulled
from channels.payload import OrderPayload, ProductPayload

CONNECT_URL = "https://www.etsy.com/oauth/connect"
LISTING_STATES = ("draft", "active")
BUDGET_RESERVE = 50  # requests left for the receipt pull and other workers


class EtsyChannel(Channel):
    name = "etsy"
    label = "Etsy"
    settings_map = {
        "api_key": "ETSY_API_KEY",
        "shared_secret": "ETSY_SHARED_SECRET",
        "base_url": "ETSY_BASE_URL",
        "connect_url": "ETSY_CONNECT_URL",
        "timeout": "ETSY_TIMEOUT",
        "per_second": "ETSY_PER_SECOND",
        "listing_state": "ETSY_LISTING_STATE",
        "redirect_uri": "ETSY_REDIRECT_URI",
    }
    required = ("api_key", "shared_secret")
    pulls_orders = True
    pull_every_minutes = 15
    pushes_stock: ClassVar[bool] = True
    pulls_reviews = True  # hourly channels.tasks.pull_reviews (channels.schedules)
    daily_budget = True

    @property
    def connect_url(self) -> str:
        return self.option("connect_url", CONNECT_URL)

    @property
    def listing_state(self) -> str:
        state = str(self.option("listing_state", "draft")).lower()
        return state if state in LISTING_STATES else "draft"

    def client(self, *, tokens: Any = "account", **overrides):
        """The HTTP client; `tokens="account"` uses (and refreshes) the connected shop's tokens."""
        from channels.etsy.client import EtsyClient
        from channels.etsy.tokens import AccountTokens

        options = {
            "keystring": self.option("api_key"),
            "shared_secret": self.option("shared_secret"),
            "base_url": self.option("base_url", "https://openapi.etsy.com"),
            "timeout": float(self.option("timeout", 20)),
            "per_second": int(self.option("per_second", 10)),
            **overrides,
        }
        client = EtsyClient(tokens=None, **options)
        if tokens == "account":
            client.tokens = AccountTokens(lambda refresh: client.token_refresh(refresh_token=refresh))
        else:
            client.tokens = tokens
        return client

    def shop_id(self) -> str:
        from channels.etsy.errors import EtsyAuthError
        from channels.etsy.tokens import NOT_CONNECTED, account_get

        account = account_get()
        if not account.shop_id or account.status != account.Status.CONNECTED:
            raise EtsyAuthError(account.status_reason or NOT_CONNECTED, reconnect=True)
        return account.shop_id

    def prepare(self, payload: ProductPayload) -> ProductPayload:
        """Refuse, with every reason, a product Etsy would refuse (missing Etsy facts, title, tags, materials)."""
        from channels.etsy.listing import context_for, listing_problems

        problems = listing_problems(payload, context_for(handle=payload.handle))
        if problems:
            raise EtsyNotPublishable(problems)
        return payload

    def publish(self, payload: ProductPayload, *, client=None, cache=None) -> Published:
        from channels.etsy.publishing import listing_publish

        client = client or self.client()
        return listing_publish(
            payload=payload, client=client, shop_id=self.shop_id(), listing_state=self.listing_state, cache=cache
        )

    def orders_since(self, cursor: dt.datetime | None, *, client=None) -> Iterator[OrderPayload]:
        from channels.etsy.receipts import receipts_since

        if self._never_connected():
            return iter(())  # switched on but no shop connected yet: nothing to pull, nothing wrong
        return receipts_since(client or self.client(), self.shop_id(), cursor)

    def _never_connected(self) -> bool:
        from channels.etsy.tokens import account_get

        return account_get().status == "disconnected"

    def reviews_pull(self, *, client=None):
        from channels.etsy.reviews import reviews_pull

        if self._never_connected():
            return ReviewsPulled()
        return reviews_pull(client=client or self.client(), shop_id=self.shop_id())

    def set_stock(self, levels: Mapping[str, int], *, client=None) -> dict[str, int]:
        from channels.etsy.publishing import stock_set

        return stock_set(client=client or self.client(), levels=dict(levels))

    def publish_capacity(self, payloads: Sequence[ProductPayload], *, client=None) -> PublishCapacity:
        """How many of these products the remaining daily budget finishes now (one ping reads the budget)."""
        from django.utils import timezone

        client = client or self.client()
        client.request("GET", "/v3/application/openapi-ping", authorized=False)
        remaining = client.pacer.remaining_today
        calls = [4 + min(len(p.images), 10) for p in payloads]  # listing, update or create, images, inventory, state
        now = len(payloads)
        if remaining is not None:
            budget, now = remaining - BUDGET_RESERVE, 0
            for count in calls:
                if budget < count:
                    break
                budget -= count
                now += 1
        return PublishCapacity(
            now=now,
            later=len(payloads) - now,
            calls_each=(sum(calls) / len(calls)) if calls else 0,
            remaining_today=remaining,
            renews_at=timezone.now() + dt.timedelta(hours=24) if now < len(payloads) else None,
        )


class EtsyNotPublishable(ValueError):
    """What Etsy would refuse, per field; a ValueError so the publishing panel lists it as reasons."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        self.fields = fields
        super().__init__(
            " ".join(f"{name.replace('_', ' ').capitalize()}: {' '.join(m)}" for name, m in fields.items())
        )
