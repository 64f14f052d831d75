"""Reads of sales history."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import DecimalField, ExpressionWrapper, F, QuerySet, Sum

from forecasting.models import Sale, SalesImport
from studio.permissions import VIEW


def sales_for(user) -> QuerySet[Sale]:
    return Sale.objects.restrict(user, VIEW).select_related("variant", "variant__product")


def sales_summary_for(user, *, since: dt.date) -> dict[str, Any]:
    revenue = ExpressionWrapper(F("quantity") * F("unit_price"), output_field=DecimalField(max_digits=14, decimal_places=2))
    totals = Sale.objects.restrict(user, VIEW).filter(date__gte=since).aggregate(units=Sum("quantity"), revenue=Sum(revenue))
    return {"since": since, "units": totals["units"] or 0, "revenue": totals["revenue"] or 0}


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
