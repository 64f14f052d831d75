"""The recurring work: the nightly refit and, when Shopify is connected, the order pull.

Kept in django-q2's Schedule table and synced on every `migrate`, so a new
installation has them without anyone opening the admin.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

NIGHTLY_REFIT = "Nightly forecast refit and production plans"
ORDER_PULL = "Pull Shopify orders (webhook backstop)"


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
    if settings.SHOPIFY_SHOP_DOMAIN:
        Schedule.objects.using(using).get_or_create(
            name=ORDER_PULL,
            defaults={
                "func": "forecasting.tasks.pull_shopify_orders",
                "schedule_type": Schedule.MINUTES,
                "minutes": 30,
                "next_run": timezone.now() + dt.timedelta(minutes=5),
                "repeats": -1,
            },
        )
    else:
        Schedule.objects.using(using).filter(name=ORDER_PULL).delete()
