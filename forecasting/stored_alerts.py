"""Stock alerts kept in the database (StockAlertRow), so a page reads the few it shows.

The rules stay in forecasting.alerts. Each Forecast has a stamp (StockAlertStamp) of what its
rows were computed from (the day, the fit, stock on hand and work in progress, the last sale, the SKU and
variant title, the product's last edit). A refresh finds in SQL the forecasts whose stamp no
longer matches, computes just those again and writes their rows in short transactions.

A refresh runs in the background, never inside a page's request: writes that change an alert's inputs
(sales imports, orders, stock and product edits, refits) mark the studio's StockAlertState changed
and queue one; so do the schedule just after midnight and a check every few minutes (for a change
made where nothing marks it, a raw UPDATE say). A page reads the state row (one query) and the rows;
when they are not current (the day moved, or something changed since the last refresh began) it shows
them as they are, says they are being refreshed, and queues a refresh if none is queued.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Sum
from django.db.models.functions import Collate
from django.utils import timezone
from django_q.tasks import async_task

from forecasting.alerts import StockAlert
from forecasting.models import (
    Forecast,
    ForecastAccuracyRow,
    Sale,
    StockAlertCount,
    StockAlertRow,
    StockAlertStamp,
    StockAlertState,
)
from studio.figures import figures_store
from studio.permissions import VIEW

logger = logging.getLogger(__name__)

CHUNK = 2000  # forecasts computed and written per transaction
# A refresh queued longer ago than this is taken as lost (its worker died): the next page queues another.
REQUEUE_AFTER = dt.timedelta(minutes=10)
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

    Raises DatabaseError when a write fails: the task fails, the state stays not current, and a later
    page or the periodic check queues another.
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
    """The stored alerts `rows` in stock_alerts' order: len() is a COUNT, a slice an ORDER BY + LIMIT.

    `refreshing`: the rows are not current and a refresh is queued (the page says so); `as_of`: when the
    refresh that wrote them began (None: never refreshed)."""

    def __init__(self, rows, *, refreshing: bool = False, as_of: dt.datetime | None = None, counted=None):
        """`counted`: a query of the rows' count (one value) to read instead of COUNTing them."""
        title = "title_lower"
        if connection.vendor == "postgresql":  # Python's order of strings, not the locale's
            title = Collate("title_lower", "C")
        self._rows = rows.order_by("severity_rank", "kind_rank", "sort_order", title, "sku", "variant_id")
        self._counted = counted
        self._count: int | None = None
        self.refreshing = refreshing
        self.as_of = as_of

    def __len__(self) -> int:
        if self._count is None:
            if self._counted is not None:
                self._count = self._counted.aggregate(alerts=Sum("alerts"))["alerts"] or 0
            else:
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


def _state() -> StockAlertState:
    return StockAlertState.objects.get_or_create(pk=1)[0]


def _mark() -> None:
    if not StockAlertState.objects.filter(pk=1).update(changed_at=timezone.now()):
        StockAlertState.objects.get_or_create(pk=1, defaults={"changed_at": timezone.now()})
    alerts_refresh_queue()


def alerts_mark_changed() -> None:
    """An input of the alerts changed in the current transaction: once it commits, say so and queue a refresh.

    The time is taken after the commit, so a refresh that began before it (and could not see the change)
    is older than the mark, and the rows are not taken as current."""
    # robust: a failed mark (a locked SQLite file) is logged, never turns the committed write into an error;
    # the periodic check finds the change within minutes.
    transaction.on_commit(_mark, robust=True)


def alerts_refresh_queue() -> bool:
    """Queue one refresh unless one is queued already (or was queued less than REQUEUE_AFTER ago).

    Called after a commit or from a read, both of which made sure the state row exists, so the task is
    queued at once (with a synchronous queue, as in tests and Q_SYNC, it runs here)."""
    now = timezone.now()
    claimed = StockAlertState.objects.filter(
        Q(pk=1) & (Q(queued_at__isnull=True) | Q(queued_at__lt=now - REQUEUE_AFTER))
    ).update(queued_at=now)
    if claimed:
        async_task("forecasting.tasks.store_stock_alerts")
    return bool(claimed)


