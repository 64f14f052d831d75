"""Filters of the production-plan review page (forecasting/kinds/production_plan.html):
a plan's minutes, dates and capacity as a maker reads them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

register = template.Library()


@register.filter
def hours(minutes: Any) -> str:
    """Minutes as hours a maker reads at a glance: 90 → "1.5 h"."""
    try:
        value = float(minutes) / 60
    except (TypeError, ValueError):
        return "—"
    return f"{value:.1f} h".replace(".0 h", " h")


@register.filter
def iso_date(value: Any) -> Any:
    """An ISO date string from a snapshot as a date (for the date filter); other values unchanged."""
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


@register.filter
def per_piece(line: Any) -> str:
    """A plan line's minutes per piece, for the edit form's live hours (minutes ÷ pieces)."""
    try:
        quantity = int(line.get("quantity", 0))
        return f"{int(line.get('minutes', 0)) / quantity:.4f}" if quantity > 0 else "0"
    except (AttributeError, TypeError, ValueError):
        return "0"
