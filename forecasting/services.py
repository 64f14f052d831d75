"""Writes to the sales history."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from forecasting.imports.service import (  # noqa: F401  (sales files: see forecasting/imports/)
    sales_import,
    sales_import_submit,
)
from forecasting.models import Sale
from forecasting.stored_alerts import alerts_mark_changed
from studio.sales_channels import SalesChannel

_KEY_LOOKUP_CHUNK = 500  # order references per query: well under every database's parameter limit


def sales_bulk_create(*, rows: Iterable[Sale | Mapping[str, Any]], batch_size: int = 2000) -> int:
    """Store order lines in batches, skipping any line already stored; returns how many were new.

    Imports and the demo seed hand over thousands of lines at a time, and the same
    export is often imported twice, so a line whose (channel, order_ref, line_ref)
    is already stored is skipped by the database (ignore_conflicts) rather than
    checked row by row. All or nothing: a bad row rolls the whole call back.

    rows are unsaved Sale objects or mappings of Sale fields (variant or variant_id,
    date, quantity, unit_price, channel, order_ref, line_ref).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1.")
    created = 0
    with transaction.atomic():
        for number, batch in _batches(rows, batch_size):
            sales = [_sale(row, number + i) for i, row in enumerate(batch)]
            keys = {(s.channel, s.order_ref, s.line_ref) for s in sales}
            before = _stored(keys)
            Sale.objects.bulk_create(sales, batch_size=batch_size, ignore_conflicts=True)
            created += _stored(keys) - before
        if created:  # new lines (an order's stock moves with them, in this transaction)
            alerts_mark_changed()
    return created


def _batches(rows: Iterable, size: int) -> Iterator[tuple[int, list]]:
    it, start = iter(rows), 0
    while batch := list(islice(it, size)):
        yield start, batch
        start += len(batch)


def _sale(row: Sale | Mapping[str, Any], number: int) -> Sale:
    sale = row if isinstance(row, Sale) else Sale(**row)
    where = f"Sale line {number + 1}"
    if sale.channel not in SalesChannel.values:
        raise ValidationError(
            f"{where}: unknown channel {sale.channel!r}; use one of {', '.join(SalesChannel.values)}."
        )
    if not sale.order_ref or len(sale.order_ref) > 64 or not sale.line_ref or len(sale.line_ref) > 64:
        raise ValidationError(f"{where}: order and line references must be 1 to 64 characters.")
    if not sale.quantity:
        raise ValidationError(f"{where}: quantity must not be zero (refunds are negative).")
    if sale.variant_id is None or sale.date is None or sale.unit_price is None:
        raise ValidationError(f"{where}: variant, date and unit price are required.")
    return sale


def _stored(keys: set[tuple[str, str, str]]) -> int:
    """How many of these (channel, order_ref, line_ref) keys the database holds."""
    by_channel: dict[str, set[str]] = {}
    for channel, order_ref, _ in keys:
        by_channel.setdefault(channel, set()).add(order_ref)
    found = 0
    for channel, refs in by_channel.items():
        refs_list = sorted(refs)
        for i in range(0, len(refs_list), _KEY_LOOKUP_CHUNK):
            chunk = refs_list[i : i + _KEY_LOOKUP_CHUNK]
            stored = Sale.objects.filter(channel=channel, order_ref__in=chunk).values_list(
                "channel", "order_ref", "line_ref"
            )
            found += sum(1 for key in stored if key in keys)
    return found
