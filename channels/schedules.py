"""The order pull of every enabled channel that pulls orders, as a django-q2 schedule.

Synced on every `migrate` (and by `schedules_sync()`), so a channel switched on
gets its pull without anyone opening the admin, and one switched off loses it.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from channels.registry import channels
from studio.sales_channels import SalesChannel

PULL_PREFIX = "Pull orders: "
REVIEWS_PREFIX = "Pull reviews: "


def order_pull_name(channel: str) -> str:
    return f"{PULL_PREFIX}{SalesChannel(channel).label} (webhook backstop)"


ORDER_PULL = order_pull_name(SalesChannel.SHOPIFY)


def schedules_sync(*, using: str = "default") -> None:
    from django_q.models import Schedule

    wanted = {}
    for channel in channels.enabled():
        if channel.pulls_orders:
            wanted[order_pull_name(channel.name)] = channel
    for name, channel in wanted.items():
        Schedule.objects.using(using).get_or_create(
            name=name,
            defaults={
                "func": "channels.tasks.pull_orders",
                "args": repr((channel.name,)),
                "schedule_type": Schedule.MINUTES,
                "minutes": channel.pull_every_minutes,
                "next_run": timezone.now() + dt.timedelta(minutes=5),
                "repeats": -1,
            },
        )
    Schedule.objects.using(using).filter(name__startswith=PULL_PREFIX).exclude(name__in=list(wanted)).delete()
    reviewing = {f"{REVIEWS_PREFIX}{channel.label}": channel for channel in channels.enabled() if channel.pulls_reviews}
    for name, channel in reviewing.items():
        Schedule.objects.using(using).get_or_create(
            name=name,
            defaults={
                "func": "channels.tasks.pull_reviews",
                "args": repr((channel.name,)),
                "schedule_type": Schedule.HOURLY,
                "next_run": timezone.now() + dt.timedelta(minutes=10),
                "repeats": -1,
            },
        )
    Schedule.objects.using(using).filter(name__startswith=REVIEWS_PREFIX).exclude(name__in=list(reviewing)).delete()
    # The pull's schedule before the channels app existed.
    Schedule.objects.using(using).filter(func="forecasting.tasks.pull_shopify_orders").delete()
