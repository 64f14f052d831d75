"""The three sales file formats: how a CSV row becomes sale lines.

A format reads records (row number, cells) and yields one Row per record: its
SKU, the sale lines it stands for, and what is wrong with it. Formats know
nothing of the database; the import service matches SKUs and stores lines.

Refunds and cancellations (the choice, in one place):
- A cancelled Shopify order (Cancelled at set, or payment voided/expired) and a
  fully refunded one (Financial Status "refunded") import each line *and* a
  reversing line with the negative quantity, the same date and its own line
  reference ("<position>-refund"). The order nets to zero on its own day, and an
  order imported while it was live and cancelled later gets just the reversal
  on the next import, so the result never depends on which export came first.
- A partially refunded Shopify order counts as sold: the orders export carries
  only the refunded amount, not which items came back. The report says how many.
- In a plain CSV a negative quantity is a refund line (a returned market sale).
  In Shopify and Etsy files quantities must be 1 or more.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar, NamedTuple

from forecasting.imports.values import BadValue, iso_date, money, us_date, whole_number
from studio.sales_channels import SalesChannel

MAX_REF = 64  # Sale.order_ref / line_ref
# Shopify writes an order's lines one after another; remembering the last orders (not all of
# them) carries order-level columns forward with memory that doesn't grow with the file.
ORDERS_REMEMBERED = 20_000


class Problem(NamedTuple):
    row: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}"


@dataclass(slots=True)
class Line:
    date: dt.date
    quantity: int
    unit_price: Decimal | None  # None: the variant's own price (plain CSV without prices)
    channel: str
    order_ref: str
    line_ref: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.channel, self.order_ref, self.line_ref)


@dataclass(slots=True)
class Row:
    number: int
    sku: str
    lines: list[Line] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Plain CSV: the row's content. Its line reference counts the identical rows before it,
    # which the import numbers from its staging table (see PlainSales), not from memory.
    content: str = ""


def plain_content_key(content: str) -> int:
    """A row's content as a signed 64-bit number (StagedSale.content_key)."""
    return int.from_bytes(hashlib.blake2b(content.encode(), digest_size=8).digest(), "big", signed=True)


def plain_line_ref(content: str, ordinal: int) -> str:
    """The line reference of the `ordinal`-th (1, 2, …) row with this content in a file."""
    return hashlib.blake2b(f"{content}\x1f{ordinal}".encode(), digest_size=10).hexdigest()


def _normalise(name: str) -> str:
    from forecasting.imports.reading import normalise

    return normalise(name)


class SalesFormat:
    """One file format. A fresh instance reads each pass over a file (formats keep per-file state)."""

    key: ClassVar[str]
    label: ClassVar[str]
    signature: ClassVar[frozenset[str]]  # normalised header names that identify the format
    required: ClassVar[tuple[str, ...]]

    def __init__(self, columns: dict[str, int]):
        self.columns = columns
        self.stats: Counter[str] = Counter()

    def position(self, *names: str) -> int | None:
        for name in names:
            position = self.columns.get(_normalise(name))
            if position is not None:
                return position
        return None

    def rows(self, records: Iterable[tuple[int, list[str]]]) -> Iterator[Row]:
        raise NotImplementedError

    def notes(self) -> list[str]:
        return []


def _read(problems: list, number: int, column: str, text: str, parse, *args, **options):
    """The cell parsed, or None with a Problem naming the row, the column and what is wrong."""
    try:
        return parse(text, *args, **options)
    except BadValue as exc:
        problems.append(Problem(number, column, text, str(exc)))
        return None


def _cell(record: list[str], position: int | None) -> str:
    if position is None or position >= len(record):
        return ""
    return record[position].strip()


class _Order:
    __slots__ = ("created", "financial", "cancelled", "lines", "counted")

    def __init__(self) -> None:
        self.created = self.financial = self.cancelled = ""
        self.lines = 0
        self.counted = False


