"""Stock alerts kept in the database (StockAlertRow), so a page reads the few it shows.

The rules stay in forecasting.alerts. Each Forecast has a stamp (StockAlertStamp) of what its
rows were computed from (the day, the fit, stock on hand and work in progress, the last sale, the SKU and
variant title, the product's last edit). A read first finds in SQL the forecasts whose stamp no
longer matches, computes just those again with the same Python as before and writes their rows
in short transactions; then it reads rows with ORDER BY + LIMIT and counts them in SQL.
A refit changes `fitted_at`, so its variants are computed again at the next read; the first read
of a day computes every forecast again (the ages and dates in the messages move with the day).
If the write fails (a locked SQLite file, a concurrent writer), the page still gets the alerts:
they are computed in memory for that request, as before.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Collate

from forecasting.alerts import StockAlert
from forecasting.models import Forecast, Sale, StockAlertRow, StockAlertStamp
from studio.permissions import VIEW

logger = logging.getLogger(__name__)

CHUNK = 2000  # forecasts computed and written per transaction
_LOWEST = -1e300  # stands for -inf (overstock with no sales expected) in the sort column


def stale_forecasts(forecasts, *, today: dt.date):
    """The forecasts among `forecasts` whose stored alerts don't match their inputs any more."""
    newer_sale = Sale.objects.filter(
        variant_id=OuterRef("variant_id"), quantity__gt=0, date__gt=OuterRef("alert_stamp__last_sale")
    )
    any_sale = Sale.objects.filter(variant_id=OuterRef("variant_id"), quantity__gt=0)
    return forecasts.filter(
        Q(alert_stamp__isnull=True)
        | ~Q(alert_stamp__computed_on=today)
        | ~Q(alert_stamp__fitted_at=F("fitted_at"))
        | ~Q(alert_stamp__stock_on_hand=F("variant__stock_on_hand"))
        | ~Q(alert_stamp__work_in_progress=F("variant__work_in_progress"))
        | ~Q(alert_stamp__sku=F("variant__sku"))
        | ~Q(alert_stamp__variant_title=F("variant__title"))
        | ~Q(alert_stamp__product_updated_at=F("variant__product__updated_at"))
        | Q(alert_stamp__last_sale__isnull=True) & Exists(any_sale)
        | Q(alert_stamp__last_sale__isnull=False) & Exists(newer_sale)
    )


def compute(forecasts, *, today: dt.date) -> list[StockAlert]:
    """The alerts of `forecasts` by the rules in forecasting.alerts (sorted, as stock_alerts sorts)."""
    return [alert for _, alert in _compute_keyed(forecasts, today=today)]


def _compute_keyed(forecasts, *, today: dt.date, last_sale=None) -> list[tuple[tuple, StockAlert]]:
    """`last_sale`: the variants' last sale dates when the caller has them already (refresh stamps them)."""
    from forecasting.alerts import stock_alerts_keyed
    from forecasting.demand import last_sale_dates, plan_inputs

    demands, _ = plan_inputs(today=today, forecasts=forecasts)
    if not demands:
        return []
    ids = [demand.variant_id for demand in demands]
    listed = dict(Forecast.objects.filter(variant_id__in=ids).values_list("variant_id", "variant__product__created_at"))
    return stock_alerts_keyed(
        demands=demands,
        today=today,
        last_sale=last_sale if last_sale is not None else last_sale_dates(variant_ids=ids),
        listed_on={pk: created.date() for pk, created in listed.items() if created is not None},
    )


