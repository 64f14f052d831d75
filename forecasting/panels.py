"""What forecasting adds to other pages: the product page's sales, its forecast and a units-sold badge;
the dashboard's sales numbers and forecast alerts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from forecasting.charts import forecast_chart_svg
from forecasting.selectors import (
    SALES_DAYS,
    product_forecast,
    product_sales_by_week,
    sales_figures_by_maker,
    sales_summary_for,
    stock_alerts_for,
    stock_alerts_notice,
)
from forecasting.templatetags.forecast_words import OUTLOOK_WEEKS
from studio import figures, panels

WEEKS_SHOWN = 26
PHONE_CHART_WEEKS = 26


def _weekly_sales(product) -> dict[str, Any]:
    """26 whole weeks ending with this one; weeks without sales are zero, not missing (cached per request)."""
    cached = getattr(product, "_weekly_sales_panel", None)
    if cached is not None:
        return cached
    today = timezone.localdate()
    mondays = [today - dt.timedelta(days=today.weekday(), weeks=n) for n in range(WEEKS_SHOWN - 1, -1, -1)]
    sold = {
        _as_date(row["week"]): row["units"] for row in product_sales_by_week(product_id=product.pk, since=mondays[0])
    }
    weeks = [{"week": monday, "units": sold.get(monday, 0)} for monday in mondays]
    peak = max((row["units"] for row in weeks), default=0)
    context = {
        "weekly_sales": [
            {**row, "height": max(0, round(100 * row["units"] / peak)) if peak > 0 else 0} for row in weeks
        ],
        "units_26w": sum(row["units"] for row in weeks),
    }
    product._weekly_sales_panel = context
    return context


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _forecast(request, product) -> dict[str, Any]:
    forecast = product_forecast(product_id=product.pk, today=timezone.localdate())
    if forecast is None:
        return {"forecast": None}
    title = f"Weekly sales and forecast: {product.title}"
    chart = forecast_chart_svg(history=forecast["history"], forecast=forecast["forecast"], title=title)
    # A phone gets its own drawing: the desk's 720 px scaled to a phone would shrink the labels to ~5 px.
    phone_chart = forecast_chart_svg(
        history=forecast["history"][-PHONE_CHART_WEEKS:],
        forecast=forecast["forecast"],
        title=title,
        width=340,
        height=220,
    )
    forecast["outlook_weeks"] = OUTLOOK_WEEKS
    return {"forecast": forecast, "forecast_chart": chart, "forecast_chart_phone": phone_chart}


def _sales(request, obj) -> dict[str, Any]:
    since = timezone.localdate() - dt.timedelta(days=SALES_DAYS)
    stored = figures.stored_figures(request, "sales")
    if stored is not None:
        return {"sales": {"since": since, **stored}}
    return {"sales": sales_summary_for(request.user, since=since)}


ATTENTION_ALERTS = 100
_STOCKOUT_URGENCY = {"high": panels.URGENCY_NOW, "medium": panels.URGENCY_THIS_WEEK, "low": panels.URGENCY_SOON}
_STOCKOUT_BADGE = {"high": ("Urgent", "danger"), "medium": ("This week", "ochre"), "low": ("Soon", "quiet")}


def _stored_alerts(request):
    """The user's stored alerts, read once per request: the attention list and its notice both use them."""
    if not hasattr(request, "_stock_alerts"):
        request._stock_alerts = stock_alerts_for(request.user, today=timezone.localdate())
    return request._stock_alerts


def _attention(request) -> list[panels.Attention]:
    """Stock alerts as dashboard attention: stock-out risks by urgency, overstock and slow sellers last."""
    items = []
    # The most urgent ones: the dashboard shows a dozen lines, and the rest are on the forecasts page.
    for alert in _stored_alerts(request)[:ATTENTION_ALERTS]:
        url = reverse("product-detail", args=[alert.product_id]) + "#forecast"
        if alert.kind == "stockout_risk":
            label, tone = _STOCKOUT_BADGE[alert.severity]
            urgency, detail = _STOCKOUT_URGENCY[alert.severity], alert.sku
        else:
            label, tone = ("Overstock", "quiet") if alert.kind == "overstock" else ("No recent sales", "quiet")
            urgency, detail = panels.URGENCY_LATER, alert.sku
        items.append(
            panels.Attention(
                urgency=urgency,
                title=alert.message,
                url=url,
                label=label,
                tone=tone,
                detail=detail,
                key=f"variant:{alert.variant_id}" if alert.kind == "stockout_risk" else "",
            )
        )
    return items


panels.register(
    panels.Panel(
        slot="dashboard_stats",
        name="sales",
        template="forecasting/panels/dashboard_sales.html",
        context=_sales,
        order=30,
    )
)
panels.register_attention("stock_alerts", _attention, order=10)
figures.register_figures("sales", sales_figures_by_maker, keys=("units", "revenue"))


def _figures_currency(request) -> tuple[bool, dt.datetime | None]:
    """The stored figures (studio.figures) are stored by the stock alerts' refresh, whose inputs they share:
    current when the alerts are, read from the alerts this request reads anyway (one query for both)."""
    alerts = _stored_alerts(request)
    return not alerts.refreshing, alerts.as_of


figures.set_currency(_figures_currency)


def _alerts_notice(request) -> str:
    return stock_alerts_notice(_stored_alerts(request))


panels.register_attention_notice("stock_alerts", _alerts_notice)
panels.register(
    panels.Panel(
        slot="product_badges",
        name="units_sold",
        template="forecasting/panels/product_badge.html",
        context=lambda request, product: _weekly_sales(product),
    )
)
panels.register(
    panels.Panel(
        slot="product_side",
        name="sales",
        template="forecasting/panels/product_sales.html",
        context=lambda request, product: _weekly_sales(product),
    )
)
panels.register(
    panels.Panel(
        slot=panels.PRODUCT,
        name="forecast",
        template="forecasting/panels/product_forecast.html",
        context=_forecast,
        order=30,
    )
)
