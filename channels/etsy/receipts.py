"""Etsy's receipts as the orders every channel hands to channels.orders.

A receipt is an order, its transactions the lines, keyed by receipt id and transaction id
as the import of Etsy's sold-items CSV keys them: a receipt pulled twice, pulled again
after a change, or also imported from a CSV is still one sale per line.
Only paid receipts become sales; a cancelled one gets its reversal lines. The buyer's
personalisation text (a transaction variation answering a personalisation question)
is kept with the line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from channels.payload import OrderDataError, OrderLine, OrderPayload

CANCELLED = {"canceled", "cancelled", "fully refunded"}


def _when(timestamp) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise OrderDataError(f"Etsy timestamp {timestamp!r} is not a time.") from None


def _money(value) -> Decimal:
    try:
        if isinstance(value, dict):
            return (Decimal(int(value["amount"])) / Decimal(int(value["divisor"] or 1))).quantize(Decimal("0.01"))
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (KeyError, TypeError, ValueError, InvalidOperation, ZeroDivisionError):
        raise OrderDataError(f"Etsy price {value!r} is not an amount.") from None


def personalisation_of(transaction: dict) -> str:
    texts = []
    for variation in transaction.get("variations") or []:
        if not isinstance(variation, dict):
            continue
        name = str(variation.get("formatted_name") or "")
        if variation.get("question_id") or "personal" in name.lower():
            value = str(variation.get("formatted_value") or "").strip()
            if value:
                texts.append(value)
    return "\n".join(texts)[:2000]


def receipt_order(receipt: dict) -> OrderPayload | None:
    """The receipt as an order, or None while it isn't paid (it comes back when it changes)."""
    status = str(receipt.get("status") or "").lower()
    cancelled = status in CANCELLED
    if not receipt.get("is_paid") and not cancelled:
        return None
    lines = []
    for transaction in receipt.get("transactions") or []:
        lines.append(
            OrderLine(
                line_id=str(transaction["transaction_id"]),
                sku=(transaction.get("sku") or "").strip() or None,
                quantity=int(transaction.get("quantity") or 0),
                unit_price=_money(transaction.get("price") or 0),
                personalisation=personalisation_of(transaction),
            )
        )
    currency = (
        ((receipt.get("grandtotal") or {}).get("currency_code") or "")
        if isinstance(receipt.get("grandtotal"), dict)
        else ""
    )
    return OrderPayload(
        order_id=str(receipt["receipt_id"]),
        name=str(receipt["receipt_id"])[:64],  # as Etsy's sold-items CSV gives it, so an import and the pull agree
        created_at=_when(receipt.get("created_timestamp") or receipt.get("create_timestamp")),
        updated_at=_when(receipt.get("updated_timestamp") or receipt.get("update_timestamp")),
        cancelled=cancelled,
        currency=currency,
        lines=tuple(lines),
        keyed_by_line_id=True,
    )


def receipts_since(client, shop_id: str, cursor: dt.datetime | None) -> Iterator[OrderPayload]:
    """Receipts modified since `cursor` (the caller already took off the overlap), oldest change first."""
    since = int(cursor.timestamp()) if cursor else None
    for receipt in client.shop_receipts(shop_id, min_last_modified=since):
        order = receipt_order(receipt)
        if order is not None:
            yield order
