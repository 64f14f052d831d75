"""Background tasks of forecasting: thin wrappers that take ids and call services.

They may run twice (the ORM broker re-runs a task whose worker died): a refit
overwrites the same Forecast rows, and a plan with the same content is not
queued for review twice.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django_q.tasks import async_task

from forecasting.demand import forecasts_fit, forecasts_refit_start, production_plans_build
from forecasting.imports.service import MORE, sales_import_step, sales_imports_resume_stalled
from studio.services import job_advance, job_start

logger = logging.getLogger(__name__)


def refit_forecasts(job_id: int, variant_ids: list[int], plan_after: bool = True) -> dict:
    """Fit one chunk of a refit job; the chunk that finishes the job queues the production plans."""
    job_start(job_id=job_id)
    unit = f"variants:{variant_ids[0]}-{variant_ids[-1]}:{len(variant_ids)}" if variant_ids else "variants:none"
    try:
        forecasts = forecasts_fit(variant_ids=variant_ids)
    except Exception as exc:  # one bad chunk must not stop the others; the job shows what failed
        logger.exception("Forecasting chunk of job %s failed", job_id)
        job = job_advance(
            job_id=job_id,
            failed=len(variant_ids),
            unit=unit,
            error=f"Variants {variant_ids[0]}–{variant_ids[-1]}: {type(exc).__name__}: {exc}",
        )
        fitted = 0
    else:
        fitted = len(forecasts)
        gone = len(variant_ids) - fitted  # deleted since the job started
        job = job_advance(
            job_id=job_id,
            done=fitted,
            failed=gone,
            unit=unit,
            error=f"{gone} variant(s) no longer exist." if gone else "",
        )
    if plan_after and job is not None and job.is_finished:
        async_task("forecasting.tasks.build_plans")
    return {"job": job_id, "chunk": unit, "fitted": fitted}


def build_plans() -> dict:
    plans = production_plans_build()
    return {"plans": [plan.pk for plan in plans]}


def nightly_refit() -> dict:
    """The nightly schedule: refit every active variant, then plan."""
    job = forecasts_refit_start()
    return {"job": job.pk}


def store_stock_alerts() -> dict:
    """Bring the stored stock alerts up to date: queued by the writes that change them and by pages that find
    them not current, and scheduled just after midnight (the new day's) and every few minutes."""
    from django.utils import timezone

    from forecasting.stored_alerts import alerts_refresh_all

    return {"computed": alerts_refresh_all(today=timezone.localdate())}


def run_sales_import(import_id: int) -> dict:
    """One step of a sales import (at most SALES_IMPORT_STEP_SECONDS); queues the next step until it is done."""
    outcome = sales_import_step(import_id=import_id, seconds=settings.SALES_IMPORT_STEP_SECONDS)
    if outcome == MORE:
        async_task("forecasting.tasks.run_sales_import", import_id)
    return {"import": import_id, "outcome": outcome}


def resume_stalled_imports() -> dict:
    """Every minute: imports whose worker died (lease run out) get a new step."""
    return {"resumed": sales_imports_resume_stalled()}
