"""Filters that render review snapshots: plain JSON shown as readable, escaped text.

Snapshots are whatever a draft kind froze, so nothing here trusts their shape:
any JSON value renders, and every string is escaped by the template that shows it.
"""
from __future__ import annotations

from typing import Any

from django import template
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from approvals import registry
from approvals.diff import FieldDiff, field_text, snapshot_diff, text_segments

register = template.Library()

GENERIC_TEMPLATE = "approvals/kinds/generic.html"
_ACRONYMS = {"seo": "SEO", "id": "ID", "sku": "SKU", "url": "URL", "html": "HTML", "alt": "Alt"}


@register.filter
def snapshot_entries(value: Any) -> list[tuple[str, Any]]:
    """(key, value) pairs of a dict; `.items` in a template would read a key named "items"."""
    if isinstance(value, dict):
        return [(str(key), item) for key, item in value.items()]
    return []


@register.filter
def value_kind(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "empty"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, (list, tuple)):
        if all(isinstance(item, (str, int, float)) and len(str(item)) <= 40 for item in value):
            return "chips"
        return "list"
    return "text"


@register.filter
def humanize_key(key: Any) -> str:
    words = str(key).replace("_", " ").replace("-", " ").split()
    if not words:
        return ""
    words = [_ACRONYMS.get(word.lower(), word) for word in words]
    first = words[0]
    words[0] = first if first.isupper() else first[:1].upper() + first[1:]
    return " ".join(words)


@register.filter
def kind_label(name: str) -> str:
    try:
        return registry.get(name).label
    except registry.UnknownDraftKind:
        return humanize_key(name)


@register.filter
def kind_template(name: str) -> str:
    """The kind's own snapshot template, or the generic one if it has none (yet)."""
    try:
        candidate = registry.get(name).template
    except registry.UnknownDraftKind:
        return GENERIC_TEMPLATE
    try:
        get_template(candidate)
    except TemplateDoesNotExist:
        return GENERIC_TEMPLATE
    return candidate


@register.filter
def change_pair(value: Any) -> tuple[Any, Any]:
    """An audit entry's change, [before, after], tolerant of other shapes."""
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return value[0], value[1]
    return None, value


@register.filter
def change_diff(change: Any, name: Any) -> FieldDiff:
    """An audit entry's change as the reviewer reads a diff: words or list items added and removed."""
    before, after = change_pair(change)
    diff = snapshot_diff({"value": before}, {"value": after})
    result = diff[0] if diff else FieldDiff(name="value", label="", segments=text_segments(field_text(before), field_text(after)))
    result.name, result.label = str(name), humanize_key(name)
    return result


@register.filter
def check_counts(snapshot: Any) -> dict[str, int]:
    """How many checks of a snapshot failed or warn (kinds that have checks); any other level passed."""
    counts = {"fail": 0, "warn": 0, "pass": 0}
    checks = snapshot.get("checks") if isinstance(snapshot, dict) else None
    for check in checks if isinstance(checks, list) else []:
        if isinstance(check, dict):
            level = check.get("level")
            counts[level if level in ("fail", "warn") else "pass"] += 1
    return counts


@register.filter
def checks_sorted(snapshot: Any) -> list[dict]:
    """Checks, failures first, then warnings, then passes."""
    checks = snapshot.get("checks") if isinstance(snapshot, dict) else None
    order = {"fail": 0, "warn": 1, "pass": 2}
    valid = [c for c in (checks if isinstance(checks, list) else []) if isinstance(c, dict)]
    return sorted(valid, key=lambda check: order.get(check.get("level"), 3))


@register.filter
def flagged_terms(snapshot: Any) -> list[str]:
    """Words the checks flagged (unsupported claims, forbidden characters), to highlight."""
    terms: list[str] = []
    for check in checks_sorted(snapshot):
        if check.get("level") in ("fail", "warn") and check.get("code") in ("unsupported_claims", "title_characters"):
            terms.extend(str(term) for term in check.get("terms", []) if str(term).strip())
    return terms


@register.simple_tag
def highlight(text: Any, terms: list[str]):
    """Escaped text with the flagged terms wrapped in <mark>."""
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    escaped = str(escape(text if text is not None else ""))
    if not terms:
        return mark_safe(escaped)
    import re

    pattern = re.compile("|".join(re.escape(str(escape(term))) for term in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    return mark_safe(pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", escaped))


@register.simple_tag
def safe_description(html_text: Any, terms: list[str]):
    """A draft's description as HTML: sanitised again at display (p, lists, emphasis
    only), with flagged terms marked in its text, never inside its tags."""
    import re

    import nh3
    from django.utils.safestring import mark_safe

    clean = nh3.clean(str(html_text or ""), tags={"p", "br", "strong", "em", "ul", "ol", "li"}, attributes={})
    if terms:
        pattern = re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
        parts = re.split(r"(<[^>]+>)", clean)
        clean = "".join(part if part.startswith("<") else pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", part) for part in parts)
    return mark_safe(nh3.clean(clean, tags={"p", "br", "strong", "em", "ul", "ol", "li", "mark"}, attributes={}))


@register.filter
def media_url(name: Any) -> str:
    """The URL of a stored file a snapshot names (snapshots keep storage names, not URLs)."""
    from django.core.files.storage import default_storage

    if not isinstance(name, str) or not name or name.startswith(("/", "..")) or ".." in name.split("/"):
        return ""
    return default_storage.url(name)


@register.filter
def percent(value: Any, places: int = 2) -> str:
    try:
        return f"{float(value) * 100:.{int(places)}f}%"
    except (TypeError, ValueError):
        return "—"


@register.filter
def hours(minutes: Any) -> str:
    """Minutes as hours a maker reads at a glance: 90 → "1.5 h"."""
    try:
        value = float(minutes) / 60
    except (TypeError, ValueError):
        return "—"
    return f"{value:.1f} h".replace(".0 h", " h")


@register.filter
def iso_date(value: Any):
    """An ISO date string from a snapshot as a date (for the date filter); other values unchanged."""
    import datetime as dt

    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value


@register.filter
def share_of(used: Any, available: Any) -> int:
    """used / available as a whole percentage for a capacity bar, 0–100."""
    try:
        used, available = float(used), float(available)
    except (TypeError, ValueError):
        return 0
    if available <= 0:
        return 100 if used > 0 else 0
    return max(0, min(100, round(100 * used / available)))
