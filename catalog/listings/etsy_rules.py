"""Etsy's rules for a listing's title, tags and materials: one definition for the review queue and the channel.

The review queue's listing checks (catalog.listings.checks) and the Etsy channel's
checks before calling Etsy (channels.etsy.listing) both use these, so what a reviewer
sees passing is what Etsy is sent. Each function returns the problems in words, empty
when the value is fine.

- Title: at most 140 characters of letters, numbers, spaces, punctuation and ™ © ®;
  never $ ^ `; each of % : & + at most once.
- Tags: at most 13, unique, each at most 20 characters of letters, numbers, spaces,
  hyphens, apostrophes and ™ © ®.
- Materials: letters, numbers and spaces only.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from catalog.listings import limits

TITLE_ONCE = "%:&+"
MARKS = "™©®"
TAG_PUNCTUATION = "-'" + MARKS


def _is_word_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LN" or ch == " "


def title_forbidden(title: str) -> list[str]:
    """Characters Etsy refuses in a title, in order of first appearance."""
    bad: list[str] = []
    for ch in title:
        category = unicodedata.category(ch)
        allowed = ch not in limits.ETSY_TITLE_FORBIDDEN and (
            category[0] in "LNP" or category == "Zs" or ch in MARKS or ch in TITLE_ONCE
        )
        if not allowed and ch not in bad:
            bad.append(ch)
    return bad


def title_repeated(title: str) -> list[str]:
    """Of % : & +, those used more than once."""
    return [ch for ch in TITLE_ONCE if title.count(ch) > 1]


def title_problems(title: str) -> list[str]:
    problems = []
    if not title.strip():
        problems.append("The title is empty.")
    if len(title) > limits.ETSY_TITLE_MAX:
        problems.append(f"The title is {len(title)} characters; Etsy allows {limits.ETSY_TITLE_MAX}.")
    bad = title_forbidden(title)
    if bad:
        problems.append(f"Etsy titles can't contain {' '.join(bad)}.")
    repeated = title_repeated(title)
    if repeated:
        problems.append(f"Etsy allows each of {' '.join(repeated)} only once in a title.")
    return problems


def tag_problems(tags: Sequence[str]) -> list[str]:
    problems = []
    if len(tags) > limits.ETSY_TAGS_MAX:
        problems.append(f"{len(tags)} tags; Etsy allows {limits.ETSY_TAGS_MAX}.")
    long_tags = [tag for tag in tags if len(tag) > limits.ETSY_TAG_MAX]
    if long_tags:
        problems.append(f"Tags over {limits.ETSY_TAG_MAX} characters: {', '.join(long_tags)}.")
    odd = odd_tags(tags)
    if odd:
        problems.append(
            f"Etsy tags may hold only letters, numbers, spaces, - ' ™ © ®: {', '.join(repr(t) for t in odd)}."
        )
    if len({tag.lower() for tag in tags}) != len(tags):
        problems.append("Tags must be unique.")
    return problems


def odd_tags(tags: Sequence[str]) -> list[str]:
    """Tags holding a character Etsy refuses in tags (or nothing but spaces)."""
    return [tag for tag in tags if not tag.strip() or not all(_is_word_char(ch) or ch in TAG_PUNCTUATION for ch in tag)]


def material_problems(materials: Sequence[str]) -> list[str]:
    odd = [material for material in materials if not material.strip() or not all(map(_is_word_char, material))]
    if odd:
        return [f"Etsy materials may hold only letters, numbers and spaces: {', '.join(repr(m) for m in odd)}."]
    return []
