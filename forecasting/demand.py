"""Writes of demand forecasts and production plans ("predictive build").

The engine (forecasting.engine) and the planner (forecasting.planning) are pure
code over plain data; this module feeds them from the database and stores what
they return: Forecast rows per variant, and one ProductionPlan draft per maker in
the review queue. Refits run as a job fanned out in chunks of variants, so
several workers share a big catalogue; the last chunk to finish builds the plans.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django_q.tasks import async_task

from approvals.services import review_submit
from catalog.models import Variant
from forecasting.alerts import SEVERITIES
from forecasting.models import Forecast, ProductionPlan, RaisedStockAlert, Sale
from forecasting.stored_alerts import alerts_mark_changed
from studio import events
from studio.models import Job, MakerProfile
from studio.services import job_create, job_finish
from studio.wording import job_label, names_phrase

logger = logging.getLogger(__name__)

JOB_KIND = "forecast_refit"
DEFAULT_WEEKLY_HOURS = Decimal("20")


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


# --- Series -------------------------------------------------------------------------------


def weekly_series(*, variant_ids: list[int], until: dt.date) -> dict[int, object]:
    """Units sold per Monday-start week for each variant, zeros filled, up to (not incl.) `until`'s week.

    The current week is left out: it is not over, and a half week reads as a slump.
    A variant with no sales yet gets one zero week (the engine then borrows from its category).
    """
    import pandas as pd

    end = week_start(until)
    rows = (
        Sale.objects.filter(variant_id__in=variant_ids, date__lt=end)
        .annotate(week=TruncWeek("date"))
        .values("variant_id", "week")
        .annotate(units=Sum("quantity"))
    )
    sold: dict[int, dict[dt.date, float]] = defaultdict(dict)
    for row in rows:
        sold[row["variant_id"]][_as_date(row["week"])] = max(0.0, float(row["units"]))
    last_full_week = end - dt.timedelta(weeks=1)
    series = {}
    for variant_id in variant_ids:
        weeks = sold.get(variant_id, {})
        first = min(weeks) if weeks else last_full_week
        index = pd.date_range(first, last_full_week, freq="W-MON")
        if len(index) == 0:
            index = pd.DatetimeIndex([pd.Timestamp(last_full_week)])
        values = [weeks.get(stamp.date(), 0.0) for stamp in index]
        series[variant_id] = pd.Series(values, index=index, dtype=float)
    return series


# --- Refits ---------------------------------------------------------------------------------


def _refit_label(every: bool, variant_ids: list[int]) -> str:
    """ "Forecast demand for Everyday Mug (3 variants)"; the nightly refit of everything says "all N products"."""
    titles = list(
        dict.fromkeys(
            Variant.objects.filter(pk__in=variant_ids)
            .order_by("product__title", "product_id")
            .values_list("product__title", flat=True)
        )
    )
    count = len(variant_ids)
    variants = f"{count} variant{'' if count == 1 else 's'}"
    if not titles:
        return "Forecast demand (no active variants)"
    if every and len(titles) > 3:
        return job_label(f"Forecast demand for all {len(titles)} products ({variants})")
    return job_label(f"Forecast demand for {names_phrase(titles)} ({variants})")


def forecasts_refit_start(*, variant_ids: list[int] | None = None, requested_by=None, plan_after: bool = True) -> Job:
    """Refit the forecasts of these variants (all active ones by default) as one job.

    Variants are sorted by category so each chunk holds whole categories where it
    can: a new product borrows from the others in its category within its chunk.
    """
    variants = Variant.objects.filter(product__is_active=True)
    if variant_ids is not None:
        variants = variants.filter(pk__in=variant_ids)
    ids = list(variants.order_by("product__category_id", "product_id", "pk").values_list("pk", flat=True))
    chunk_size = settings.ATELIER_FORECAST_CHUNK
    with transaction.atomic():
        job = job_create(
            kind=JOB_KIND,
            label=_refit_label(variant_ids is None, ids),
            total=len(ids),
            created_by=requested_by,
        )
        if not ids:
            job = job_finish(job_id=job.pk, message="There are no active variants to forecast.")
            if plan_after:
                transaction.on_commit(partial(async_task, "forecasting.tasks.build_plans"))
            return job
        for start in range(0, len(ids), chunk_size):
            chunk = ids[start : start + chunk_size]
            transaction.on_commit(partial(async_task, "forecasting.tasks.refit_forecasts", job.pk, chunk, plan_after))
    return job


def forecasts_fit(*, variant_ids: list[int], today: dt.date | None = None) -> list[Forecast]:
    """Fit and store the forecasts of a chunk of variants; idempotent (a re-run overwrites)."""
    from forecasting.engine import forecast_many

    today = today or timezone.localdate()
    variants = {variant.pk: variant for variant in Variant.objects.filter(pk__in=variant_ids).select_related("product")}
    ids = [pk for pk in variant_ids if pk in variants]
    series = weekly_series(variant_ids=ids, until=today)
    groups = {str(pk): f"category:{variants[pk].product.category_id or 0}" for pk in ids}
    results = forecast_many(
        {str(pk): values for pk, values in series.items()},
        freq="W",
        horizon=settings.ATELIER_FORECAST_HORIZON,
        groups=groups,
        use_prophet=settings.ATELIER_FORECAST_PROPHET,
    )
    fitted_at = timezone.now()
    stored = []
    with transaction.atomic():
        alerts_mark_changed()
        for pk in ids:
            result = results[str(pk)]
            forecast, _ = Forecast.objects.update_or_create(
                variant_id=pk,
                defaults={
                    "freq": "W",
                    "horizon": len(result.dates),
                    "method": result.method[:80],
                    "demand_class": result.demand_class,
                    "adi": _finite(result.adi),
                    "cv2": _finite(result.cv2),
                    "values": {
                        "dates": [day.isoformat() for day in result.dates],
                        "mean": _rounded(result.mean),
                        "p10": _rounded(result.p10),
                        "p50": _rounded(result.p50),
                        "p90": _rounded(result.p90),
                        "rule": result.rule,
                    },
                    "validation_error": _finite(result.validation_error),
                    "history_periods": int(len(series[pk])),
                    "fitted_at": fitted_at,
                },
            )
            stored.append(forecast)
    return stored


def _finite(value) -> float | None:
    import math

    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _rounded(values) -> list[float]:
    return [round(max(0.0, float(value)), 3) for value in values]


# --- Production plans -------------------------------------------------------------------------


def plan_inputs(*, today: dt.date, forecasts=None):
    """The planner's inputs from the database: each active variant's forecast and making facts."""
    from forecasting.planning import MakerCapacity, VariantDemand

    demands = []
    forecasts = (
        (forecasts if forecasts is not None else Forecast.objects.all())
        .filter(variant__product__is_active=True)
        .select_related("variant__product", "variant__product__maker")
    )
    makers: dict[int, object] = {}
    for forecast in forecasts:
        variant = forecast.variant
        product = variant.product
        values = forecast.values or {}
        dates = [dt.date.fromisoformat(day) for day in values.get("dates", [])]
        if not dates:
            continue
        price = variant.effective_price
        margin = price - product.unit_cost if product.unit_cost is not None else price
        demands.append(
            VariantDemand(
                variant_id=variant.pk,
                sku=variant.sku,
                product_id=product.pk,
                product_title=product.title,
                variant_title=variant.title,
                maker_id=product.maker_id,
                week_starts=dates,
                mean=list(values.get("mean", [])),
                p10=list(values.get("p10", [])),
                p50=list(values.get("p50", [])),
                p90=list(values.get("p90", [])),
                stock_on_hand=variant.stock_on_hand,
                work_in_progress=variant.work_in_progress,
                minutes_per_unit=product.minutes_per_unit,
                batch_size=product.batch_size,
                lead_time_days=product.lead_time_days,
                unit_margin=margin,
                made_to_order=product.made_to_order,
            )
        )
        makers.setdefault(product.maker_id, product.maker)
    hours = dict(MakerProfile.objects.filter(user_id__in=list(makers)).values_list("user_id", "weekly_hours"))
    capacities = [
        MakerCapacity(
            maker_id=maker.pk,
            name=maker.get_full_name() or maker.get_username(),
            weekly_hours=float(hours.get(maker.pk, DEFAULT_WEEKLY_HOURS)),
        )
        for maker in makers.values()
    ]
    return demands, capacities


def production_plans_build(*, today: dt.date | None = None, submitted_by=None) -> list[ProductionPlan]:
    """One plan draft per maker from the latest forecasts, each submitted for the maker's review.

    Idempotent: the same inputs give the same snapshot, which the review queue does not add twice.
    """
    from forecasting.planning import plan_production

    today = today or timezone.localdate()
    start = week_start(today) + dt.timedelta(weeks=1)  # plans start next Monday: this week is already under way
    demands, capacities = plan_inputs(today=today)
    if not capacities:
        return []
    plan = plan_production(
        demands=demands,
        makers=capacities,
        start=start,
        weeks=settings.ATELIER_PLAN_WEEKS,
        service_level=settings.ATELIER_SERVICE_LEVEL,
    )
    full = plan.to_dict()
    maker_of = {demand.variant_id: demand.maker_id for demand in demands}
    users = get_user_model().objects.in_bulk([capacity.maker_id for capacity in capacities])
    stored = []
    for capacity in capacities:
        maker_plan = _plan_for_maker(full, capacity.maker_id, maker_of)
        with transaction.atomic():
            draft, _ = ProductionPlan.objects.update_or_create(
                maker=users[capacity.maker_id],
                week_start=start,
                defaults={
                    "weeks": settings.ATELIER_PLAN_WEEKS,
                    "service_level": settings.ATELIER_SERVICE_LEVEL,
                    "status": ProductionPlan.Status.READY,
                    "plan": maker_plan,
                },
            )
            review_submit(draft=draft, submitted_by=submitted_by)
        stored.append(draft)
    stock_alerts_raise(today=today)
    return stored


def stock_alerts_raise(*, today: dt.date) -> int:
    """Tell subscribers the stock alerts that are new since the last refit (StockAlertRaised).

    An alert is told once while it lasts (a nightly refit finding it again says
    nothing); it is told again when it comes back after clearing or grows more
    severe. Returns how many were told.
    """
    from forecasting.selectors import stock_alerts_for
    from forecasting.stored_alerts import alerts_refresh_all

    # Stores the refit's alerts (forecasting.stored_alerts) whoever listens: the pages then read them ready.
    alerts_refresh_all(today=today)
    current = stock_alerts_for(None, today=today)
    if not events.subscribed(events.StockAlertRaised):
        return 0
    alerts = {(alert.variant_id, alert.kind): alert for alert in current}
    rank = {severity: position for position, severity in enumerate(SEVERITIES)}  # 0 is the most severe
    told = 0
    with transaction.atomic():
        known = {(row.variant_id, row.kind): row for row in RaisedStockAlert.objects.select_for_update()}
        cleared = [row.pk for key, row in known.items() if key not in alerts]
        RaisedStockAlert.objects.filter(pk__in=cleared).delete()
        for key, alert in alerts.items():
            before = known.get(key)
            if before and rank.get(alert.severity, 0) >= rank.get(before.severity, 0):
                if before.severity != alert.severity:  # eased: remember the milder grade, say nothing
                    RaisedStockAlert.objects.filter(pk=before.pk).update(severity=alert.severity)
                continue
            RaisedStockAlert.objects.update_or_create(
                variant_id=alert.variant_id, kind=alert.kind, defaults={"severity": alert.severity}
            )
            events.emit(
                events.StockAlertRaised(
                    variant_id=alert.variant_id,
                    sku=alert.sku,
                    alert=alert.kind,
                    severity=alert.severity,
                    message=alert.message,
                )
            )
            told += 1
    return told


def _plan_for_maker(full: dict, maker_id: int, maker_of: dict[int, int]) -> dict:
    """The part of the studio's plan that is one maker's, in the same shape."""
    makers = [maker for maker in full.get("makers", []) if maker.get("maker_id") == maker_id]
    unplaced = [item for item in full.get("unplaced", []) if maker_of.get(item.get("variant_id")) == maker_id]
    skipped = [item for item in full.get("skipped", []) if maker_of.get(item.get("variant_id")) == maker_id]
    return {**full, "makers": makers, "unplaced": unplaced, "skipped": skipped}


def last_sale_dates(*, variant_ids: list[int]) -> dict[int, dt.date | None]:
    found = dict(
        Sale.objects.filter(variant_id__in=variant_ids, quantity__gt=0)
        .values("variant_id")
        .annotate(last=Max("date"))
        .values_list("variant_id", "last")
    )
    return {pk: found.get(pk) for pk in variant_ids}
