"""Shopify orders (GraphQL nodes) as the channels' plain OrderPayload values.

Two sources produce them: the GraphQL `orders` query (catch-up sync) and the
REST-shaped webhooks. Both give the same OrderPayload for the same order:
ids are Shopify's numeric ids as strings (a GraphQL gid `gid://shopify/Order/42`
and a webhook's `42` both become "42"), money is a Decimal in the shop currency.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from channels.payload import OrderDataError, OrderLine, OrderOutOfRange, OrderPayload

MAX_LINE_QUANTITY = 100_000  # as the sales import: more on one line is a typo or an attack
MAX_UNIT_PRICE = Decimal("99999999.99")  # Sale.unit_price: 10 digits, 2 decimals
EARLIEST_ORDER = datetime(2000, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(days=1)  # a shop's clock a little ahead of ours is fine; a year ahead is not


def numeric_id(value: object) -> str:
    """'gid://shopify/LineItem/7' → '7'; 7 → '7'."""
    if isinstance(value, bool) or value is None:
        raise OrderDataError(f"Expected an id, got {value!r}.")
    text = str(value)
    tail = text.rsplit("/", 1)[-1]
    if not (tail.isascii() and tail.isdigit()) or len(tail) > 20:
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
    if value > MAX_LINE_QUANTITY:
        raise OrderOutOfRange(f"A quantity of {value} is more than {MAX_LINE_QUANTITY:,} units on one line.")
    return value


def unit_price(value: object) -> Decimal:
    """A line's price: a finite amount from 0 to what a sale can store."""
    amount = money(value)
    if not amount.is_finite():
        raise OrderOutOfRange(f"The price {value!r} is not a number.")
    if amount < 0:
        raise OrderOutOfRange(f"The price {value!r} is negative.")
    if amount > MAX_UNIT_PRICE:
        raise OrderOutOfRange(f"The price {value!r} is too large.")
    return amount


def text(value: object, what: str) -> str:
    """A name, currency or SKU as text; a NUL character (which no database column can hold) is refused."""
    if isinstance(value, dict | list) or value is None:
        raise OrderDataError(f"Expected text for the {what}, got {value!r}.")
    result = str(value)
    if "\x00" in result:
        raise OrderOutOfRange(f"The {what} {result!r} contains a NUL character.")
    return result


def sku(value: object) -> str | None:
    return text(value, "SKU") if value else None


def order_dates(created_at: datetime, updated_at: datetime, *, now: datetime | None = None) -> None:
    """An order placed before 2000 or dated ahead of now (beyond clock skew) is not a sale to record."""
    latest = (now or datetime.now(UTC)) + CLOCK_SKEW
    for name, moment in (("placed", created_at), ("updated", updated_at)):
        if moment > latest:
            raise OrderOutOfRange(f"The order is {name} in the future ({moment.isoformat()}).")
        if moment < EARLIEST_ORDER:
            raise OrderOutOfRange(f"The order is {name} before {EARLIEST_ORDER.year} ({moment.isoformat()}).")


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
                sku=sku(item.get("sku")),
                quantity=quantity(item["quantity"]),
                unit_price=unit_price(item["originalUnitPriceSet"]["shopMoney"]["amount"]),
                refunded_quantity=refunded.get(numeric_id(item["id"]), 0),
            )
            for item in node["lineItems"]["nodes"]
        )
        created_at, updated_at = timestamp(node["createdAt"]), timestamp(node["updatedAt"])
        order_dates(created_at, updated_at)
        return OrderPayload(
            order_id=numeric_id(node["id"]),
            name=text(node["name"], "order name"),
            created_at=created_at,
            updated_at=updated_at,
            cancelled=node.get("cancelledAt") is not None,
            currency=text(node["currencyCode"], "currency"),
            lines=lines,
        )
    except (KeyError, TypeError) as exc:
        raise OrderDataError(f"Order node without the expected field {exc}.") from None
