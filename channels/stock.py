"""One stock figure across channels: Atelier's stock_on_hand is the truth, every channel is told it.

An order line recorded from a channel takes its units off the variant's stock
(a refund or cancellation puts them back) once, in the transaction that records
the sale; a StockMove per line is the proof it happened, so a re-delivered order
moves nothing. Lines that never took stock (imported files, the first pull of a
channel's history, a sale recorded before a refund of it arrived by import) give
nothing back either.

After commit, one task per order pushes the new figures to every *other* enabled
channel that takes stock and has the product published: sold-out variants first
(a one-of-a-kind piece must stop selling elsewhere before anything else happens),
then the rest. The figure is read when the push runs, not when the order came, and
read again afterwards: if another order moved it meanwhile, it is pushed again, so
two pushes racing each other end on the latest figure. What each channel reports
back is kept in ChannelStock. A push that fails for a reason that may pass (429,
5xx, timeouts) is tried again later with a growing wait, as a django-q2 schedule;
every failure stays on the variant's row, shown on the product page, until a push
succeeds.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from catalog.models import Product, Variant
from channels.base import Channel
from channels.models import ChannelListing, ChannelStock, StockMove
from channels.registry import channels
from studio import events
from studio.models import Job
from studio.redaction import redact
from studio.services import job_create, job_finish
from studio.wording import job_label, names_phrase

logger = logging.getLogger(__name__)

JOB_KIND = "stock_push"
PUSH_TASK = "channels.tasks.push_stock"
RETRY_PREFIX = "Push stock again: "
MAX_ATTEMPTS = 6  # 1, 2, 4, 8, 16 then 30 minutes apart: about an hour of a channel being down
FIRST_RETRY = dt.timedelta(minutes=1)
LONGEST_WAIT = dt.timedelta(minutes=30)
ROUNDS = 3  # pushes of one variant in a task while other orders keep moving its figure


# --- Orders move stock ------------------------------------------------------------------------


def stock_moves_record(
    *, channel: str, rows: Iterable[Mapping], recorded_before: set[tuple[str, str]]
) -> dict[str, set[int]]:
    """Take each new order line's units off its variant's stock (reversals put them back), once per line.

    `rows` are the order's sale rows matched to variants (variant_id, quantity,
    order_ref, line_ref); `recorded_before` the (order_ref, line_ref) of those already
    stored as sales before this delivery. Must run inside the transaction that
    records the sales. Returns {order_ref: {variant ids whose stock moved}}.
    """
    taken: dict[int, int] = defaultdict(int)
    sold_there: dict[int, int] = defaultdict(int)
    moved: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        units = _units_to_take(channel, row, recorded_before)
        if units:
            taken[row["variant_id"]] += units
            sold_there[row["variant_id"]] += max(0, units)
            moved[row["order_ref"]].add(row["variant_id"])
    for variant_id in sorted(taken):  # one order of locks for every worker: no deadlocks between orders
        if taken[variant_id]:
            Variant.objects.filter(pk=variant_id).update(stock_on_hand=F("stock_on_hand") - taken[variant_id])
    # The channel that sold took the units off its own figure, as Atelier did: its last report follows the sale.
    # (Whether a refund restocked it there is the channel's choice, so a reversal leaves its figure alone.)
    for variant_id, units in sorted(sold_there.items()):
        if units:
            ChannelStock.objects.filter(variant_id=variant_id, channel=channel, reported__isnull=False).update(
                reported=F("reported") - units, reported_at=timezone.now()
            )
    return dict(moved)


def _units_to_take(channel: str, row: Mapping, recorded_before: set[tuple[str, str]]) -> int:
    order_ref, line_ref, quantity = row["order_ref"], row["line_ref"], int(row["quantity"])
    key = {"channel": channel, "order_ref": order_ref, "line_ref": line_ref}
    if line_ref.endswith("-refund"):
        sold = StockMove.objects.filter(channel=channel, order_ref=order_ref, line_ref=line_ref.removesuffix("-refund"))
        if not sold.exists():  # the sale never took stock, so its reversal gives none back
            return 0
        move, created = StockMove.objects.get_or_create(
            **key, defaults={"variant_id": row["variant_id"], "quantity": quantity}
        )
        if created:
            return quantity
        move = StockMove.objects.select_for_update().get(pk=move.pk)
        if quantity >= move.quantity:  # refunds only grow; an older delivery changes nothing
            return 0
        more_back, move.quantity = quantity - move.quantity, quantity
        move.save(update_fields=["quantity"])
        return more_back
    if (order_ref, line_ref) in recorded_before:  # already a sale (an import, or before stock was tracked)
        return 0
    _, created = StockMove.objects.get_or_create(
        **key, defaults={"variant_id": row["variant_id"], "quantity": quantity}
    )
    return quantity if created else 0  # the other delivery of this order took it


def stock_push_after_publish(event: events.ProductPublished) -> None:
    """Once a product is (re)published, the channel gets Atelier's figures: a republish leaves existing variants' stock
    alone, and the product page then shows what the channel holds instead of "not sent yet". Runs after commit."""
    if event.channel not in {channel.name for channel in stock_channels()}:
        return
    variant_ids = sorted(Variant.objects.filter(product_id=event.product_id).values_list("pk", flat=True))
    if variant_ids:
        async_task(PUSH_TASK, variant_ids, "", [event.channel])


def stock_push_after_order(*, moved: Mapping[str, set[int]], channel: str) -> None:
    """One push task per order, enqueued when the recording commits; never to the channel the order came from."""
    for variant_ids in moved.values():
        transaction.on_commit(partial(async_task, PUSH_TASK, sorted(variant_ids), channel))


# --- Pushing figures to the channels ----------------------------------------------------------


@dataclass
class StockPushed:
    """What a push did: SKU → reported quantity per channel, and each failing channel's message."""

    reported: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    failed: dict[str, str] = field(default_factory=dict)
    retrying: dict[str, dt.datetime] = field(default_factory=dict)  # channel → when it is tried again
    calls: list[tuple[str, dict[str, int]]] = field(default_factory=list)  # (channel, levels) in the order sent


