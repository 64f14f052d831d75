"""Studio-wide reads: the dashboard and job progress."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from approvals.selectors import review_items_for
from catalog.selectors import catalog_summary_for
from forecasting.selectors import sales_summary_for, stock_alerts_for
from studio.models import Job
from studio.permissions import VIEW


def jobs_for(user) -> QuerySet[Job]:
    return Job.objects.restrict(user, VIEW).select_related("created_by")


def job_progress(job: Job) -> dict[str, Any]:
    return {
        "id": job.pk,
        "kind": job.kind,
        "label": job.label,
        "status": job.status,
        "status_display": job.get_status_display(),
        "total": job.total,
        "done": job.done,
        "failed": job.failed,
        "percent": job.percent,
        "finished": job.is_finished,
        "message": job.message,
        "errors": job.errors[-5:],
    }


def dashboard_for(user) -> dict[str, Any]:
    since = timezone.localdate() - timedelta(days=30)
    pending = review_items_for(user)
    alerts = stock_alerts_for(user, today=timezone.localdate())
    return {
        "stock_alerts": alerts[:6],
        "stock_alert_total": len(alerts),
        "catalog": catalog_summary_for(user),
        "sales": sales_summary_for(user, since=since),
        "pending_reviews": list(pending[:6]),
        "pending_review_total": pending.count(),
        "recent_jobs": list(jobs_for(user)[:5]),
    }
