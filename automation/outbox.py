"""The outbox: one Delivery row per matching endpoint, written inside the event's own transaction.

If the process dies right after the commit, the rows are there and the sweep sends them; if the work is
rolled back, so are they. Sending is queued only after the commit.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django_q.tasks import async_task

from automation import payloads
from automation.models import Delivery, Endpoint
from automation.signing import webhook_id_new
from studio import events

DISPATCH_UID = "automation.outbox"


def outbox_write(event: events.Event) -> list[int]:
    topic = event.topic
    if topic not in payloads.EVENT_TYPES:
        return []
    endpoints = [endpoint for endpoint in Endpoint.objects.filter(enabled=True) if topic in endpoint.event_types]
    if not endpoints:
        return []
    body = payloads.body(event)
    webhook_id = webhook_id_new()
    rows = Delivery.objects.bulk_create(
        [Delivery(endpoint=endpoint, webhook_id=webhook_id, event_type=topic, body=body) for endpoint in endpoints]
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(partial(deliveries_enqueue, ids))
    return ids


def deliveries_enqueue(delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        async_task("automation.tasks.deliver", delivery_id, task_name=f"webhook delivery {delivery_id}")


def endpoints_exist() -> bool:
    """Whether the outbox would write anything: lets an emitter skip costly events while no endpoint is on."""
    return Endpoint.objects.filter(enabled=True).exists()


def connect() -> None:
    for event_type in payloads.SOURCE_EVENTS:
        events.subscribe(
            event_type,
            outbox_write,
            dispatch_uid=DISPATCH_UID,
            phase=events.IN_TRANSACTION,
            listening=endpoints_exist,
        )