@dataclass
class _Failure:
    message: str
    retryable: bool
    retry_after: float | None = None


def stock_channels(*, skip_channel: str = "", only: Iterable[str] | None = None) -> list[Channel]:
    """The enabled channels that take stock figures, less the one an order came from."""
    wanted = set(only) if only is not None else None
    return [
        channel
        for channel in channels.enabled()
        if channel.pushes_stock and channel.name != skip_channel and (wanted is None or channel.name in wanted)
    ]


def _published(product_ids: set[int], names: list[str]) -> set[tuple[str, int]]:
    """(channel, product) pairs where the product is on the channel (published once, with a remote id)."""
    return set(
        ChannelListing.objects.filter(product_id__in=product_ids, channel__in=names, published_at__isnull=False)
        .exclude(remote_id="")
        .values_list("channel", "product_id")
    )


def stock_push(
    *, variant_ids: Iterable[int], skip_channel: str = "", only: Iterable[str] | None = None, attempt: int = 1
) -> StockPushed:
    """Send Atelier's current figure of these variants to every channel that should have it; sold-out first."""
    outcome = StockPushed()
    backends = stock_channels(skip_channel=skip_channel, only=only)
    pending = set(variant_ids)
    failed: dict[str, _Failure] = {}
    for _ in range(ROUNDS):
        if not pending or not backends:
            break
        variants = list(Variant.objects.filter(pk__in=pending).order_by("pk"))
        published = _published({v.product_id for v in variants}, [b.name for b in backends])
        sent: dict[int, int] = {}
        for sold_out in (True, False):
            for backend in backends:
                if backend.name in failed:
                    continue
                chosen = [
                    v
                    for v in variants
                    if (backend.name, v.product_id) in published and (v.stock_on_hand <= 0) == sold_out
                ]
                if chosen:
                    failure = _push_to(backend, chosen, outcome)
                    if failure is not None:
                        failed[backend.name] = failure
                    sent.update({v.pk: v.stock_on_hand for v in chosen})
        current = dict(Variant.objects.filter(pk__in=sent).values_list("pk", "stock_on_hand"))
        pending = {pk for pk, figure in sent.items() if current.get(pk, figure) != figure}
    for name, failure in failed.items():
        outcome.failed[name] = failure.message
        _retry_later(outcome, name, failure, variant_ids=sorted(set(variant_ids)), attempt=attempt)
    return outcome


