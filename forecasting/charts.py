"""Server-rendered forecast charts: inline SVG, no JavaScript, styled by the app's stylesheet.

Every shape carries a class (.chart-history, .chart-band, .chart-forecast, .chart-axis,
.chart-today, .sparkline-line, .sparkline-last) and only currentColor presentation
attributes, so the CSS decides colours and dark mode. Every piece of text is XML-escaped
here; the result is marked safe only because this module built all of it.

The summary in <desc> gives the forecast total's p10–p90 range. Adding weekly p10s and p90s
would overstate it (busy and quiet weeks rarely all come together), so the range is the
summed p50 minus/plus the square root of the summed squared distances from each week's p50
to its p10/p90: the normal-approximation sum, kept lopsided where the forecast is.
"""

from __future__ import annotations

import hashlib
import math
import re
from datetime import date, timedelta
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MAX_VALUE = 1e15  # beyond this a value is a data error; clamped so sums and scales stay finite
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 12, 18, 24
_MIN_MONTH_LABEL_PX = 36


def forecast_chart_svg(
    *,
    history: list[tuple[date, float]],
    forecast: list[tuple[date, float, float, float]],
    title: str,
    width: int = 720,
    height: int = 260,
    unit: str = "units/week",
) -> SafeString:
    """Weekly sales as bars, the forecast p50 as a dashed line over its p10–p90 band, a "today" line."""
    if width < 160 or height < 100:
        raise ValueError("A forecast chart needs at least 160 × 100 pixels.")
    past = sorted((day, _value(v)) for day, v in history)
    ahead = sorted((day, *sorted(_value(v) for v in (p10, p50, p90))) for day, p10, p50, p90 in forecast)
    step = _step_days([day for day, _ in past] or [day for day, *_ in ahead])
    days = [day for day, _ in past] + [day for day, *_ in ahead]
    chart_id = "chart-" + hashlib.sha1(repr((title, past, ahead, width, height, unit)).encode()).hexdigest()[:10]

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{_text(title)}</title>',
        f'<desc id="{chart_id}-desc">{_text(_summary(past, ahead))}</desc>',
    ]
    plot_w, plot_h = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM
    if not days:
        parts.append(
            f'<g class="chart-axis" fill="currentColor" font-size="12"><text x="{width / 2:g}" '
            f'y="{height / 2:g}" text-anchor="middle">No sales or forecast yet</text></g></svg>'
        )
        return mark_safe("".join(parts))

    first, last = min(days).toordinal(), max(days).toordinal() + step
    top_value = max([v for _, v in past] + [p90 for *_, p90 in ahead] + [0.0])
    ticks = nice_ticks(top_value)

    def x(day: date | float) -> float:
        ordinal = day.toordinal() if isinstance(day, date) else day
        return _LEFT + plot_w * (ordinal - first) / (last - first)

    def y(value: float) -> float:
        return _TOP + plot_h * (1 - value / ticks[-1])

    parts.append(_axes(ticks, y, x, first, last, plot_w, unit))
    bars = []
    for day, value in past:
        if value > 0:
            left, right = x(day), x(day.toordinal() + step)
            inset = (right - left) * 0.1
            bars.append(f"M{_n(left + inset)} {_n(y(0))}V{_n(y(value))}H{_n(right - inset)}V{_n(y(0))}Z")
    parts.append(f'<path class="chart-history" fill="currentColor" fill-opacity="0.5" d="{"".join(bars)}"/>')
    if ahead:
        if len(ahead) == 1:
            day = ahead[0][0]
            xs = [x(day), x(day.toordinal() + step)]
            ahead = ahead * 2
        else:
            xs = [x(day.toordinal() + step / 2) for day, *_ in ahead]
        upper = [f"{_n(px)} {_n(y(p90))}" for px, (_, _, _, p90) in zip(xs, ahead)]
        lower = [f"{_n(px)} {_n(y(p10))}" for px, (_, p10, _, _) in reversed(list(zip(xs, ahead)))]
        middle = [f"{_n(px)} {_n(y(p50))}" for px, (_, _, p50, _) in zip(xs, ahead)]
        parts.append(
            f'<path class="chart-band" fill="currentColor" fill-opacity="0.15" stroke="none" '
            f'd="M{"L".join(upper + lower)}Z"/>'
        )
        parts.append(
            f'<path class="chart-forecast" fill="none" stroke="currentColor" stroke-width="2" '
            f'stroke-dasharray="6 4" d="M{"L".join(middle)}"/>'
        )
    today = x(ahead[0][0]) if ahead else x(past[-1][0].toordinal() + step)
    label_x, anchor = (today + 4, "start") if today < width - 48 else (today - 4, "end")
    parts.append(
        f'<g class="chart-today"><line x1="{_n(today)}" x2="{_n(today)}" y1="{_TOP}" y2="{_n(y(0))}" '
        f'stroke="currentColor" stroke-dasharray="2 3"/><text x="{_n(label_x)}" y="{_TOP + 10}" '
        f'text-anchor="{anchor}" fill="currentColor" font-size="11">today</text></g>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def sparkline_svg(values: list[float], width: int = 120, height: int = 28) -> SafeString:
    """A small trend line for list pages; its <title> says what it shows in words."""
    points = [_value(v) for v in values]
    if not points:
        label = "No sales yet"
    else:
        label = (
            f"Last {_weeks(len(points))}: {_amount(sum(points))} in total, "
            f"latest {_amount(points[-1])}, peak {_amount(max(points))}"
        )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sparkline" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img"><title>{_text(label)}</title>'
    ]
    pad, peak = 2, max(points, default=0) or 1
    if len(points) == 1:
        points = points * 2
    if points:
        xs = [pad + (width - 2 * pad) * i / (len(points) - 1) for i in range(len(points))]
        ys = [height - pad - (height - 2 * pad) * v / peak for v in points]
        coords = "L".join(f"{_n(px)} {_n(py)}" for px, py in zip(xs, ys))
        parts.append(
            f'<path class="sparkline-line" fill="none" stroke="currentColor" stroke-width="1.5" '
            f'stroke-linejoin="round" d="M{coords}"/>'
        )
        parts.append(f'<circle class="sparkline-last" cx="{_n(xs[-1])}" cy="{_n(ys[-1])}" r="2" fill="currentColor"/>')
    else:
        parts.append(
            f'<path class="sparkline-line" fill="none" stroke="currentColor" stroke-opacity="0.4" '
            f'd="M{pad} {height - pad}H{width - pad}"/>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def nice_ticks(top: float, *, count: int = 4) -> list[float]:
    """0 and round steps (1, 2, 2.5, 5 × 10ⁿ) up to the first tick at or above top."""
    if top < 1e-9:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-12))
    steps = math.ceil(top / step - 1e-9)
    return [i * step for i in range(steps + 1)]


