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
    def __init__(
        self,
        *,
        per_second: int = 10,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.per_second = max(1, int(per_second))
        self.clock, self.sleep = clock, sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()
        self.limit_per_day: int | None = None
        self.remaining_today: int | None = None
        self.waited = 0.0

    def before_request(self) -> None:
        """Wait, if needed, so this request is at most the per-second limit's within any second."""
        while True:
            with self._lock:
                now = self.clock()
                while self._sent and now - self._sent[0] >= WINDOW + SAFETY:
                    self._sent.popleft()
                if len(self._sent) < self.per_second:
                    self._sent.append(now)
                    return
                wait = self._sent[0] + WINDOW + SAFETY - now
            self.waited += wait
            self.sleep(max(wait, 0.001))

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