def _push_to(backend: Channel, variants: list[Variant], outcome: StockPushed) -> _Failure | None:
    levels = {v.sku: max(0, v.stock_on_hand) for v in variants}
    outcome.calls.append((backend.name, dict(levels)))
    try:
        reported = backend.set_stock(levels)
    except Exception as error:  # every failure is kept on the variants' rows; none is dropped
        retryable = bool(getattr(error, "retryable", False)) or isinstance(error, OSError)
        if retryable or getattr(error, "retryable", None) is not None:
            message = f"{backend.label} didn't take the stock figures: {redact(str(error)) or type(error).__name__}"
        else:
            logger.exception("Pushing stock to %s failed unexpectedly", backend.name)
            message = f"{backend.label}: unexpected error ({type(error).__name__}); see the worker's log."
        _failed(backend.name, variants, message)
        return _Failure(message, retryable, getattr(error, "retry_after", None))
    now = timezone.now()
    missing = [v for v in variants if v.sku not in reported]
    for variant in variants:
        if variant.sku in reported:
            ChannelStock.objects.update_or_create(
                variant=variant,
                channel=backend.name,
                defaults={
                    "sent": levels[variant.sku],
                    "sent_at": now,
                    "reported": int(reported[variant.sku]),
                    "reported_at": now,
                    "error": "",
                    "error_at": None,
                    "failures": 0,
                    "retry_at": None,
                },
            )
            outcome.reported[backend.name][variant.sku] = int(reported[variant.sku])
    if missing:
        skus = ", ".join(v.sku for v in missing)
        message = f"{backend.label} has no variant with SKU {skus}: publish the product to {backend.label} again."
        _failed(backend.name, missing, message)
        outcome.failed[backend.name] = message
    return None


def _failed(channel: str, variants: list[Variant], message: str) -> None:
    now = timezone.now()
    for variant in variants:
        row, _ = ChannelStock.objects.get_or_create(variant=variant, channel=channel)
        ChannelStock.objects.filter(pk=row.pk).update(
            error=message[:2000], error_at=now, failures=F("failures") + 1, retry_at=None
        )
    logger.warning("Stock push to %s failed for %s: %s", channel, ", ".join(v.sku for v in variants), message)


def retry_delay(attempt: int, retry_after: float | None = None) -> dt.timedelta:
    """The wait before try number `attempt + 1`: doubling from a minute, at most half an hour, never under Retry-After."""
    wait = min(LONGEST_WAIT, FIRST_RETRY * 2 ** (attempt - 1))
    return max(wait, dt.timedelta(seconds=retry_after or 0))


def _retry_later(
    outcome: StockPushed, channel: str, failure: _Failure, *, variant_ids: list[int], attempt: int
) -> None:
    rows = ChannelStock.objects.filter(variant_id__in=variant_ids, channel=channel).exclude(error="")
    if not failure.retryable:
        return
    if attempt >= MAX_ATTEMPTS:
        for row in rows:
            ChannelStock.objects.filter(pk=row.pk).update(
                error=f"{row.error} Gave up after {attempt} tries: use “Push stock now” once it is back."[:2000]
            )
        return
    when = timezone.now() + retry_delay(attempt, failure.retry_after)
    Schedule.objects.create(
        name=f"{RETRY_PREFIX}{channel} {uuid.uuid4().hex[:12]}",
        func=PUSH_TASK,
        args=repr((variant_ids, "", [channel], attempt + 1)),
        schedule_type=Schedule.ONCE,
        repeats=1,
        next_run=when,
    )
    rows.update(retry_at=when)
    outcome.retrying[channel] = when


# --- Push now (a manager's action) ------------------------------------------------------------


def stock_push_start(*, products: list[Product], requested_by=None) -> Job:
    """Send Atelier's figures of these products to every channel that takes stock: one task per product."""
    with transaction.atomic():
        job = job_create(
            kind=JOB_KIND,
            label=job_label(
                f"Push stock of {names_phrase(p.title for p in products) or 'no products'} to the channels"
            ),
            total=len(products),
            created_by=requested_by,
        )
        if not stock_channels():
            return job_finish(job_id=job.pk, failed=True, message="No connected channel takes stock figures.")
        for product in products:
            transaction.on_commit(partial(async_task, "channels.tasks.push_stock_of_product", job.pk, product.pk))
    return job
