"""Forecasts in a maker's words: "about 20 a week, likely 15–26", "usually better than 'same as last week'".

The statistics (RMSSE, demand classes, method names) stay on the page for managers, in a disclosure.
"""

from __future__ import annotations

import math
from typing import Any

from django import template

register = template.Library()

OUTLOOK_WEEKS = 4
# RMSSE on the holdout: the forecast's error against repeating last week's sales (1 = as good as that).
_CLEARLY_BETTER = 0.8

DEMAND_WORDS = {
    "smooth": "sells most weeks, in steady amounts",
    "erratic": "sells most weeks, in amounts that vary",
    "intermittent": "sells now and then",
    "lumpy": "sells now and then, sometimes several at once",
}


def _count(value: float) -> str:
    return f"{max(0, math.floor(value + 0.5)):,}"


def weekly_words(mean: float, low: float, high: float) -> str:
    """A week's expected sales and likely range in words."""
    if high < 0.5:
        return "hardly any sales expected"
    if mean < 0.5:
        return f"fewer than 1 a week, at most about {_count(high)}"
    text = f"about {_count(mean)} a week"
    low_text, high_text = _count(low), _count(high)
    if low_text != high_text:
        text += f", likely {low_text}–{high_text}"
    return text


@register.filter
def outlook(values: Any, weeks: int = OUTLOOK_WEEKS) -> str:
    """A Forecast.values dict's next `weeks` weeks, averaged: "about 20 a week, likely 15–26"."""
    try:
        mean, p10, p90 = ([float(v) for v in values[name][: int(weeks)]] for name in ("mean", "p10", "p90"))
    except (KeyError, TypeError, ValueError):
        return ""
    if not mean:
        return ""
    n = len(mean)
    return weekly_words(sum(mean) / n, sum(p10) / n, sum(p90) / n)


@register.filter
def band_outlook(band: Any, weeks: int = OUTLOOK_WEEKS) -> str:
    """A product's summed forecast band [(week, p10, p50, p90), …], its next `weeks` weeks in words."""
    try:
        rows = [(float(low), float(mid), float(high)) for _, low, mid, high in list(band)[: int(weeks)]]
    except (TypeError, ValueError):
        return ""
    if not rows:
        return ""
    n = len(rows)
    return weekly_words(sum(r[1] for r in rows) / n, sum(r[0] for r in rows) / n, sum(r[2] for r in rows) / n)


@register.filter
def accuracy_words(rmsse: Any) -> str:
    """How the forecast did on the recent weeks it was tested on, against "same as last week"."""
    if rmsse is None or rmsse == "":
        return "not tested yet: too little history"
    value = float(rmsse)
    if value < _CLEARLY_BETTER:
        return "usually closer than “same as last week”"
    if value <= 1:
        return "about as close as “same as last week”"
    return "further off than “same as last week”, so treat it as a rough guide"


@register.filter
def worse_than_naive(rmsse: Any) -> bool:
    try:
        return rmsse is not None and float(rmsse) > 1
    except (TypeError, ValueError):
        return False


@register.filter
def demand_words(demand_class: Any) -> str:
    return DEMAND_WORDS.get(str(demand_class or "").lower(), "")