def _summary(past: list[tuple[date, float]], ahead: list[tuple[date, float, float, float]]) -> str:
    if past:
        sold = f"Sold {_amount(sum(v for _, v in past))} in the last {_weeks(len(past))}"
    else:
        sold = "No sales history yet"
    if not ahead:
        return f"{sold}; no forecast yet."
    total = sum(p50 for _, _, p50, _ in ahead)
    low = max(0.0, total - math.sqrt(sum((p50 - p10) ** 2 for _, p10, p50, _ in ahead)))
    high = total + math.sqrt(sum((p90 - p50) ** 2 for _, _, p50, p90 in ahead))
    return (
        f"{sold}; forecast {_amount(total)} over the next {_weeks(len(ahead))} "
        f"(p10–p90 range {_amount(low)}–{_amount(high)})."
    )


def _axes(ticks, y, x, first: int, last: int, plot_w: float, unit: str) -> str:
    right = _LEFT + plot_w
    out = [
        '<g class="chart-axis" fill="currentColor" stroke="none" font-size="11">',
        f'<text x="4" y="{_TOP - 6}">{_text(unit)}</text>',
    ]
    for tick in ticks:
        py = _n(y(tick))
        out.append(
            f'<line x1="{_LEFT}" x2="{_n(right)}" y1="{py}" y2="{py}" stroke="currentColor" '
            f'stroke-opacity="{0.6 if tick == 0 else 0.15}"/>'
        )
        out.append(f'<text x="{_LEFT - 6}" y="{py}" dy="0.32em" text-anchor="end">{_tick_label(tick)}</text>')
    every = next(
        (k for k in (1, 2, 3, 4, 6, 12, 24, 60, 120) if plot_w * 30.44 * k / (last - first) >= _MIN_MONTH_LABEL_PX), 240
    )
    months = _month_starts(first, last, every)
    label_y = _n(y(0) + 16)
    if not months:
        day = date.fromordinal(first)
        out.append(f'<text x="{_LEFT}" y="{label_y}">{_MONTHS[day.month - 1]} {day.year}</text>')
    for month in months:
        px = _n(x(month))
        label = _MONTHS[month.month - 1] + (f" {month.year}" if month.month == 1 else "")
        out.append(f'<line x1="{px}" x2="{px}" y1="{_n(y(0))}" y2="{_n(y(0) + 4)}" stroke="currentColor"/>')
        out.append(f'<text x="{px}" y="{label_y}" text-anchor="middle">{label}</text>')
    out.append("</g>")
    return "".join(out)


def _month_starts(first: int, last: int, every: int) -> list[date]:
    day = date.fromordinal(first)
    month = date(day.year, day.month, 1)
    if month.toordinal() < first:
        month = (month + timedelta(days=32)).replace(day=1)
    out = []
    while month.toordinal() <= last:
        if (month.year * 12 + month.month - 1) % every == 0:
            out.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return out


def _step_days(days: list[date]) -> int:
    """The bucket width: the usual gap between points (a week for weekly series)."""
    gaps = sorted(b.toordinal() - a.toordinal() for a, b in zip(days, days[1:]) if b > a)
    return gaps[len(gaps) // 2] if gaps else 7


def _value(value: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return min(number, _MAX_VALUE) if math.isfinite(number) and number > 0 else 0.0


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("", str(value)), {'"': "&quot;", "'": "&#x27;"})


def _n(number: float) -> str:
    return f"{number:.1f}".rstrip("0").rstrip(".")


def _amount(value: float) -> str:
    """124, 3.5, 1,234: whole numbers from 10 up, one decimal below."""
    tenths = round(value, 1)
    if tenths < 10 and tenths != int(tenths):
        return f"{tenths:.1f}"
    return f"{round(value):,}"


def _tick_label(value: float) -> str:
    """0, 2.5, 750, 1.2k, 3M: short, for the axis."""
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.4g}"


def _weeks(count: int) -> str:
    return "week" if count == 1 else f"{count} weeks"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
