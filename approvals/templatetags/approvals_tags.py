"""Filters that render review snapshots: plain JSON shown as readable, escaped text.

Snapshots are whatever a draft kind froze, so nothing here trusts their shape:
any JSON value renders, and every string is escaped by the template that shows it.
Only what every kind shares lives here (checks by level, stored files, the kind's
own template, summary and check labels); a kind's own filters live in its app.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from approvals import registry
from approvals.diff import FieldDiff, field_text, snapshot_diff, text_segments

register = template.Library()

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
    kind = registry.find(name)
    if kind is None:
        return registry.GENERIC_TEMPLATE
    try:
        get_template(kind.template)
    except TemplateDoesNotExist:
        return registry.GENERIC_TEMPLATE
    return kind.template


@register.filter
def kind_summary(item: Any) -> str:
    """The line a review item's kind gives the queue under the subject ("" if it gives none)."""
    kind = registry.find(getattr(item, "kind", ""))
    snapshot = getattr(item, "snapshot", None)
    if kind is None or not isinstance(snapshot, dict):
        return ""
    return str(kind.summary(snapshot) or "")


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
    result = (
        diff[0]
        if diff
        else FieldDiff(name="value", label="", segments=text_segments(field_text(before), field_text(after)))
    )
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
def check_flags(item: Any) -> list[tuple[str, str]]:
    """A review item's failed and warning checks by their kind's short labels, each code once,
    so a queue row says what to look at; a code the kind gives no label reads as words."""
    kind = registry.find(getattr(item, "kind", ""))
    labels = kind.check_labels if kind is not None else {}
    flags: list[tuple[str, str]] = []
    seen: set[str] = set()
    for check in checks_sorted(getattr(item, "snapshot", None)):
        level, code = check.get("level"), str(check.get("code") or "")
        if level in ("fail", "warn") and code and code not in seen:
            seen.add(code)
            flags.append((level, labels.get(code) or humanize_key(code)))
    return flags


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
def option_on(data: Any, name: str) -> bool:
    """Whether a posted approve option was left on (the last value of option_<name>, as the form reads it)."""
    getter = getattr(data, "getlist", None)
    values = getter(f"option_{name}") if getter else []
    return not values or str(values[-1]).strip().lower() not in {"", "0", "off", "false", "no"}


@register.filter
def kind_thumbnail(item: Any) -> str:
    """The URL of a small picture of a review item's snapshot, from its kind ("" when it has none)."""
    kind = registry.find(getattr(item, "kind", ""))
    snapshot = getattr(item, "snapshot", None)
    if kind is None or not isinstance(snapshot, dict):
        return ""
    return media_url(kind.thumbnail(snapshot))


@register.filter
def kind_confirmation(name: str) -> str:
    """The question a kind asks before an approval ("" for none)."""
    kind = registry.find(name)
    return kind.confirm_approval if kind is not None else ""


@register.filter
def kind_concerns(item: Any) -> list[str]:
    """The kind's doubts about a review item's snapshot: approving it takes "approve anyway"."""
    kind = registry.find(getattr(item, "kind", ""))
    snapshot = getattr(item, "snapshot", None)
    if kind is None or not isinstance(snapshot, dict):
        return []
    return list(kind.concerns(snapshot))
