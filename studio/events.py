"""Domain events: "something happened", told after the transaction that made it commits.

Services emit; other apps subscribe in their AppConfig.ready() and react
(outgoing webhooks, experiments, previews, insights). The kernel defines the
event types so that a subscriber depends on the kernel only, never on the app
that emits; it knows none of its subscribers.

    events.subscribe(events.DraftApproved, notify_maker)
    events.emit(events.DraftApproved(kind="listing_copy", draft=draft, ...))

An event is delivered after commit (never for work that was rolled back); a
failing subscriber is logged and does not stop the others or the emitter.

A subscriber that must write in the same transaction as the event (an outbox:
nothing is lost if the process dies right after the commit) subscribes with
`phase=IN_TRANSACTION`: it runs at once, inside the emitter's transaction, and
its failure rolls that transaction back with it.

    events.subscribe(events.Event, outbox_write, phase=events.IN_TRANSACTION)
Events carry ids for anything that outlives the process (an outbox) and the
object itself for subscribers in the same process.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

E = TypeVar("E", bound="Event")
Handler = Callable[[Any], None]


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every event; `type` is its stable, dotted name (what webhooks and logs show)."""

    type: ClassVar[str] = ""
    occurred_at: dt.datetime = field(default_factory=timezone.now)

    @property
    def topic(self) -> str:
        """The name outside subscribers see (webhooks): `type`, or a per-instance name for a family of types
        (a listing published on *one* channel is `listing.published.shopify`)."""
        return self.type

    def data(self) -> dict[str, Any]:
        """The event's plain fields (ids, names, numbers), without model objects: safe to serialise."""
        plain = {}
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if item.name == "occurred_at" or hasattr(value, "_meta"):
                continue
            plain[item.name] = value
        return plain


# --- Drafts (approvals) -------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DraftEvent(Event):
    kind: str  # the draft kind's name, e.g. "listing_copy"
    draft: Any = field(compare=False, repr=False)  # the draft row (None if it was deleted)
    draft_id: int
    item_id: int  # the review item
    version: int
    subject: str
    owner_id: int | None = None
    by_id: int | None = None  # who submitted or decided; None for the system


@dataclass(frozen=True, kw_only=True)
class DraftSubmitted(DraftEvent):
    type: ClassVar[str] = "draft.submitted"


@dataclass(frozen=True, kw_only=True)
class DraftApproved(DraftEvent):
    type: ClassVar[str] = "draft.approved"
    snapshot: dict = field(default_factory=dict, compare=False, repr=False)  # the approved version


@dataclass(frozen=True, kw_only=True)
class DraftRejected(DraftEvent):
    type: ClassVar[str] = "draft.rejected"
    note: str = ""


# --- Production plans (forecasting) --------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ProductionPlanApproved(Event):
    """A maker's production plan approved in the review queue: the schedule to make from."""

    type: ClassVar[str] = "production_plan.approved"
    plan: Any = field(compare=False, repr=False)
    plan_id: int
    maker_id: int
    week_start: str  # ISO date of the plan's first Monday
    weeks: int
    item_id: int  # the review item
    pieces: int = 0
    by_id: int | None = None


# --- Channels ----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ProductPublished(Event):
    type: ClassVar[str] = "product.published"
    channel: str
    product: Any = field(compare=False, repr=False)
    product_id: int
    remote_id: str = ""

    @property
    def topic(self) -> str:
        return f"listing.published.{self.channel}"


@dataclass(frozen=True, kw_only=True)
class ProductPublishFailed(Event):
    type: ClassVar[str] = "product.publish_failed"
    channel: str
    product: Any = field(compare=False, repr=False)
    product_id: int
    error: str = ""

    @property
    def topic(self) -> str:
        return f"listing.failed.{self.channel}"


@dataclass(frozen=True, kw_only=True)
class OrderRecorded(Event):
    type: ClassVar[str] = "order.recorded"
    channel: str
    order_ref: str
    order_id: str = ""
    lines: int = 0  # order lines (reversals included) in this delivery
    unmatched_skus: tuple[str, ...] = ()


