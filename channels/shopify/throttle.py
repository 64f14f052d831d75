"""Pacing against Shopify's cost-based leaky bucket, from what the responses tell us.

Every GraphQL response carries `extensions.cost`: the bucket's size
(`maximumAvailable`), what was left after this request (`currentlyAvailable`),
how fast it refills (`restoreRate`, points/s), and what the request cost
(`requestedQueryCost` is charged up front, `actualQueryCost` after the refund).
A request runs only if the bucket holds its *requested* cost, so that is what
we wait for: the last requested cost seen for the same operation, or a default.

The bucket belongs to the app + shop, not to this process: other workers of the
same app drain it too, so the projection is optimistic and a THROTTLED answer
is still possible. `min_available` keeps a reserve for them; THROTTLED answers
are waited out with the same arithmetic.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ThrottleStatus:
    maximum: float
    available: float
    restore_rate: float


def throttle_status(cost: Mapping | None) -> ThrottleStatus | None:
    status = (cost or {}).get("throttleStatus") or {}
    try:
        return ThrottleStatus(
            maximum=float(status["maximumAvailable"]),
            available=float(status["currentlyAvailable"]),
            restore_rate=float(status["restoreRate"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


class CostBudget:
    """What this client knows of the bucket, projected forward with the restore rate."""

    def __init__(self, *, clock: Callable[[], float], default_cost: float, min_available: float) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.default_cost = default_cost
        self.min_available = min_available
        self._status: ThrottleStatus | None = None
        self._seen_at = 0.0
        self._expected: dict[str, float] = {}
        self._pending = 0.0

    def expected_cost(self, operation: str) -> float:
        return self._expected.get(operation, self.default_cost)

    def observe(self, operation: str, cost: Mapping | None) -> ThrottleStatus | None:
        """Take in a response's `extensions.cost`; returns the throttle status if it had one."""
        status = throttle_status(cost)
        with self._lock:
            requested = (cost or {}).get("requestedQueryCost")
            if isinstance(requested, (int, float)) and not isinstance(requested, bool):
                self._expected[operation] = float(requested)
            if status is not None:
                self._status = status
                self._seen_at = self._clock()
        return status

    def projected(self) -> float | None:
        with self._lock:
            return self._projected(self._clock())

    def reserve(self, operation: str) -> tuple[float, float]:
        """(seconds to wait before sending `operation`, the cost set aside for it).

        Requests reserved but not yet answered are counted as spent, so threads
        sharing this client pace each other; `settle()` releases the reservation
        once the answer (whose numbers include the charge) has been observed.
        """
        with self._lock:
            cost = self.expected_cost(operation)
            status = self._status
            wait = 0.0
            if status is not None and status.restore_rate > 0:
                available = self._projected(self._clock()) - self._pending
                need = min(cost + self.min_available, status.maximum)
                wait = max(0.0, (need - available) / status.restore_rate)
            self._pending += cost
            return wait, cost

    def settle(self, reserved: float) -> None:
        with self._lock:
            self._pending = max(0.0, self._pending - reserved)

    def _projected(self, now: float) -> float | None:
        status = self._status
        if status is None:
            return None
        elapsed = max(0.0, now - self._seen_at)
        return min(status.maximum, status.available + elapsed * status.restore_rate)
