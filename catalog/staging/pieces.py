"""How many separate pieces a photo of a product may rightly show: a pair of earrings is two, a set of three three.

The staged-image check warns when a cut-out falls apart into several pieces,
because for one mug that means a handle or a rim was lost. For a pair or a set
the pieces are the product, so the product's own words (title, facts, the
photo's variant) say how many to expect.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_PIECES = 24  # a "set of 200 beads" shot is a pile, not 200 pieces to count
NUMBERS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "dozen": 12,
}
_COUNT = r"(\d{1,3}|" + "|".join(NUMBERS) + r")"
_SETS = (
    re.compile(rf"\b(?:set|pack|box|bundle|trio|collection) of {_COUNT}\b", re.IGNORECASE),
    re.compile(rf"\b{_COUNT}[- ](?:piece|pc)s?\b", re.IGNORECASE),
    re.compile(rf"\b(?:set|pack) {_COUNT}\b", re.IGNORECASE),  # "Napkins, pack 4"
)
_TRIO = re.compile(r"\btrio\b", re.IGNORECASE)
# "pair" as a noun ("a pair", "pair of", "Tapers, pair"), not the verb in "pairs well with".
_PAIR = re.compile(r"\bpair\b(?! well)", re.IGNORECASE)
# Sold in pairs whatever the title says. Not "hoops": a hoop necklace or an embroidery hoop is one piece.
_WORN_IN_PAIRS = re.compile(r"\b(?:earrings|ear studs|studs|cufflinks|ear cuffs)\b", re.IGNORECASE)
_SINGLE = re.compile(r"\b(?:single|one) (?:earring|stud|cufflink)\b", re.IGNORECASE)


def pieces_expected(texts: Iterable[str]) -> int:
    """The most separate pieces the product's words allow: 1 for one piece, 2 for a pair, N for a set of N."""
    expected = 1
    for text in texts:
        if not text:
            continue
        for pattern in _SETS:
            for match in pattern.finditer(text):
                word = match.group(1).lower()
                expected = max(expected, int(word) if word.isdigit() else NUMBERS[word])
        if _TRIO.search(text):
            expected = max(expected, 3)
        if _PAIR.search(text) or (_WORN_IN_PAIRS.search(text) and not _SINGLE.search(text)):
            expected = max(expected, 2)
    return min(expected, MAX_PIECES)
