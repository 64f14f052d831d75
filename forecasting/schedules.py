"""The recurring work of forecasting: the nightly refit (and the production plans after it).

Kept in django-q2's Schedule table and synced on every `migrate`, so a new
installation has it without anyone opening the admin. Channel order pulls are
the channels app's (channels/schedules.py).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

NIGHTLY_REFIT = "Nightly forecast refit and production plans"
RESUME_IMPORTS = "Resume sales imports whose worker stopped"
DAYS_ALERTS = "Store the day's stock alerts"
ALERTS_CHECK = "Store stock alerts changed where no write marked them"


def _next_at(hour: int) -> dt.datetime:
    now = timezone.localtime()
    run = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return run if run > now else run + dt.timedelta(days=1)


def schedules_sync(*, using: str = "default") -> None:
    from django_q.models import Schedule

    Schedule.objects.using(using).get_or_create(
        name=NIGHTLY_REFIT,
        defaults={
            "func": "forecasting.tasks.nightly_refit",
            "schedule_type": Schedule.DAILY,
            "next_run": _next_at(2),
            "repeats": -1,
        },
    )
    # Just after midnight: the alerts' ages and dates move with the day, and the first page read
    # of the day would otherwise compute every forecast's alerts inside its request.
    Schedule.objects.using(using).get_or_create(
        name=DAYS_ALERTS,
        defaults={
            "func": "forecasting.tasks.store_stock_alerts",
            "schedule_type": Schedule.DAILY,
            "next_run": _next_at(0) + dt.timedelta(minutes=5),
            "repeats": -1,
        },
    )
    # Writes mark the alerts changed and queue a refresh; this catches a change nothing marked (a raw
    # UPDATE, a restore) within minutes. With nothing changed it is one query over the stamps.
    Schedule.objects.using(using).get_or_create(
        name=ALERTS_CHECK,
        defaults={
            "func": "forecasting.tasks.store_stock_alerts",
            "schedule_type": Schedule.MINUTES,
            "minutes": 10,
            "next_run": timezone.now(),
            "repeats": -1,
        },
    )
    Schedule.objects.using(using).get_or_create(
        name=RESUME_IMPORTS,
        defaults={
            "func": "forecasting.tasks.resume_stalled_imports",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "next_run": timezone.now(),
            "repeats": -1,
        },
    )
