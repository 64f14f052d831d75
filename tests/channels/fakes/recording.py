"""A test-only channel that takes stock figures and records every set_stock call (Etsy stands in until it lands).

Registered with override_settings(ATELIER_CHANNELS={..., "etsy": {"BACKEND":
"tests.channels.fakes.recording.RecordingChannel"}}). The registry builds a new
channel object per use, so what it records lives on the class: `reset()` it first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from channels.base import Channel, ChannelError, Published


class Throttled(ChannelError):
    """What a channel raises for a 429 after its own retries: the push may succeed later."""

    retryable = True

    def __init__(self, message: str = "HTTP 429 Too Many Requests", *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RecordingChannel(Channel):
    name = "etsy"
    label = "Etsy"
    pushes_stock = True

    calls: ClassVar[list[dict[str, int]]] = []
    stock: ClassVar[dict[str, int]] = {}  # SKU → quantity the channel holds
    failures: ClassVar[list[Exception]] = []  # raised by the next calls, one each

    @classmethod
    def reset(cls, stock: Mapping[str, int] = ()) -> None:
        cls.calls.clear()
        cls.failures.clear()
        cls.stock.clear()
        cls.stock.update(dict(stock))

    def publish(self, payload) -> Published:
        raise NotImplementedError("The recording channel only takes stock.")

    def set_stock(self, levels: Mapping[str, int]) -> dict[str, int]:
        type(self).calls.append(dict(levels))
        if self.failures:
            raise self.failures.pop(0)
        known = {sku: quantity for sku, quantity in levels.items() if sku in self.stock}
        self.stock.update(known)
        return dict(known)