# --- Work and stock ----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class JobFinished(Event):
    type: ClassVar[str] = "job.finished"
    job: Any = field(compare=False, repr=False)
    job_id: int
    kind: str
    status: str
    done: int = 0
    failed: int = 0


@dataclass(frozen=True, kw_only=True)
class StockAlertRaised(Event):
    type: ClassVar[str] = "stock_alert.raised"
    variant_id: int
    sku: str
    alert: str  # e.g. "stockout_risk"
    severity: str
    message: str


# --- Subscribing and emitting -----------------------------------------------------------

AFTER_COMMIT = "after_commit"
IN_TRANSACTION = "in_transaction"
PHASES = (AFTER_COMMIT, IN_TRANSACTION)

_subscribers: dict[str, dict[type[Event], list[tuple[str, Handler]]]] = {phase: defaultdict(list) for phase in PHASES}
_listening: dict[str, Callable[[], bool]] = {}
_lock = threading.Lock()


def subscribe(
    event_type: type[E],
    handler: Callable[[E], None],
    *,
    dispatch_uid: str | None = None,
    phase: str = AFTER_COMMIT,
    listening: Callable[[], bool] | None = None,
) -> None:
    """Call `handler(event)` for every event of `event_type` (or a subclass of it).

    AFTER_COMMIT (the default): once the emitter's transaction commits; a failure is logged.
    IN_TRANSACTION: at once, inside the emitter's transaction, so what the handler writes commits
    or rolls back with the event (an outbox); a failure propagates to the emitter.

    `listening()`, when given, tells subscribed() whether this subscriber would do anything now (e.g. any
    webhook endpoint exists), so an emitter may skip expensive work nobody would see.

    Subscribing twice with the same dispatch_uid (or the same handler) keeps one subscription,
    so a ready() that runs twice does no harm.
    """
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {', '.join(PHASES)}, not {phase!r}.")
    uid = dispatch_uid or f"{handler.__module__}.{getattr(handler, '__qualname__', repr(handler))}"
    with _lock:
        handlers = _subscribers[phase][event_type]
        if all(existing != uid for existing, _ in handlers):
            handlers.append((uid, handler))
        if listening is not None:
            _listening[uid] = listening


def unsubscribe(event_type: type[Event], *, dispatch_uid: str) -> None:
    with _lock:
        for by_type in _subscribers.values():
            by_type[event_type] = [(uid, h) for uid, h in by_type[event_type] if uid != dispatch_uid]


def emit(event: Event, *, using: str | None = None) -> None:
    """Run the in-transaction subscribers now, and deliver `event` to the others once the current
    transaction commits (at once outside a transaction).

    Nothing is queued when nobody subscribes to this type of event.
    """
    in_transaction = _handlers_for(type(event), phase=IN_TRANSACTION)
    if in_transaction:
        with transaction.atomic(using=using):  # all or none of them, whatever the caller's transaction
            for _, handler in in_transaction:
                handler(event)
    if _handlers_for(type(event)):
        transaction.on_commit(lambda: _deliver(event), using=using)


def subscribed(event_type: type[Event]) -> bool:
    """Whether anyone listens to this type of event (lets an emitter skip work nobody would see)."""
    for phase in PHASES:
        for uid, _ in _handlers_for(event_type, phase=phase):
            listening = _listening.get(uid)
            if listening is None or listening():
                return True
    return False


def _deliver(event: Event) -> None:
    for uid, handler in _handlers_for(type(event)):
        try:
            handler(event)
        except Exception:  # one subscriber's bug must not undo or block what already happened
            logger.exception("Subscriber %s failed on %s", uid, event.type)


def _handlers_for(event_type: type[Event], *, phase: str = AFTER_COMMIT) -> list[tuple[str, Handler]]:
    with _lock:
        by_type = _subscribers[phase]
        return [entry for cls in event_type.__mro__ if cls in by_type for entry in by_type[cls]]
