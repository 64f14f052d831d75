"""Etsy's vocabulary, as its OpenAPI document states it (tests compare these with the document).

`when_made`'s decade token changes over time ("2020_2026" today): when Etsy publishes a
new document, update WHEN_MADE here; the test in tests/channels/test_etsy_vocab.py fails
until it matches.
"""

from __future__ import annotations

WHO_MADE = (
    ("i_did", "I did"),
    ("someone_else", "A member of my shop"),
    ("collective", "Another company or person"),
)
WHEN_MADE_VALUES = (
    "made_to_order",
    "2020_2026",
    "2010_2019",
    "2007_2009",
    "before_2007",
    "2000_2006",
    "1990s",
    "1980s",
    "1970s",
    "1960s",
    "1950s",
    "1940s",
    "1930s",
    "1920s",
    "1910s",
    "1900s",
    "1800s",
    "1700s",
    "before_1700",
)


def _when_label(value: str) -> str:
    if value == "made_to_order":
        return "Made to order"
    if value.startswith("before_"):
        return f"Before {value.removeprefix('before_')}"
    return value.replace("_", "–")


WHEN_MADE = tuple((value, _when_label(value)) for value in WHEN_MADE_VALUES)
READINESS_STATES = ("ready_to_ship", "made_to_order")
SCOPES = ("listings_r", "listings_w", "shops_r", "transactions_r")
# Custom variation properties ("Colour", "Size" named by the shop) use these two ids.
CUSTOM_PROPERTY_IDS = (513, 514)
MAX_IMAGES = 10
