"""Shopify orders (GraphQL nodes) as the channels' plain OrderPayload values.

Two sources produce them: the GraphQL `orders` query (catch-up sync) and the
REST-shaped webhooks. Both give the same OrderPayload for the same order:
ids are Shopify's numeric ids as strings (a GraphQL gid `gid://shopify/Order/42`
and a webhook's `42` both become "42"), money is a Decimal in the shop currency.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from channels.payload import OrderDataError, OrderLine, OrderPayload


def numeric_id(value: object) -> str:
    """'gid://shopify/LineItem/7' → '7'; 7 → '7'."""
    if isinstance(value, bool) or value is None:
        raise OrderDataError(f"Expected an id, got {value!r}.")
    text = str(value)
    tail = text.rsplit("/", 1)[-1]
    if not tail.isdigit():
        raise OrderDataError(f"Unexpected id {text!r}.")
    return tail


def timestamp(value: object) -> datetime:
    if not isinstance(value, str):
        raise OrderDataError(f"Expected an ISO 8601 timestamp, got {value!r}.")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise OrderDataError(f"Unexpected timestamp {value!r}.") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def money(value: object) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError) as exc:
        raise OrderDataError(f"Unexpected amount {value!r}.") from exc


def quantity(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise OrderDataError(f"Unexpected quantity {value!r}.")
    return value


def graphql_order_truncated(node: dict, *, refunds_limit: int) -> bool:
    """Whether the query may have cut this order's lines or refunds short (`refunds_limit` = refunds asked for)."""
    if node["lineItems"]["pageInfo"]["hasNextPage"] or len(node.get("refunds") or []) >= refunds_limit:
        return True
    return any(refund["refundLineItems"]["pageInfo"]["hasNextPage"] for refund in node.get("refunds") or [])


def order_from_graphql(node: dict) -> OrderPayload:
    """An `Order` node of the GraphQL Admin API (see queries.ORDERS)."""
    try:
        refunded: dict[str, int] = {}
        for refund in node.get("refunds") or []:
            for item in refund["refundLineItems"]["nodes"]:
                line_id = numeric_id(item["lineItem"]["id"])
                refunded[line_id] = refunded.get(line_id, 0) + quantity(item["quantity"])
        lines = tuple(
            OrderLine(
                line_id=numeric_id(item["id"]),
                sku=item.get("sku") or None,
                quantity=quantity(item["quantity"]),
                unit_price=money(item["originalUnitPriceSet"]["shopMoney"]["amount"]),
                refunded_quantity=refunded.get(numeric_id(item["id"]), 0),
            )
            for item in node["lineItems"]["nodes"]
        )
        return OrderPayload(
            order_id=numeric_id(node["id"]),
            name=str(node["name"]),
            created_at=timestamp(node["createdAt"]),
            updated_at=timestamp(node["updatedAt"]),
            cancelled=node.get("cancelledAt") is not None,
            currency=str(node["currencyCode"]),
            lines=lines,
        )
    except (KeyError, TypeError) as exc:
        raise OrderDataError(f"Order node without the expected field {exc}.") from None
