"""Small text helpers of the copywriters: cleaning facts, joining, clipping, title case, tags."""

from __future__ import annotations

import html
import re

from catalog.listings import etsy_rules, limits
from catalog.listings.checks import CLAIMS, MATERIALS, unsupported_claims
from studio.wording import and_list

UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
TITLE_FORBIDDEN = re.compile("[" + re.escape(limits.ETSY_TITLE_FORBIDDEN) + "<>]")
TAG_DROP = re.compile(r"[^\w\s'\-]")
SMALL_WORDS = frozenset("a an and as at but by for from in into of on or per the to with".split())
UNITS = frozenset("x by mm cm m in ml cl l g kg oz lb ft".split())
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
MATERIAL_TERMS = re.compile(
    r"\b(" + "|".join(re.escape(term) for term in sorted(MATERIALS, key=len, reverse=True)) + r")\b"
)
_ANY_CLAIM = re.compile("|".join(f"(?:{pattern})" for pattern in CLAIMS.values()) + "|" + MATERIAL_TERMS.pattern)


def clean(text: str) -> str:
    return " ".join(UNSAFE_CHARS.sub("", str(text or "")).split())


def plain(text: str) -> str:
    """Text for titles: no characters Etsy refuses (catalog.listings.etsy_rules), % : & + at most once each."""
    text = TITLE_FORBIDDEN.sub("", str(text or ""))
    refused = set(etsy_rules.title_forbidden(text))
    text = "".join(ch for ch in text if ch not in refused)
    for ch in etsy_rules.title_repeated(text):
        first = text.index(ch) + 1
        text = text[:first] + text[first:].replace(ch, " and " if ch == "&" else " ")
    return clean(text)


def unquote(text: str) -> str:
    """'“Like this.”' → 'Like this.': the copy puts its own quotes round the maker's words."""
    if len(text) >= 2 and text[0] in "\"“'‘" and text[-1] in "\"”'’":
        return text[1:-1].strip()
    return text


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def strip_tags(markup: str) -> str:
    return re.sub(r"<[^>]*>", " ", markup).strip()


def unique(items) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = item.lower()
        if item and key not in seen:
            seen.add(key)
            out.append(item)
    return out


join_list = and_list  # the name the writers use


def clip(text: str, limit: int, *, ellipsis: bool = False) -> str:
    """Cut at a word boundary to at most `limit` characters."""
    if len(text) <= limit:
        return text
    room = limit - 1 if ellipsis else limit
    cut = text[:room]
    if text[room] != " " and " " in cut.strip():  # mid-word: back up to the last space
        cut = cut.rsplit(" ", 1)[0]
    cut = cut.rstrip(" ,;:–-") or text[:room]
    return cut + "…" if ellipsis else cut


def title_case(text: str) -> str:
    out = []
    for index, word in enumerate(text.split(" ")):
        if not word or not word[0].isalpha() or not word[0].islower() or any(c.isupper() for c in word):
            out.append(word)
        elif index and (word in SMALL_WORDS or word in UNITS):
            out.append(word)
        else:
            out.append("-".join(part[:1].upper() + part[1:] for part in word.split("-")))
    return " ".join(out)


def weight_label(grams: int) -> str:
    if grams >= 1000:
        return f"{grams / 1000:.2f}".rstrip("0").rstrip(".") + " kg"
    return f"{grams} g"


def as_tag(text: str) -> str:
    tag = " ".join(TAG_DROP.sub(" ", clean(text).lower()).split()).strip(" -'")
    if not tag or len(tag) > limits.ETSY_TAG_MAX or not re.search(r"[^\W\d_]", tag):
        return ""
    return tag


def claims_in(text: str, facts: dict) -> list[str]:
    """Claims in `text` the facts don't back; the quick pattern spares most texts the full check."""
    if not _ANY_CLAIM.search(text.lower()):
        return []
    return unsupported_claims(text, facts)
