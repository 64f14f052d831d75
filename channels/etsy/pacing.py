"""Pacing under Etsy's per-second limit, and the daily budget, from what the responses say.

Every answer carries `x-limit-per-second`, `x-remaining-this-second`, `x-limit-per-day`
and `x-remaining-today`. The pacer keeps the send times of the last second and waits
before a request that would go over the per-second limit (the smaller of what we were
told to use and what Etsy reports); `retry-after` on a 429 is waited out by the client.
The budget is the key's, not this process's: other workers spend it too, so what
`remaining_today` says is a ceiling, and a bulk publish checks it before it starts.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

WINDOW = 1.0
SAFETY = 0.02  # seconds added to the window, so a request never lands on Etsy's edge of it


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(str(value).strip()) if value is not None else None
    except ValueError:
        return None


class Pacer:
    """At most `per_second` requests in any window of a second, counted conservatively.

    A request's slot is taken when it is sent and moved to when its answer came back
    (`after_response`): Etsy saw it somewhere in between, so counting the window from the
    answer means the next window never overlaps Etsy's, however late the request
    travelled. Thread-safe: threads (or several publishes) sharing a client share a pace.
    """

    def __init__(
        self,
        *,
        per_second: int = 10,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_second = max(1, int(per_second))
        self.clock, self.sleep = clock, sleep
        self._sent: deque[list[float]] = deque()
        self._lock = threading.Lock()
        self.limit_per_day: int | None = None
        self.remaining_today: int | None = None
        self.waited = 0.0

    def before_request(self) -> list[float]:
        """Wait, if needed, so this request is at most the per-second limit's within any second; returns its slot."""
        while True:
            with self._lock:
                now = self.clock()
                while self._sent and now - self._sent[0][0] >= WINDOW + SAFETY:
                    self._sent.popleft()
                if len(self._sent) < self.per_second:
                    slot = [now]
                    self._sent.append(slot)
                    return slot
                wait = min(cell[0] for cell in self._sent) + WINDOW + SAFETY - now
            self.waited += max(wait, 0.001)
            self.sleep(max(wait, 0.001))

    def after_response(self, slot: list[float]) -> None:
        with self._lock:
            slot[0] = self.clock()
            ordered = sorted(self._sent, key=lambda cell: cell[0])
            self._sent.clear()
            self._sent.extend(ordered)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Take in a response's rate-limit headers (case-insensitive mapping)."""
        limit = _int_header(headers, "x-limit-per-second")
        with self._lock:
            if limit and limit < self.per_second:
                self.per_second = limit
            per_day = _int_header(headers, "x-limit-per-day")
            remaining = _int_header(headers, "x-remaining-today")
            if per_day is not None:
                self.limit_per_day = per_day
            if remaining is not None:
                self.remaining_today = remaining