def alerts_refresh_all(*, today: dt.date) -> int:
    """Bring every stored alert up to date (the task's body); how many forecasts were computed again.

    A change marked while this ran leaves the state not current, and queues the next refresh."""
    was_current = _state().is_current(today)
    began = timezone.now()
    computed = refresh(Forecast.objects.all(), today=today)
    if computed or not was_current:  # the 10-minute check with nothing changed leaves the sums alone
        accuracy_refresh()
    counts_refresh()  # every time: a product retired by a raw UPDATE changes no stamp, only the count
    figures_store(today=today, began=began)  # the dashboard's catalogue and sales figures, likewise
    StockAlertState.objects.filter(pk=1).update(computed_on=today, computed_from=began, queued_at=None)
    if not _state().is_current(today):
        alerts_refresh_queue()
    return computed


def accuracy_refresh() -> int:
    """Sum the forecasts by maker, demand class and method into ForecastAccuracyRow (one aggregate over every
    forecast, here in the background rather than six on each forecasts page); how many rows."""
    groups = (
        Forecast.objects.values("variant__product__maker_id", "demand_class", "method")
        .annotate(
            variants=Count("pk"),
            tested=Count("validation_error"),
            error_sum=Sum("validation_error"),
            worse_than_naive=Count("pk", filter=Q(validation_error__gt=1)),
            fitted_at=Max("fitted_at"),
        )
        .order_by()
    )
    rows = [
        ForecastAccuracyRow(
            maker_id=group["variant__product__maker_id"],
            demand_class=group["demand_class"],
            method=group["method"],
            variants=group["variants"],
            tested=group["tested"],
            error_sum=group["error_sum"] or 0.0,
            worse_than_naive=group["worse_than_naive"],
            fitted_at=group["fitted_at"],
        )
        for group in groups
    ]
    with transaction.atomic():
        ForecastAccuracyRow.objects.all().delete()
        ForecastAccuracyRow.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def counts_refresh() -> int:
    """Count the stored alerts of active products by maker into StockAlertCount (one GROUP BY over the rows,
    here in the background rather than a COUNT on every page); how many makers have alerts."""
    groups = (
        StockAlertRow.objects.filter(variant__product__is_active=True)
        .values("variant__product__maker_id")
        .annotate(alerts=Count("pk"))
        .order_by()
    )
    rows = [StockAlertCount(maker_id=group["variant__product__maker_id"], alerts=group["alerts"]) for group in groups]
    with transaction.atomic():
        StockAlertCount.objects.all().delete()
        StockAlertCount.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def alerts_current(*, today: dt.date) -> tuple[bool, StockAlertState]:
    """Whether the stored alerts (and accuracy sums) are current, with the state row; queues a refresh if not."""
    state = _state()
    current = state.is_current(today)
    if not current:
        try:
            if alerts_refresh_queue():
                state.refresh_from_db()  # a synchronous queue has refreshed them already
                current = state.is_current(today)
        except DatabaseError:  # a locked SQLite file during an import: the page still shows what is stored
            logger.warning("Could not queue the stock alerts' refresh", exc_info=True)
    return current, state


def alerts_for(user, *, today: dt.date) -> StoredAlerts:
    """The stock alerts `user` may see (None: all), most severe first, read from the stored rows.

    Never computes: when the rows are not current, they come marked `refreshing` and a refresh is queued.
    When they are current, their count is read from the refresh's counts; when not, the rows are counted,
    as what changed may have retired a product since."""
    current, state = alerts_current(today=today)
    rows = StockAlertRow.objects.all() if user is None else StockAlertRow.objects.restrict(user, VIEW)
    counted = None
    if current:
        counted = StockAlertCount.objects.all() if user is None else StockAlertCount.objects.restrict(user, VIEW)
    return StoredAlerts(
        rows.filter(variant__product__is_active=True),
        refreshing=not current,
        as_of=state.computed_from,
        counted=counted,
    )
