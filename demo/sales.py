"""Two years of believable daily sales for the demo studio.

Handmade demand is sparse and lumpy: most variants sell nothing on most days,
then three on one afternoon. So each variant's daily orders are drawn from a
negative binomial (a Poisson whose rate is itself gamma-distributed) around a
rate shaped by the things a small studio actually sees: the week (online
browsing peaks on Sunday evening, the studio shop opens on Saturdays), the
year (candles and throws sell in winter), Christmas with Black Friday, Mothering
Sunday and Valentine's Day for gifts, markets, steady growth, and launch dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

ETSY, SHOPIFY, IN_PERSON = "etsy", "shopify", "in_person"
CHANNELS = (ETSY, SHOPIFY, IN_PERSON)

# How each category's ordinary demand moves through the year: amplitude and the
# day of the year it peaks (before the Christmas rush, which comes on top).
SEASONALITY: dict[str, tuple[float, int]] = {
    "Ceramics": (0.12, 320),
    "Textiles": (0.18, 330),
    "Jewellery": (0.1, 340),
    "Candles": (0.42, 345),
}
# Gift occasions, per category: (Mothering Sunday, Valentine's Day) multipliers.
GIFTING: dict[str, tuple[float, float]] = {
    "Ceramics": (1.3, 1.0),
    "Textiles": (1.15, 1.0),
    "Jewellery": (1.9, 1.7),
    "Candles": (1.9, 1.3),
}
ONLINE_WEEK = np.array([1.15, 1.05, 1.0, 0.95, 0.85, 0.8, 1.2])  # Monday .. Sunday
ONLINE_WEEK = ONLINE_WEEK / ONLINE_WEEK.mean()
IN_PERSON_SHARE = 0.18
GROWTH_PER_YEAR = 0.3


@dataclass(frozen=True)
class Demand:
    """One variant's selling pattern."""

    sku: str
    category: str
    unit_price: Decimal
    weekly_units: float  # in an ordinary week, before seasons and occasions
    launched: dt.date | None = None
    seasonal: str = ""  # "", "winter" or "christmas"
    extra_units: float = 0.2  # mean of extra units in one order line (tins come in twos and threes)


@dataclass(frozen=True)
class SaleLine:
    sku: str
    date: dt.date
    quantity: int
    unit_price: Decimal
    channel: str
    order_ref: str
    line_ref: str


def easter(year: int) -> dt.date:
    """Easter Sunday: the forecasting engine's holiday calendar computes it, the demo reuses it."""
    from forecasting.engine.holidays import easter_sunday

    return easter_sunday(year)


def mothering_sunday(year: int) -> dt.date:
    """The UK's Mother's Day: the fourth Sunday of Lent, three weeks before Easter."""
    return easter(year) - dt.timedelta(days=21)


def black_friday(year: int) -> dt.date:
    nov1 = dt.date(year, 11, 1)
    first_friday = nov1 + dt.timedelta(days=(4 - nov1.weekday()) % 7)
    return first_friday + dt.timedelta(weeks=3)


@dataclass(frozen=True)
class Calendar:
    """Per-day multipliers shared by every variant, computed once."""

    dates: list[dt.date]
    online: np.ndarray  # week shape × Christmas × Black Friday × January lull
    in_person: np.ndarray  # studio Saturdays, markets, Christmas markets
    season_day: np.ndarray  # cos() phase input: day of the year
    mothering: np.ndarray  # 1 in the fortnight of Mothering Sunday gifting, else 0
    valentine: np.ndarray
    growth: np.ndarray
    etsy_share: np.ndarray  # of online orders; the studio's own shop grows its share


def calendar(*, start: dt.date, end: dt.date) -> Calendar:
    dates = [start + dt.timedelta(days=i) for i in range(0, (end - start).days + 1)]
    n = len(dates)
    online = np.empty(n)
    in_person = np.zeros(n)
    mothering = np.zeros(n)
    valentine = np.zeros(n)
    for i, d in enumerate(dates):
        f = ONLINE_WEEK[d.weekday()]
        nov10, dec18 = dt.date(d.year, 11, 10), dt.date(d.year, 12, 18)
        if nov10 <= d <= dec18:  # the Christmas rush, building to the last posting days
            f *= 1.0 + 1.7 * ((d - nov10).days / (dec18 - nov10).days) ** 1.3
        elif dt.date(d.year, 12, 19) <= d <= dt.date(d.year, 12, 23):
            f *= 1.3
        elif dt.date(d.year, 12, 24) <= d <= dt.date(d.year, 12, 26):
            f *= 0.2
        elif d >= dt.date(d.year, 12, 27) or d <= dt.date(d.year, 1, 20):
            f *= 0.7
        bf = black_friday(d.year)
        if bf <= d <= bf + dt.timedelta(days=3):  # Black Friday to Cyber Monday
            f *= 1.8
        online[i] = f
        # The studio shop opens on Saturdays; a farmers' market on the first Saturday
        # and the third Sunday of the month; Christmas markets every late-autumn weekend.
        if d.weekday() == 5:
            in_person[i] = 1.0 + (1.5 if d.day <= 7 else 0.0)
        if d.weekday() == 6 and 15 <= d.day <= 21:
            in_person[i] += 1.5
        if d.weekday() >= 5 and dt.date(d.year, 11, 20) <= d <= dt.date(d.year, 12, 20):
            in_person[i] += 2.5
        ms = mothering_sunday(d.year)
        if ms - dt.timedelta(days=16) <= d <= ms - dt.timedelta(days=1):
            mothering[i] = 1.0
        if dt.date(d.year, 2, 1) <= d <= dt.date(d.year, 2, 12):
            valentine[i] = 1.0
    days = np.arange(n)
    return Calendar(
        dates=dates,
        online=online,
        in_person=in_person,
        season_day=np.array([d.timetuple().tm_yday for d in dates], dtype=float),
        mothering=mothering,
        valentine=valentine,
        growth=1.0 + GROWTH_PER_YEAR * days / 365.0,
        etsy_share=0.62 - 0.2 * days / max(1, n - 1),
    )


