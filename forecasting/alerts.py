"""Dashboard stock alerts: what runs out before it can be made, what sits on the shelf, what stopped selling.

Pure Python over the planner's VariantDemand, so the dashboard, the nightly job and tests
share one definition of "at risk". Stock means stock on hand plus work in progress
throughout, as in the planner: what is being made will be on the shelf soon.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from forecasting.planning import VariantDemand, day_month, projected_stockout, to_jsonable

SEVERITIES = ("high", "medium", "low")
KINDS = ("stockout_risk", "overstock", "no_recent_sales")
_SAFETY_DAYS = 7  # a week's slack on top of the lead time: plans are made weekly


@dataclass(frozen=True)
class StockAlert:
    kind: str  # one of KINDS
    variant_id: int
    sku: str
    product_id: int
    product_title: str
    severity: str  # one of SEVERITIES
    message: str
    detail: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: dates in detail become ISO strings, Decimals strings."""
        return to_jsonable(self)


def stock_alerts(**options) -> list[StockAlert]:
    """stock_alerts_keyed's alerts without their sort keys (the same options)."""
    return [alert for _, alert in stock_alerts_keyed(**options)]


def stock_alerts_keyed(
    *,
    demands: list[VariantDemand],
    today: date,
    last_sale: Mapping[int, date | None],
    overstock_weeks: float = 26,
    no_sales_days: int = 90,
    listed_on: Mapping[int, date] | None = None,
) -> list[tuple[tuple, StockAlert]]:
    """(sort key, alert) pairs, sorted by severity, then kind (stock-out risk, overstock, no recent sales), then date.

    The keys (severity, kind, order, title, SKU, variant) are what forecasting.stored_alerts stores,
    so stored alerts sort as these do.

    Stock-out risk, graded by the days until the projected stock-out (expected sales against
    stock + work in progress) against the lead time: out of stock, or a week or more on an empty
    shelf even if a batch starts today → high; before today + lead time + a week (start this
    week) → medium; before today + 2 × lead time + a week → low. Overstock: more than `overstock_weeks` weeks of cover at the forecast's average
    weekly pace (medium from twice that, or when no sales are forecast at all). No recent
    sales: no sale in `no_sales_days` days; last_sale None (or missing) means never sold, which
    is flagged unless `listed_on` shows the variant is younger than `no_sales_days`.
    Made-to-order variants keep no stock, so only "no recent sales" applies to them.
    """
    alerts: list[tuple[tuple, StockAlert]] = []
    for demand in demands:
        found = [] if demand.made_to_order else [_stockout_risk(demand, today), _overstock(demand, overstock_weeks)]
        found.append(_no_recent_sales(demand, today, last_sale.get(demand.variant_id), no_sales_days, listed_on))
        for kind, severity, order, message, detail in filter(None, found):
            alert = StockAlert(
                kind, demand.variant_id, demand.sku, demand.product_id, demand.product_title, severity, message, detail
            )
            key = (
                SEVERITIES.index(severity),
                KINDS.index(kind),
                order,
                demand.product_title.lower(),
                demand.sku,
                demand.variant_id,
            )
            alerts.append((key, alert))
    return sorted(alerts, key=lambda pair: pair[0])


def _stockout_risk(demand: VariantDemand, today: date):
    stockout = projected_stockout(demand, start=today)
    if stockout is None:
        return None
    lead, days_left = max(0, demand.lead_time_days), (stockout - today).days
    without_stock = lead - days_left  # days on an empty shelf even if a batch is started today
    if days_left <= 0 or without_stock >= _SAFETY_DAYS:
        severity = "high"
    elif days_left < lead + _SAFETY_DAYS:
        severity = "medium"  # a batch started this week is (nearly) in time
    elif days_left < 2 * lead + _SAFETY_DAYS:
        severity = "low"  # time for the next plan to make it
    else:
        return None
    wip = demand.work_in_progress
    if days_left <= 0:
        text = "out of stock" + (f", {wip} being made" if wip > 0 else "")
    else:
        text = f"about {_duration(days_left)} of stock left" + (f" counting {wip} being made" if wip > 0 else "")
    if lead:
        text += f", making {'more ' if days_left <= 0 else ''}takes {_duration(lead)}"
    detail = {
        "stockout_date": stockout,
        "days_left": days_left,
        "lead_time_days": lead,
        "stock_on_hand": demand.stock_on_hand,
        "work_in_progress": wip,
        "weekly_demand": round(_weekly_pace(demand), 2),
    }
    return "stockout_risk", severity, stockout.toordinal(), f"{_name(demand)}: {text}", detail


def _overstock(demand: VariantDemand, threshold_weeks: float):
    units = demand.stock_on_hand + demand.work_in_progress
    if units <= 0 or not demand.week_starts:
        return None
    pace = _weekly_pace(demand)
    weeks = len(demand.week_starts)
    detail = {"units": units, "weekly_demand": round(pace, 2), "threshold_weeks": threshold_weeks}
    if pace <= 1e-9:
        message = f"{_name(demand)}: {units} in stock and no sales expected in the next {_plural(weeks, 'week')}"
        return "overstock", "medium", float("-inf"), message, {**detail, "weeks_of_cover": None}
    cover = units / pace
    if cover <= threshold_weeks:
        return None
    severity = "medium" if cover >= 2 * threshold_weeks else "low"
    message = f"{_name(demand)}: {units} in stock, enough for about {_cover(cover)} at {_pace(pace)}"
    return "overstock", severity, -cover, message, {**detail, "weeks_of_cover": round(cover, 1)}


def _no_recent_sales(
    demand: VariantDemand, today: date, last: date | None, days: int, listed_on: Mapping[int, date] | None
):
    units = demand.stock_on_hand + demand.work_in_progress
    if last is None:
        listed = (listed_on or {}).get(demand.variant_id)
        if listed is not None and (today - listed).days < days:
            return None
        text, order, since = "never sold", 0, None
    else:
        since = (today - last).days
        if since < days:
            return None
        text, order = f"no sale since {_date(last, today)} ({since} days)", last.toordinal()
    if units > 0 and not demand.made_to_order:
        text += f"; {units} in stock"
    severity = "medium" if units > 0 and not demand.made_to_order else "low"
    detail = {"last_sale": last, "days_since": since, "units": units, "threshold_days": days}
    return "no_recent_sales", severity, order, f"{_name(demand)}: {text}", detail


def _weekly_pace(demand: VariantDemand) -> float:
    """Average expected sales a week over the forecast."""
    means = [max(0.0, float(m)) for m in demand.mean]
    return sum(means) / len(means) if means else 0.0


def _name(demand: VariantDemand) -> str:
    """Celadon mug, Large (the product alone for single-variant products)."""
    variant = demand.variant_title.strip()
    if not variant or variant.lower() in ("default", "default title", demand.product_title.strip().lower()):
        return demand.product_title
    return f"{demand.product_title}, {variant}"


def _duration(days: int) -> str:
    if days < 14:
        return _plural(days, "day")
    return _plural(round(days / 7), "week")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _cover(weeks: float) -> str:
    return _plural(round(weeks / 52), "year") if weeks >= 104 else _plural(round(weeks), "week")


def _pace(per_week: float) -> str:
    """the expected 3 sales a week / about 1 sale every 9 weeks."""
    if per_week >= 1:
        return f"the expected {_plural(round(per_week, 1), 'sale').replace('.0 ', ' ')} a week"
    return f"the expected pace of about 1 sale every {_plural(round(1 / per_week), 'week')}"


def _date(day: date, today: date) -> str:
    return day_month(day) if day.year == today.year else f"{day_month(day)} {day.year}"
