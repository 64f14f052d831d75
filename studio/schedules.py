"""The studio's own recurring work, kept in django-q2's Schedule table and synced on every `migrate`:
the nightly media sweep, and the every-minute check that no job stays "running" forever."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

MEDIA_SWEEP = "Remove media files no row refers to"
STALLED_JOBS = "Fail jobs whose work stopped"


def schedules_sync(*, using: str = "default") -> None:
    from django_q.models import Schedule

    now = timezone.localtime()
    night = now.replace(hour=3, minute=30, second=0, microsecond=0)
    Schedule.objects.using(using).get_or_create(
        name=MEDIA_SWEEP,
        defaults={
            "func": "studio.tasks.sweep_media",
            "schedule_type": Schedule.DAILY,
            "next_run": night if night > now else night + dt.timedelta(days=1),
            "repeats": -1,
        },
    )
    Schedule.objects.using(using).get_or_create(
        name=STALLED_JOBS,
        defaults={
            "func": "studio.tasks.fail_stalled_jobs",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "next_run": now,
            "repeats": -1,
        },
    )
