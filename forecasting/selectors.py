"""Reads of sales history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import DecimalField, ExpressionWrapper, F, QuerySet, Sum
from django.utils import timezone
from django.utils.formats import date_format

from forecasting.models import Sale, SalesImport
from studio.permissions import VIEW


def sales_for(user) -> QuerySet[Sale]:
    return Sale.objects.restrict(user, VIEW).select_related("variant", "variant__product")


SALES_DAYS = 30  # the dashboard's sales figures: the last 30 days
_REVENUE = ExpressionWrapper(
    F("quantity") * F("unit_price"), output_field=DecimalField(max_digits=14, decimal_places=2)
)


def _sales_figures(totals: dict[str, Any]) -> dict[str, Any]:
    """The dashboard's sales figures from an aggregate's row of _SALES_TOTALS (no sales: zeros)."""
    return {"units": totals["units"] or 0, "revenue": totals["revenue"] or 0}


_SALES_TOTALS = {"units": Sum("quantity"), "revenue": Sum(_REVENUE)}


def sales_summary_for(user, *, since: dt.date) -> dict[str, Any]:
    totals = Sale.objects.restrict(user, VIEW).filter(date__gte=since).aggregate(**_SALES_TOTALS)
    return {"since": since, **_sales_figures(totals)}


def sales_figures_by_maker(today: dt.date) -> dict[int, dict[str, Any]]:
    """The dashboard's sales figures (units and revenue since SALES_DAYS before `today`) of every maker, for
    studio.figures to store in the background."""
    groups = (
        Sale.objects.filter(date__gte=today - dt.timedelta(days=SALES_DAYS))
        .values("variant__product__maker_id")
        .annotate(**_SALES_TOTALS)
        .order_by()
    )
    return {group["variant__product__maker_id"]: _sales_figures(group) for group in groups}


def product_sales_by_week(*, product_id: int, since: dt.date) -> list[dict[str, Any]]:
    """Units per ISO week for one product (the product page's small chart)."""
    from django.db.models.functions import TruncWeek

    rows = (
        Sale.objects.filter(variant__product_id=product_id, date__gte=since)
        .annotate(week=TruncWeek("date"))
        .values("week")
        .annotate(units=Sum("quantity"))
        .order_by("week")
    )
    return [{"week": row["week"], "units": row["units"]} for row in rows]


def sales_imports_recent(*, limit: int = 10) -> QuerySet[SalesImport]:
    """The latest sales imports with who ran them (studio-wide: only managers import)."""
    return SalesImport.objects.select_related("created_by")[:limit]


def product_forecast(*, product_id: int, today: dt.date) -> dict[str, Any] | None:
    """The product's weekly sales of the last year and its forecast (variants added up), for its chart.

    Adding the variants' p10s and p90s would overstate the range, so the band is the summed p50
    plus/minus the root of the summed squared distances to each variant's p10/p90.
    """
    import math

    from forecasting.models import Forecast

    forecasts = list(Forecast.objects.filter(variant__product_id=product_id).select_related("variant"))
    if not forecasts:
        return None
    this_monday = today - dt.timedelta(days=today.weekday())
    first = this_monday - dt.timedelta(weeks=52)
    sold = {
        (row["week"].date() if isinstance(row["week"], dt.datetime) else row["week"]): float(row["units"])
        for row in product_sales_by_week(product_id=product_id, since=first)
    }
    history = [
        (first + dt.timedelta(weeks=n), max(0.0, sold.get(first + dt.timedelta(weeks=n), 0.0))) for n in range(52)
    ]
    by_date: dict[str, list[float]] = {}
    for forecast in forecasts:
        values = forecast.values or {}
        for i, day in enumerate(values.get("dates", [])):
            p10, p50, p90 = values["p10"][i], values["p50"][i], values["p90"][i]
            totals = by_date.setdefault(day, [0.0, 0.0, 0.0])
            totals[0] += (p50 - p10) ** 2
            totals[1] += p50
            totals[2] += (p90 - p50) ** 2
    band = [
        (dt.date.fromisoformat(day), max(0.0, mid - math.sqrt(low)), mid, mid + math.sqrt(high))
        for day, (low, mid, high) in sorted(by_date.items())
    ]
    return {
        "history": history,
        "forecast": band,
        "variants": sorted(forecasts, key=lambda forecast: forecast.variant.sku),
        "fitted_at": max(forecast.fitted_at for forecast in forecasts),
        "horizon_total": sum(mid for _, _, mid, _ in band),
    }


def stock_alerts_for(user, *, today: dt.date, limit: int | None = None):
    """Stock-out risks, overstock and products without recent sales, among what `user` may see (None: all).

    A sequence read from the stored alerts (forecasting.stored_alerts): len() counts in SQL and a
    slice reads only its rows, so a page showing the first few does not load every forecast.
    """
    from forecasting.stored_alerts import alerts_for

    alerts = alerts_for(user, today=today)
    return alerts[:limit] if limit else alerts


def stock_alerts_notice(alerts) -> str:
    """What a page says over stock alerts that are not current yet (empty when they are)."""
    if not getattr(alerts, "refreshing", False):
        return ""
    if alerts.as_of is None:
        return "Stock alerts are being worked out; they appear here in a minute or two."
    return (
        "Stock alerts are being refreshed with the latest sales and stock; these are from "
        f"{date_format(timezone.localtime(alerts.as_of), 'j M, H:i')}."
    )


def forecast_accuracy(*, user) -> dict[str, Any]:
    """Catalogue-level accuracy: how many variants each method and demand class forecasts, and their holdout error.

    Read from the sums the stock-alert refresh stores (ForecastAccuracyRow, a few rows per maker), not
    aggregated over every forecast on each request."""
    from django.db.models import Max, Sum

    from forecasting.models import ForecastAccuracyRow
    from forecasting.stored_alerts import alerts_current

    alerts_current(today=timezone.localdate())  # queues the refresh when the sums are not current
    rows = ForecastAccuracyRow.objects.restrict(user, VIEW)
    sums = {"n": Sum("variants"), "n_tested": Sum("tested"), "n_error": Sum("error_sum")}

    def summed(group: dict, key: str) -> dict:
        return {
            key: group[key],
            "variants": group["n"],
            "error": group["n_error"] / group["n_tested"] if group["n_tested"] else None,
        }

    by_class = [summed(group, "demand_class") for group in rows.values("demand_class").annotate(**sums).order_by("-n")]
    by_method = [summed(group, "method") for group in rows.values("method").annotate(**sums).order_by("-n")[:12]]
    total = rows.aggregate(**sums, worse=Sum("worse_than_naive"), fitted_at=Max("fitted_at"))
    tested, worse = total["n_tested"] or 0, total["worse"] or 0
    overall = {
        "variants": total["n"] or 0,
        "error": total["n_error"] / tested if tested else None,
        "tested": tested,
        # Worse than repeating last week's sales on the holdout (RMSSE above 1): said in words, not hidden.
        "worse_than_naive": worse,
        "as_good": tested - worse,
    }
    return {"by_class": by_class, "by_method": by_method, "overall": overall, "fitted_at": total["fitted_at"]}


def production_plans_for(user, *, limit: int = 10):
    """The newest production plan of each maker `user` may see, with its review state."""
    from approvals.selectors import latest_items_for
    from forecasting.models import ProductionPlan

    recent = dt.date.today() - dt.timedelta(weeks=8)  # older plans are history, not what to make next
    plans = list(
        ProductionPlan.objects.restrict(user, VIEW)
        .filter(week_start__gte=recent)
        .select_related("maker")
        .order_by("-week_start", "maker_id")
    )
    newest: dict[int, ProductionPlan] = {}
    for plan in plans:
        newest.setdefault(plan.maker_id, plan)
    chosen = list(newest.values())[:limit]
    reviews = latest_items_for(drafts=chosen)
    for plan in chosen:
        plan.review = reviews.get(plan.pk)
    return chosen
