"""Orders coming back from a channel (webhooks and the scheduled pull) recorded as sales.

Lines are keyed like the Shopify orders CSV import (order name + line position,
"<position>-refund" for a reversal), so an order that arrives by webhook, by the
pull and in an imported export is still one sale. Refunds arrive with
orders/updated (and in the pull) as refunded quantities per line; a cancelled
order gets a reversing line per line, netting to zero, as the import does.
A line whose SKU matches no variant is kept in UnmatchedSku with the line
itself, and recorded once a variant has that SKU.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import Variant
from channels.models import ChannelSync, UnmatchedSku
from channels.payload import OrderPayload
from channels.registry import channels
from channels.stock import stock_moves_record, stock_push_after_order
from forecasting.models import Sale
from forecasting.services import sales_bulk_create
from studio import events
from studio.redaction import redact
from studio.sales_channels import SalesChannel

logger = logging.getLogger(__name__)

UNMATCHED_LINES_KEPT = 500
EXAMPLES_KEPT = 5


@dataclass
class OrdersRecorded:
    orders: int = 0
    lines: int = 0
    created: int = 0
    unmatched: int = 0
    unmatched_skus: list[str] = field(default_factory=list)


def _sale_rows(order: OrderPayload, channel: str) -> list[dict]:
    """Each order line as Sale fields, plus the reversal of what was refunded or cancelled."""
    day = (
        timezone.localtime(order.created_at).date() if timezone.is_aware(order.created_at) else order.created_at.date()
    )
    rows = []
    for position, line in enumerate(order.lines, start=1):
        if line.quantity <= 0:
            continue
        base = {
            "sku": (line.sku or "").strip(),
            "date": day,
            "unit_price": line.unit_price,
            "channel": channel,
            "order_ref": _order_ref(order),
        }
        if line.personalisation:
            base["personalisation"] = line.personalisation
        key = line.line_id[:56] if order.keyed_by_line_id and line.line_id else str(position)
        rows.append({**base, "quantity": line.quantity, "line_ref": key})
        reversed_quantity = line.quantity if order.cancelled else min(line.quantity, max(0, line.refunded_quantity))
        if reversed_quantity:
            rows.append({**base, "quantity": -reversed_quantity, "line_ref": f"{key}-refund"})
    return rows


def _order_ref(order: OrderPayload) -> str:
    return order.name[:64] or order.order_id[:64]


def orders_record(
    *, orders: Iterable[OrderPayload], channel: str = SalesChannel.SHOPIFY, moves_stock: bool = True
) -> OrdersRecorded:
    """Record orders as sales; safe to call again with the same orders. Emits OrderRecorded per order.

    New lines take their units off the variants' stock and the new figures go to the
    other channels (channels.stock); `moves_stock=False` records history only.
    """
    outcome = OrdersRecorded()
    rows: list[dict] = []
    per_order: list[tuple[OrderPayload, list[dict]]] = []
    for order in orders:
        outcome.orders += 1
        order_rows = _sale_rows(order, channel)
        per_order.append((order, order_rows))
        rows.extend(order_rows)
    outcome.lines = len(rows)
    variants = dict(Variant.objects.filter(sku__in={row["sku"] for row in rows if row["sku"]}).values_list("sku", "pk"))
    matched, unmatched = [], []
    for row in rows:
        variant_id = variants.get(row["sku"])
        if variant_id is None:
            unmatched.append(row)
        else:
            matched.append({**{k: v for k, v in row.items() if k != "sku"}, "variant_id": variant_id})
    with transaction.atomic():
        recorded_before = _recorded(channel, matched) if moves_stock else set()
        outcome.created = sales_bulk_create(rows=matched)
        _reversals_deepen(matched)
        if moves_stock:
            moved = stock_moves_record(channel=channel, rows=matched, recorded_before=recorded_before)
            stock_push_after_order(moved=moved, channel=channel)
        for row in unmatched:
            _unmatched_keep(row)
        for order, order_rows in per_order:
            events.emit(
                events.OrderRecorded(
                    channel=channel,
                    order_ref=_order_ref(order),
                    order_id=order.order_id,
                    lines=len(order_rows),
                    unmatched_skus=tuple(sorted({row["sku"] for row in order_rows if row["sku"] not in variants})),
                )
            )
    outcome.unmatched = len(unmatched)
    outcome.unmatched_skus = sorted({row["sku"] for row in unmatched})
    return outcome


def _recorded(channel: str, rows: list[dict]) -> set[tuple[str, str]]:
    """(order_ref, line_ref) of these lines already stored as sales."""
    refs = {row["order_ref"] for row in rows}
    if not refs:
        return set()
    stored = Sale.objects.filter(channel=channel, order_ref__in=refs).values_list("order_ref", "line_ref")
    return set(stored)


def _is_deeper_reversal(row: dict, stored_quantity: int) -> bool:
    return row["line_ref"].endswith("-refund") and row["quantity"] < stored_quantity


def _reversals_deepen(rows: list[dict]) -> None:
    """A reversal already stored grows to the newest refunded total (refunds only add up; a cancellation takes all).

    The key stays "<position>-refund", as the import writes it, so the insert above
    skips it; taking the deeper quantity, never the shallower, keeps a late retry
    of an older delivery from undoing a refund.
    """
    for row in rows:
        if row["line_ref"].endswith("-refund"):
            Sale.objects.filter(
                channel=row["channel"],
                order_ref=row["order_ref"],
                line_ref=row["line_ref"],
                quantity__gt=row["quantity"],
            ).update(quantity=row["quantity"])


def _unmatched_keep(row: dict) -> None:
    kept, created = UnmatchedSku.objects.select_for_update().get_or_create(channel=row["channel"], sku=row["sku"][:128])
    key = (row["order_ref"], row["line_ref"])
    for line in kept.order_lines:
        if (line.get("order_ref"), line.get("line_ref")) == key:  # delivered before
            if _is_deeper_reversal(row, int(line["quantity"])):
                kept.quantity = F("quantity") + (row["quantity"] - int(line["quantity"]))
                line["quantity"] = row["quantity"]
                kept.save()
            return
    line = {
        "date": row["date"].isoformat(),
        "quantity": row["quantity"],
        "unit_price": str(row["unit_price"]),
        "order_ref": row["order_ref"],
        "line_ref": row["line_ref"],
        "personalisation": row.get("personalisation", ""),
    }
    kept.order_lines = (kept.order_lines + [line])[-UNMATCHED_LINES_KEPT:]
    kept.examples = (
        (kept.examples + [row["order_ref"]])[-EXAMPLES_KEPT:]
        if row["order_ref"] not in kept.examples
        else kept.examples
    )
    kept.lines = F("lines") + 1
    kept.quantity = F("quantity") + row["quantity"]
    kept.save()


def unmatched_record(*, channel: str | None = None) -> int:
    """Record the kept lines of every unmatched SKU that now matches a variant; returns sales created."""
    kept = UnmatchedSku.objects.all() if channel is None else UnmatchedSku.objects.filter(channel=channel)
    variants = dict(Variant.objects.filter(sku__in=kept.values("sku")).values_list("sku", "pk"))
    created = 0
    for row in kept.filter(sku__in=list(variants)):
        sales = [
            {
                "variant_id": variants[row.sku],
                "date": dt.date.fromisoformat(line["date"]),
                "quantity": int(line["quantity"]),
                "unit_price": line["unit_price"],
                "channel": row.channel,
                "order_ref": line["order_ref"],
                "line_ref": line["line_ref"],
                "personalisation": line.get("personalisation", ""),
            }
            for line in row.order_lines
        ]
        with transaction.atomic():
            created += sales_bulk_create(rows=sales)
            row.delete()
    return created


def orders_pull(
    *, channel: str = SalesChannel.SHOPIFY, client=None, overlap: dt.timedelta = dt.timedelta(hours=1)
) -> OrdersRecorded:
    """The webhooks' backstop: pull orders updated since the last cursor and record them.

    The cursor moves only after a page is recorded, and starts an hour early
    (`overlap`), so nothing falls between two runs; recording is idempotent.
    """
    sync, _ = ChannelSync.objects.get_or_create(channel=channel)
    since = sync.cursor - overlap if sync.cursor else None
    live = sync.cursor is not None  # the first pull brings the channel's history: sales, but no stock moves
    total = OrdersRecorded()
    newest = recorded = (
        sync.cursor
    )  # newest read; newest read *and recorded* (where a failed pull may leave the cursor)
    batch = []
    try:
        for order in _orders_since(channel, since, client):
            batch.append(order)
            newest = max(newest, order.updated_at) if newest else order.updated_at
            if len(batch) >= 100:
                _merge(total, orders_record(orders=batch, channel=channel, moves_stock=live))
                batch = []
                recorded = newest
                ChannelSync.objects.filter(pk=sync.pk).update(cursor=recorded)
        if batch:
            _merge(total, orders_record(orders=batch, channel=channel, moves_stock=live))
    except Exception as error:
        ChannelSync.objects.filter(pk=sync.pk).update(
            cursor=recorded,
            last_run_at=timezone.now(),
            last_error=redact(str(error))[:2000],
            orders_seen=F("orders_seen") + total.orders,
        )
        raise
    ChannelSync.objects.filter(pk=sync.pk).update(
        cursor=newest, last_run_at=timezone.now(), last_error="", orders_seen=F("orders_seen") + total.orders
    )
    total.created += unmatched_record(channel=channel)
    return total


def _orders_since(channel: str, since: dt.datetime | None, client):
    backend = channels.get(channel)
    return backend.orders_since(since, client=client) if client is not None else backend.orders_since(since)


def _merge(total: OrdersRecorded, part: OrdersRecorded) -> None:
    total.orders += part.orders
    total.lines += part.lines
    total.created += part.created
    total.unmatched += part.unmatched
    total.unmatched_skus = sorted(set(total.unmatched_skus) | set(part.unmatched_skus))