def refresh(forecasts, *, today: dt.date) -> int:
    """Compute and store the alerts of the stale forecasts among `forecasts`; how many were computed.

    Raises DatabaseError when a write fails (the caller falls back to computing in memory).
    """
    from forecasting.demand import last_sale_dates

    stale = list(stale_forecasts(forecasts, today=today).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(stale), CHUNK):
        chunk = stale[start : start + CHUNK]
        # The stamp is read before the alerts are computed: a change in between leaves the stamp
        # older than the rows, so they are computed again next time rather than kept wrong.
        stamps = list(
            Forecast.objects.filter(pk__in=chunk).values_list(
                "pk",
                "variant_id",
                "fitted_at",
                "variant__stock_on_hand",
                "variant__work_in_progress",
                "variant__sku",
                "variant__title",
                "variant__product__updated_at",
            )
        )
        last_sale = last_sale_dates(variant_ids=[row[1] for row in stamps])
        # The same last sales the stamp records: the rows and their stamp agree.
        alerts = _compute_keyed(Forecast.objects.filter(pk__in=chunk), today=today, last_sale=last_sale)
        forecast_of = {row[1]: row[0] for row in stamps}
        rows = [
            _row(key, alert, forecast_of[alert.variant_id]) for key, alert in alerts if alert.variant_id in forecast_of
        ]
        stamped = [
            StockAlertStamp(
                forecast_id=pk,
                computed_on=today,
                fitted_at=fitted_at,
                stock_on_hand=stock,
                work_in_progress=wip,
                last_sale=last_sale.get(variant_id),
                sku=sku,
                variant_title=title,
                product_updated_at=updated_at,
            )
            for pk, variant_id, fitted_at, stock, wip, sku, title, updated_at in stamps
        ]
        with transaction.atomic():
            StockAlertRow.objects.filter(forecast_id__in=chunk).delete()
            StockAlertStamp.objects.filter(forecast_id__in=chunk).delete()
            StockAlertRow.objects.bulk_create(rows, batch_size=500)
            StockAlertStamp.objects.bulk_create(stamped, batch_size=500)
    return len(stale)


def _row(key: tuple, alert: StockAlert, forecast_id: int) -> StockAlertRow:
    from forecasting.planning import to_jsonable

    severity_rank, kind_rank, order = key[:3]
    return StockAlertRow(
        forecast_id=forecast_id,
        variant_id=alert.variant_id,
        kind=alert.kind,
        severity=alert.severity,
        severity_rank=severity_rank,
        kind_rank=kind_rank,
        sort_order=max(float(order), _LOWEST),
        title_lower=alert.product_title.lower(),
        sku=alert.sku,
        product_id=alert.product_id,
        product_title=alert.product_title,
        message=alert.message,
        detail=to_jsonable(alert.detail),
    )


def _alert(row: StockAlertRow) -> StockAlert:
    detail = dict(row.detail)
    for key in ("stockout_date", "last_sale"):
        if isinstance(detail.get(key), str):
            detail[key] = dt.date.fromisoformat(detail[key])
    return StockAlert(
        row.kind, row.variant_id, row.sku, row.product_id, row.product_title, row.severity, row.message, detail
    )


class StoredAlerts(Sequence):
    """The stored alerts `rows` in stock_alerts' order: len() is a COUNT, a slice an ORDER BY + LIMIT."""

    def __init__(self, rows):
        title = "title_lower"
        if connection.vendor == "postgresql":  # Python's order of strings, not the locale's
            title = Collate("title_lower", "C")
        self._rows = rows.order_by("severity_rank", "kind_rank", "sort_order", title, "sku", "variant_id")
        self._count: int | None = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = self._rows.count()
        return self._count

    def __bool__(self) -> bool:
        return len(self) > 0

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [_alert(row) for row in self._rows[index]]
        return _alert(self._rows[index])

    def __iter__(self):
        return (_alert(row) for row in self._rows.iterator(chunk_size=2000))


def alerts_for(user, *, today: dt.date) -> Sequence[StockAlert]:
    """The stock alerts `user` may see (None: all), most severe first, read from the stored rows."""
    forecasts = Forecast.objects.all() if user is None else Forecast.objects.restrict(user, VIEW)
    try:
        refresh(forecasts, today=today)
    except DatabaseError:
        logger.warning("Stock alerts could not be stored; computed for this request instead", exc_info=True)
        return compute(forecasts, today=today)
    rows = StockAlertRow.objects.all() if user is None else StockAlertRow.objects.restrict(user, VIEW)
    return StoredAlerts(rows.filter(variant__product__is_active=True))
