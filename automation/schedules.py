"""The webhook sweep as a django-q2 schedule, synced on every `migrate` (like channels/schedules.py).

Every minute it queues the deliveries that are due (retries) and those a killed worker left behind.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

SWEEP = "Webhooks: send due deliveries"


def schedules_sync(*, using: str = "default") -> None:
    from django_q.models import Schedule

    Schedule.objects.using(using).get_or_create(
        name=SWEEP,
        defaults={
            "func": "automation.tasks.sweep",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "next_run": timezone.now() + dt.timedelta(minutes=1),
            "repeats": -1,
        },
    )