class ShopifyOrders(SalesFormat):
    """Shopify admin → Orders → Export: one row per line item.

    Order-level columns (Created at, Financial Status, Cancelled at) are often
    blank on an order's second and later lines, so they carry forward by order
    Name. The line reference is the item's position within its order.
    """

    key = "shopify"
    label = "Shopify orders export"
    signature = frozenset({"lineitem quantity", "lineitem sku"})
    required = ("Name", "Created at", "Lineitem quantity", "Lineitem sku", "Lineitem price")
    _VOID = frozenset({"voided", "expired"})

    def rows(self, records):
        name_at, created_at, quantity_at, sku_at, price_at = (self.position(c) for c in self.required)
        financial_at, cancelled_at = self.position("Financial Status"), self.position("Cancelled at")
        item_at = self.position("Lineitem name")
        orders: OrderedDict[str, _Order] = OrderedDict()  # the most recent orders only: see ORDERS_REMEMBERED
        current = ""
        for number, record in records:
            problems: list[Problem] = []
            name = _cell(record, name_at) or current
            current = name
            sku = _cell(record, sku_at)
            if not name:
                problems.append(Problem(number, "Name", "", "the cell is empty; every line needs its order name"))
            elif len(name) > MAX_REF:
                problems.append(Problem(number, "Name", name[:80], f"is longer than {MAX_REF} characters"))
            order = orders.get(name)
            if order is None:
                order = orders[name] = _Order()
                if len(orders) > ORDERS_REMEMBERED:
                    orders.popitem(last=False)
            else:
                orders.move_to_end(name)
            order.created = order.created or _cell(record, created_at)
            order.financial = order.financial or _cell(record, financial_at).lower()
            order.cancelled = order.cancelled or _cell(record, cancelled_at)
            order.lines += 1
            position = order.lines
            created = _cell(record, created_at) or order.created
            date = _read(problems, number, "Created at", created, iso_date)
            quantity_text = _cell(record, quantity_at)
            quantity = _read(problems, number, "Lineitem quantity", quantity_text, whole_number)
            price_text = _cell(record, price_at)
            price = _read(problems, number, "Lineitem price", price_text, money)
            if not sku:
                item = _cell(record, item_at)
                what = f"'{item}' has no SKU" if item else "the item has no SKU"
                problems.append(
                    Problem(number, "Lineitem sku", "", f"the cell is empty; {what}, so it can't be matched")
                )
            if problems:
                yield Row(number, sku, problems=problems)
                continue
            lines = [Line(date, quantity, price, SalesChannel.SHOPIFY, name, str(position))]
            reversal = self._reversal(order)
            if reversal:
                lines.append(Line(date, -quantity, price, SalesChannel.SHOPIFY, name, f"{position}-refund"))
            yield Row(number, sku, lines)

    def _reversal(self, order: _Order) -> bool:
        if order.cancelled or order.financial in self._VOID:
            self._count(order, "cancelled_orders")
            return True
        if order.financial == "refunded":
            self._count(order, "refunded_orders")
            return True
        if order.financial == "partially_refunded":
            self._count(order, "partially_refunded_orders")
        return False

    def _count(self, order: _Order, stat: str) -> None:
        if not order.counted:
            order.counted = True
            self.stats[stat] += 1

    def notes(self) -> list[str]:
        notes = []
        if n := self.stats["cancelled_orders"]:
            notes.append(
                f"{n:,} cancelled order{'s' if n != 1 else ''}: each line is paired with a reversing line, so the order nets to zero."
            )
        if n := self.stats["refunded_orders"]:
            notes.append(
                f"{n:,} fully refunded order{'s' if n != 1 else ''}: each line is paired with a negative refund line on the order date."
            )
        if n := self.stats["partially_refunded_orders"]:
            notes.append(
                f"{n:,} partially refunded order{'s' if n != 1 else ''} count{'' if n != 1 else 's'} as sold: the orders export "
                "doesn't say which items were refunded. Add returns as plain-CSV lines with a negative quantity if they matter."
            )
        return notes