def _seasonal(demand: Demand, cal: Calendar) -> np.ndarray:
    amplitude, peak = SEASONALITY.get(demand.category, (0.1, 330))
    season = 1.0 + amplitude * np.cos(2 * np.pi * (cal.season_day - peak) / 365.25)
    if demand.seasonal == "winter":
        season = season * (1.0 + 0.75 * np.cos(2 * np.pi * (cal.season_day - 355) / 365.25))
    if demand.seasonal == "christmas":  # poured from October, gone by Christmas Eve
        on_sale = np.array([(d.month >= 10 and not (d.month == 12 and d.day > 23)) for d in cal.dates])
        season = season * on_sale
    mothers, valentines = GIFTING.get(demand.category, (1.0, 1.0))
    return season * (1 + (mothers - 1) * cal.mothering) * (1 + (valentines - 1) * cal.valentine)


def generate_sales(*, demand: Sequence[Demand], start: dt.date, end: dt.date, seed: int) -> list[SaleLine]:
    """Order lines for every variant from start to end inclusive, the same for the same seed.

    Each variant draws its days from its own random stream, so one variant's
    history doesn't shift when another's demand is tuned.
    """
    cal = calendar(start=start, end=end)
    n_days = len(cal.dates)
    in_person_week = cal.in_person.sum() / n_days * 7  # so in-person sales average their share
    raw: list[tuple[int, int, int, int]] = []  # (day, channel, variant index, quantity)
    for v, d in enumerate(demand):
        rng = np.random.default_rng([seed, 1, v])
        daily = d.weekly_units / 7.0 * _seasonal(d, cal) * cal.growth
        if d.launched is not None:
            daily = daily * np.array([day >= d.launched for day in cal.dates])
        orders_per_unit = 1.0 / (1.0 + d.extra_units)
        online = daily * (1 - IN_PERSON_SHARE) * cal.online * orders_per_unit
        rates = np.stack(
            [
                online * cal.etsy_share,
                online * (1 - cal.etsy_share),
                daily * 7 * IN_PERSON_SHARE * cal.in_person / in_person_week * orders_per_unit,
            ]
        )
        # Gamma-mixed Poisson: bursts and long gaps rather than an even trickle.
        shape = 0.55
        orders = rng.poisson(rates * rng.gamma(shape, 1.0 / shape, size=rates.shape))
        for channel, day in zip(*np.nonzero(orders), strict=True):
            extra = rng.poisson(d.extra_units, size=int(orders[channel, day]))
            for q in np.minimum(1 + extra, 6):
                raw.append((int(day), int(channel), v, int(q)))
    return _into_orders(raw, demand=demand, cal=cal, n_days=n_days, seed=seed)


def _into_orders(
    raw: list[tuple[int, int, int, int]], *, demand: Sequence[Demand], cal: Calendar, n_days: int, seed: int
) -> list[SaleLine]:
    """Group lines into orders with each channel's own kind of reference, and add refunds."""
    rng = np.random.default_rng([seed, 2])
    order = rng.permutation(len(raw))  # shuffle within a day, then sort stably by day and channel
    lines = sorted((raw[i] for i in order), key=lambda r: (r[0], r[1]))
    out: list[SaleLine] = []
    shopify_no = 1000
    in_person_no: dict[int, int] = {}
    etsy_no: dict[int, int] = {}
    current: dict[int, tuple[str, int, int, set[int]]] = {}  # channel -> (ref, day, lines, variants)
    for day, channel, v, q in lines:
        date = cal.dates[day]
        open_order = current.get(channel)
        joins = (
            open_order is not None
            and open_order[1] == day
            and open_order[2] < 4
            and v not in open_order[3]
            and rng.random() < 0.16
        )
        if joins:
            ref, _, count, variants = open_order
            count += 1
            variants.add(v)
        else:
            if CHANNELS[channel] == SHOPIFY:
                shopify_no += 1
                ref = f"#{shopify_no}"
            elif CHANNELS[channel] == ETSY:
                # Etsy receipt numbers are global: they climb through the day with gaps.
                etsy_no[day] = etsy_no.get(day, 0) + 1
                ref = str(2_890_000_000 + day * 1_400_000 + etsy_no[day] * 15_000 + int(rng.integers(0, 15_000)))
            else:
                in_person_no[day] = in_person_no.get(day, 0) + 1
                ref = f"POS-{date:%y%m%d}-{in_person_no[day]:03d}"
            count, variants = 1, {v}
        current[channel] = (ref, day, count, variants)
        spec = demand[v]
        out.append(SaleLine(spec.sku, date, q, spec.unit_price, CHANNELS[channel], ref, str(count)))
        if CHANNELS[channel] != IN_PERSON and rng.random() < 0.012:  # returned, refunded a little later
            back = day + int(rng.integers(4, 22))
            if back < n_days:
                out.append(
                    SaleLine(spec.sku, cal.dates[back], -q, spec.unit_price, CHANNELS[channel], ref, f"R{count}")
                )
    out.sort(key=lambda line: (line.date, line.channel, line.order_ref, line.line_ref))
    return out
