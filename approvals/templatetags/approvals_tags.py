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
