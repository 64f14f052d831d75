"""The dashboard's reads: the shell composes them from each app's selectors."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from approvals.selectors import review_items_for
from catalog.selectors import catalog_summary_for
from forecasting.selectors import sales_summary_for, stock_alerts_for
from studio.selectors import jobs_for


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
