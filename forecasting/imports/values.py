"""Cell values as shops write them: whole numbers, money with symbols and separators, dates.

Each parser raises BadValue with the message the row report shows
("'two' is not a whole number"). Results are cached per distinct text because a
sales file repeats the same dates and prices thousands of times.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from studio.parsing import ascii_int

MAX_QUANTITY = 100_000  # more than this on one order line is a typo or a wrong column
MAX_PRICE = Decimal("99999999.99")  # Sale.unit_price: 10 digits, 2 decimals
_CENT = Decimal("0.01")
_CODES = "GBP|USD|EUR|CAD|AUD|NZD|CHF|SEK|NOK|DKK|JPY|INR"
_CURRENCY = re.compile(rf"^(?:(?:{_CODES})\s*)?[£$€¥₹]?|[£$€¥₹]?(?:\s*(?:{_CODES}))?$", re.IGNORECASE)
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[ T])")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")


class BadValue(ValueError):
    """A cell that can't be read; str() is the message for the row report."""


@lru_cache(maxsize=4096)
def whole_number(raw: str, *, allow_negative: bool = False) -> int:
    text = raw.strip()
    if not text:
        raise BadValue("the cell is empty; a quantity is required")
    if (ascii_value := ascii_int(text)) is not None:
        value = ascii_value
    else:
        cleaned = text.replace(",", "") if _THOUSANDS.match(text.lstrip("-")) else text
        try:
            number = Decimal(cleaned)
        except InvalidOperation:
            raise BadValue(f"{raw!r} is not a whole number") from None
        if not number.is_finite() or number != number.to_integral_value():
            raise BadValue(f"{raw!r} is not a whole number")
        value = int(number)
    if value == 0:
        raise BadValue(f"{raw!r} is zero; a sale line needs at least 1 unit")
    if value < 0 and not allow_negative:
        raise BadValue(f"{raw!r} is negative; quantities sold are 1 or more")
    if abs(value) > MAX_QUANTITY:
        raise BadValue(f"{raw!r} is more than {MAX_QUANTITY:,} units on one line")
    return value


@lru_cache(maxsize=4096)
def money(raw: str) -> Decimal:
    """12.50, £12.50, $1,234.00, 1.234,00 €, 12,50 EUR → Decimal with 2 places."""
    text = raw.strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        raise BadValue("the cell is empty; a price is required")
    text = _CURRENCY.sub("", text) or text
    if "," in text and "." in text:
        # Whichever separator comes last is the decimal one.
        text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
    elif "," in text:
        text = text.replace(",", "") if _THOUSANDS.match(text.lstrip("-")) else text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BadValue(f"{raw!r} is not a price") from None
    if not value.is_finite():
        raise BadValue(f"{raw!r} is not a price")
    if value < 0:
        raise BadValue(f"{raw!r} is negative; a price can't be")
    if value > MAX_PRICE:
        raise BadValue(f"{raw!r} is too large for a price")
    return value.quantize(_CENT)


@lru_cache(maxsize=8192)
def iso_date(raw: str) -> dt.date:
    """2024-03-01, 2024-03-01 10:15:32 +0000 or 2024-03-01T10:15:32Z: the date as written.

    Shopify writes the time in the shop's own time zone, so the written date is the
    shop's calendar day; converting to UTC would move late-evening sales a day on.
    """
    text = raw.strip()
    if not text:
        raise BadValue("the cell is empty; a date is required")
    match = _ISO_DATE.match(text)
    if not match:
        raise BadValue(f"{raw!r} is not a date; write it as YYYY-MM-DD")
    return _checked_date(raw, int(match[1]), int(match[2]), int(match[3]))


@lru_cache(maxsize=8192)
def us_date(raw: str) -> dt.date:
    """Etsy's MM/DD/YY (or MM/DD/YYYY)."""
    text = raw.strip()
    if not text:
        raise BadValue("the cell is empty; a date is required")
    match = _US_DATE.match(text)
    if not match:
        raise BadValue(f"{raw!r} is not a date; Etsy writes MM/DD/YY")
    year = int(match[3])
    return _checked_date(raw, year + 2000 if year < 100 else year, int(match[1]), int(match[2]))


def _checked_date(raw: str, year: int, month: int, day: int) -> dt.date:
    try:
        value = dt.date(year, month, day)
    except ValueError:
        raise BadValue(f"{raw!r} is not a real date") from None
    if value.year < 1990:
        raise BadValue(f"{raw!r} is before 1990")
    # A day of slack: the file may come from a time zone ahead of the server's.
    if value > dt.date.today() + dt.timedelta(days=1):
        raise BadValue(f"{raw!r} is in the future")
    return value
