"""Filters of the listing-copy review page (catalog/kinds/listing_copy.html): the words
the checks flagged, marked where a shopper would read them."""

from __future__ import annotations

import re
from typing import Any

import nh3
from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from catalog.listings import limits as listing_limits
from catalog.listings.checks import FAIL, WARN

register = template.Library()

# Checks whose terms are words in the copy itself (other checks' terms are whole tags or fields).
MARKED_CODES = ("unsupported_claims", "title_characters")
_DESCRIPTION_TAGS = set(listing_limits.DESCRIPTION_TAGS)


@register.simple_tag
def limits() -> dict[str, int]:
    """The channel limits the page shows beside each field: the same constants the checks use."""
    return {
        "title": listing_limits.ETSY_TITLE_MAX,
        "seo_title": listing_limits.SEO_TITLE_MAX,
        "meta_description": listing_limits.META_DESCRIPTION_MAX,
    }


@register.filter
def flagged_terms(snapshot: Any) -> list[str]:
    """Words the checks flagged (unsupported claims, forbidden characters), to highlight."""
    checks = snapshot.get("checks") if isinstance(snapshot, dict) else None
    terms: list[str] = []
    for check in checks if isinstance(checks, list) else []:
        if isinstance(check, dict) and check.get("level") in (FAIL, WARN) and check.get("code") in MARKED_CODES:
            terms.extend(str(term) for term in check.get("terms", []) if str(term).strip())
    return terms


def _pattern(terms: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.IGNORECASE)


@register.simple_tag
def highlight(text: Any, terms: list[str]) -> SafeString:
    """Escaped text with the flagged terms wrapped in <mark>."""
    escaped = str(escape(text if text is not None else ""))
    if not terms:
        return mark_safe(escaped)
    pattern = _pattern([str(escape(term)) for term in terms])
    return mark_safe(pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", escaped))


@register.simple_tag
def safe_description(html_text: Any, terms: list[str]) -> SafeString:
    """A draft's description as HTML: sanitised again at display (p, lists, emphasis
    only), with flagged terms marked in its text, never inside its tags."""
    clean = nh3.clean(str(html_text or ""), tags=_DESCRIPTION_TAGS, attributes={})
    if terms:
        pattern = _pattern(terms)
        parts = re.split(r"(<[^>]+>)", clean)
        clean = "".join(
            part if part.startswith("<") else pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", part)
            for part in parts
        )
    return mark_safe(nh3.clean(clean, tags=_DESCRIPTION_TAGS | {"mark"}, attributes={}))


@register.filter
def facts_to_add(snapshot: Any, subject_key: str) -> str:
    """Where the maker adds the facts the copy had to leave out ("" when none are missing)."""
    checks = snapshot.get("checks") if isinstance(snapshot, dict) else None
    missing = any(
        isinstance(check, dict) and check.get("code") == "missing_facts" and check.get("level") == WARN
        for check in (checks if isinstance(checks, list) else [])
    )
    prefix, _, pk = str(subject_key).partition(":")
    if not missing or prefix != "product" or not pk.isdigit():
        return ""
    return reverse("product-facts-edit", args=[int(pk)])