class EtsySoldItems(SalesFormat):
    """Etsy Shop Manager → Settings → Options → Download data → Orders: "Sold order items"."""

    key = "etsy"
    label = "Etsy sold order items CSV"
    signature = frozenset({"sale date", "order id"})
    required = ("Sale Date", "Quantity", "Price", "SKU", "Order ID", "Transaction ID")

    def rows(self, records):
        date_at, quantity_at, price_at, sku_at, order_at, transaction_at = (self.position(c) for c in self.required)
        for number, record in records:
            problems: list[Problem] = []
            sku = _cell(record, sku_at)
            date_text = _cell(record, date_at)
            date = _read(problems, number, "Sale Date", date_text, _etsy_date)
            quantity_text = _cell(record, quantity_at)
            quantity = _read(problems, number, "Quantity", quantity_text, whole_number)
            price_text = _cell(record, price_at)
            price = _read(problems, number, "Price", price_text, money)
            if not sku:
                problems.append(
                    Problem(number, "SKU", "", "the cell is empty; give the listing a SKU on Etsy so it can be matched")
                )
            order_ref, line_ref = _cell(record, order_at), _cell(record, transaction_at)
            for column, ref in (("Order ID", order_ref), ("Transaction ID", line_ref)):
                if not ref:
                    problems.append(Problem(number, column, "", "the cell is empty"))
                elif len(ref) > MAX_REF:
                    problems.append(Problem(number, column, ref[:80], f"is longer than {MAX_REF} characters"))
            if problems:
                yield Row(number, sku, problems=problems)
                continue
            yield Row(number, sku, [Line(date, quantity, price, SalesChannel.ETSY, order_ref, line_ref)])


def _etsy_date(text: str) -> dt.date:
    try:
        return us_date(text)
    except BadValue:
        try:
            return iso_date(text)  # re-saved by a spreadsheet
        except BadValue:
            pass
        raise


_CHANNELS: dict[str, str] = {}
for _value, _label in SalesChannel.choices:
    for _alias in (_value, _value.replace("_", " "), _label):
        _CHANNELS[_alias.lower()] = _value


class PlainSales(SalesFormat):
    """date,sku,quantity[,unit_price,channel,order_id]: a market stall's own records.

    Without an order id the order reference is the day. The line reference is a
    hash of the row's content plus how many identical rows came before it in the
    file (plain_line_ref; the import counts them in its staging table, so memory
    doesn't grow with the file), so re-importing the same file adds nothing,
    appending rows adds only those, and two identical rows (the same mug sold
    twice that day) stay two sales.
    A missing price means the variant's price; a missing channel means "other".
    """

    key = "plain"
    label = "plain CSV"
    signature = frozenset({"date", "sku", "quantity"})
    required = ("date", "sku", "quantity")
    optional = ("unit_price", "channel", "order_id")

    def rows(self, records):
        date_at, sku_at, quantity_at = (self.position(c) for c in self.required)
        price_at = self.position("unit_price", "price")
        channel_at = self.position("channel")
        order_at = self.position("order_id", "order")
        for number, record in records:
            problems: list[Problem] = []
            sku = _cell(record, sku_at)
            date_text = _cell(record, date_at)
            date = _read(problems, number, "date", date_text, iso_date)
            quantity_text = _cell(record, quantity_at)
            quantity = _read(problems, number, "quantity", quantity_text, whole_number, allow_negative=True)
            price_text = _cell(record, price_at)
            price = None
            if price_text:
                price = _read(problems, number, "unit_price", price_text, money)
            channel_text = _cell(record, channel_at)
            channel = _CHANNELS.get(channel_text.lower()) if channel_text else SalesChannel.OTHER
            if channel is None:
                problems.append(
                    Problem(
                        number,
                        "channel",
                        channel_text,
                        f"{channel_text!r} is not a channel; use one of {', '.join(SalesChannel.values)}",
                    )
                )
            order_id = _cell(record, order_at)
            if len(order_id) > MAX_REF:
                problems.append(Problem(number, "order_id", order_id[:80], f"is longer than {MAX_REF} characters"))
            if not sku:
                problems.append(Problem(number, "sku", "", "the cell is empty; a SKU is required"))
            if problems:
                yield Row(number, sku, problems=problems)
                continue
            content = f"{date.isoformat()}\x1f{sku}\x1f{quantity}\x1f{price if price is not None else ''}\x1f{channel}\x1f{order_id}"
            yield Row(
                number,
                sku,
                [Line(date, quantity, price, channel, order_id or f"day-{date.isoformat()}", "")],
                content=content,
            )

    def notes(self) -> list[str]:
        known = {_normalise(name) for name in (*self.required, *self.optional, "price", "order")}
        ignored = [name for name in self.columns if name and name not in known]
        return [f"Ignored column{'s' if len(ignored) != 1 else ''}: {', '.join(ignored)}."] if ignored else []


FORMATS: dict[str, type[SalesFormat]] = {fmt.key: fmt for fmt in (ShopifyOrders, EtsySoldItems, PlainSales)}
