"""Ids and whole numbers read from requests, files and webhooks.

`str.isdigit()` is true for "²", "٣" and "①", which `int()` then refuses or reads as
another number, so every id or count a user can send is parsed here: ASCII digits only,
and a bound so a 400-digit "id" never reaches the database.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_ID = 2**63 - 1  # the largest bigint primary key


def ascii_int(value: object, *, maximum: int = MAX_ID) -> int | None:
    """'42' → 42; '²', '-1', '4 2', '', None or anything above `maximum` → None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= maximum else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > len(str(maximum)) or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= maximum else None


def ascii_ids(values: Iterable[object]) -> list[int]:
    """The valid ids among `values`, first occurrence order, no repeats; the rest are dropped."""
    ids = (ascii_int(value) for value in values)
    return list(dict.fromkeys(number for number in ids if number is not None))


def declared_size(request) -> int:
    """The body size a request declares (Content-Length), 0 when absent or not a number.

    Read before the body, so an oversized upload or webhook is refused unread.
    """
    return ascii_int(request.META.get("CONTENT_LENGTH") or "0") or 0
