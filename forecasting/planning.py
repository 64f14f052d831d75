"""The production planner ("predictive build"): forecasts, stock and makers' hours → a weekly plan.

Pure Python over plain dataclasses, so it runs in a worker, a test or a bench without the
database; forecasting.services builds the inputs and stores ProductionPlan.to_dict() as the
draft a person reviews.

How much to make. Each variant is reviewed once per plan week (periodic review, order-up-to):
at the start of plan week k it gets enough whole batches to bring its inventory position
(stock + work in progress + what earlier plan weeks make − expected sales so far) up to the
service-level quantile of its demand over the lead time plus one week.

Demand over a window. Adding per-week p90s overstates the window's p90 (busy weeks rarely all
come together), so the window is moment-matched instead: mean = sum of the weekly means,
variance = sum of the weekly variances with sigma = (p90 − p10) / 2.563 (the p10–p90 width of a
normal), partial weeks pro rata. The variance is floored at the mean: sales to independent
customers are at least Poisson-spread, and a forecast without a spread still gets some. The
quantile is that of a negative binomial with this mean and variance (Poisson when they are
equal): whole units and a long right tail, like handmade sales. Above a mean of 400 units the
normal approximation takes over (same answer there, and no long pmf sums).

Priority. Lines are planned in order of the week of their projected stock-out (days until
stock-out // 7, earliest first; none → last), then by margin × units at risk (units short of
the order-up-to level), highest first; SKU and variant id settle the rest. Within a week the
margin decides because capacity is weekly: two items that run out on Tuesday and Thursday
compete for the same hours. PlanLine.priority is that margin × units at risk.

Capacity is never exceeded: a batch goes into the earliest plan week from its own that still
has room for the whole batch and lets it be ready (week start + lead time) by the projected
stock-out; otherwise it is reported in `unplaced` with what did not fit. A later week's need
is computed as if earlier needs were made, so one shortfall is reported once (the reviewer adds
hours or accepts it); the nightly re-run asks for it again from the real stock.

Projected stock-out: stock + work in progress − cumulative expected (mean) sales, linear within
a week, at day precision; work in progress counts from today, since it is ready within the lead
time whatever is started now. Beyond the forecast, its last week's pace is assumed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, timedelta
from decimal import Decimal
from statistics import NormalDist
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

REVIEW_DAYS = 7  # plan weeks: the next chance to make more is a week later
SCHEMA = 1
_SIGMA_PER_P10_P90 = 2.563  # p90 − p10 of a normal is 2 × 1.2816 sigma
_NORMAL_ABOVE_MEAN = 400.0
_STOCKOUT_SEARCH_DAYS = 730
_NO_STOCKOUT_WEEK = 10**6
_EPS = 1e-9
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class VariantDemand:
    """One variant's forecast in weekly buckets, with what the planner needs to know about making it."""

    variant_id: int
    sku: str
    product_id: int
    product_title: str
    variant_title: str
    maker_id: int
    week_starts: list[date]  # Monday of each forecast week, consecutive
    mean: list[float]
    p10: list[float]
    p50: list[float]
    p90: list[float]
    stock_on_hand: int
    work_in_progress: int  # units already being made, ready within the lead time
    minutes_per_unit: int
    batch_size: int
    lead_time_days: int
    unit_margin: Decimal | float
    made_to_order: bool


@dataclass(frozen=True)
class MakerCapacity:
    maker_id: int
    name: str
    weekly_hours: float


class JsonSnapshot:
    """to_dict()/from_dict() for the plan's dataclasses: dates as ISO strings, Decimals as strings."""

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        hints = get_type_hints(cls)
        return cls(**{f.name: _from_jsonable(hints[f.name], data[f.name]) for f in fields(cls) if f.name in data})


@dataclass(frozen=True)
class PlanLine(JsonSnapshot):
    variant_id: int
    sku: str
    product_title: str
    variant_title: str
    quantity: int
    minutes: int
    reason: str
    stockout_date: date | None
    priority: float  # margin × units at risk


@dataclass(frozen=True)
class WeekPlan(JsonSnapshot):
    week_start: date
    lines: list[PlanLine]
    minutes_used: int
    minutes_available: int

    @property
    def hours_used(self) -> float:
        return self.minutes_used / 60

    @property
    def hours_available(self) -> float:
        return self.minutes_available / 60


@dataclass(frozen=True)
class MakerPlan(JsonSnapshot):
    maker_id: int
    name: str
    weekly_hours: float
    weeks: list[WeekPlan]


@dataclass(frozen=True)
class Unplaced(JsonSnapshot):
    variant_id: int
    sku: str
    quantity_needed: int
    reason: str
    product_title: str = ""  # plans stored before it had one read back with ""


@dataclass(frozen=True)
class Skipped(JsonSnapshot):
    variant_id: int
    sku: str
    reason: str


@dataclass(frozen=True)
class ProductionPlan(JsonSnapshot):
    start: date
    weeks: int
    service_level: float
    makers: list[MakerPlan]
    unplaced: list[Unplaced]
    skipped: list[Skipped]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe snapshot for the review queue; from_dict() reads it back equal."""
        return {"schema": SCHEMA, **super().to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProductionPlan:
        if data.get("schema", SCHEMA) != SCHEMA:
            raise ValueError(f"Unknown production plan schema {data.get('schema')!r}.")
        return super().from_dict(data)


def to_jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _from_jsonable(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    if get_origin(hint) is list:
        return [_from_jsonable(get_args(hint)[0], item) for item in value]
    if get_origin(hint) in (Union, UnionType):
        return _from_jsonable(next(arg for arg in get_args(hint) if arg is not type(None)), value)
    if isinstance(hint, type) and issubclass(hint, JsonSnapshot):
        return hint.from_dict(value)
    if hint is date:
        return date.fromisoformat(value)
    if hint is Decimal:
        return Decimal(value)
    return value


class DemandCurve:
    """A variant's forecast as piecewise-constant daily rates over day ordinals.

    Before the first forecast week the first week's rate applies, after the last week the
    last week's: a plan or alert may look a little past what was forecast.
    """

    def __init__(self, demand: VariantDemand) -> None:
        weeks = len(demand.week_starts)
        for name in ("mean", "p10", "p50", "p90"):
            if len(getattr(demand, name)) != weeks:
                raise ValueError(f"{demand.sku}: {name} has {len(getattr(demand, name))} weeks, expected {weeks}.")
        for a, b in zip(demand.week_starts, demand.week_starts[1:]):
            if (b - a).days != 7:
                raise ValueError(f"{demand.sku}: forecast weeks must be consecutive ({a} then {b}).")
        self.origin = demand.week_starts[0].toordinal() if weeks else 0
        self.means = [_non_negative(m) for m in demand.mean]
        self.variances = [
            (max(0.0, _non_negative(hi) - _non_negative(lo)) / _SIGMA_PER_P10_P90) ** 2
            for lo, hi in zip(demand.p10, demand.p90)
        ]

    def _pieces(self, a: float, b: float) -> Iterator[tuple[float, float, int]]:
        """(from, to, forecast week) pieces of [a, b); weeks outside the forecast clamp to its ends."""
        last, end = len(self.means) - 1, self.origin + 7 * len(self.means)
        t = a
        while t < b:
            if t < self.origin:
                to, week = min(b, self.origin), 0
            elif t >= end:
                to, week = b, last
            else:
                week = min(last, int((t - self.origin) // 7))
                to = min(b, self.origin + 7 * (week + 1))
            if to <= t:  # float edge at a week boundary
                to = min(b, t + 1e-6)
            yield t, to, week
            t = to

    def mean_between(self, a: float, b: float) -> float:
        if not self.means:
            return 0.0
        return sum((to - t) * self.means[w] / 7 for t, to, w in self._pieces(a, b))

    def moments(self, a: float, b: float) -> tuple[float, float]:
        """Mean and variance of demand in [a, b)."""
        if not self.means:
            return 0.0, 0.0
        pieces = list(self._pieces(a, b))
        mean = sum((to - t) * self.means[w] / 7 for t, to, w in pieces)
        variance = sum((to - t) * self.variances[w] / 7 for t, to, w in pieces)
        return mean, variance

    def stockout_day(self, position: float, start: float, *, within: int = _STOCKOUT_SEARCH_DAYS) -> float | None:
        """The day ordinal (fractional) at which expected sales from start use up position, or None."""
        if position <= _EPS:
            return start
        if not self.means:
            return None
        used = 0.0
        for t, to, w in self._pieces(start, start + within):
            rate = self.means[w] / 7
            if rate > 0 and used + rate * (to - t) >= position - _EPS:
                return t + (position - used) / rate
            used += rate * (to - t)
        return None


def projected_stockout(demand: VariantDemand, *, start: date, position: float | None = None) -> date | None:
    """First day on which expected sales can no longer be met from stock + work in progress (day precision)."""
    if position is None:
        position = demand.stock_on_hand + demand.work_in_progress
    day = DemandCurve(demand).stockout_day(position, start.toordinal())
    return None if day is None else date.fromordinal(math.floor(day + _EPS))


def demand_quantile(mean: float, variance: float, level: float) -> int:
    """Smallest whole number of sales not exceeded with probability `level` (see the module docstring)."""
    if mean <= _EPS:
        return 0
    variance = max(variance, mean)
    if mean > _NORMAL_ABOVE_MEAN:
        return max(0, math.ceil(mean + NormalDist().inv_cdf(level) * math.sqrt(variance) - 0.5))
    if variance <= mean * (1 + 1e-9):
        prob, step = math.exp(-mean), lambda k: mean / (k + 1)
    else:
        p = mean / variance
        r = mean * p / (1 - p)
        prob, step = math.exp(r * math.log(p)), lambda k: (k + r) / (k + 1) * (1 - p)
    cdf, k = prob, 0
    while cdf < level - 1e-12 and k < 100_000:
        prob *= step(k)
        k += 1
        cdf += prob
    return k


@dataclass
class _Need:
    demand: VariantDemand
    week: int
    quantity: int
    batch: int
    latest_week: int
    stockout: date | None
    value_at_risk: float
    reason: str
    stockout_week: int  # whole weeks from the plan start to the projected stock-out

    @property
    def sort_key(self) -> tuple:
        return (
            self.stockout_week,
            -self.value_at_risk,
            self.stockout or date.max,
            self.week,
            self.demand.sku,
            self.demand.variant_id,
        )


def plan_production(
    *,
    demands: list[VariantDemand],
    makers: list[MakerCapacity],
    start: date,
    weeks: int = 4,
    service_level: float = 0.95,
) -> ProductionPlan:
    """What each maker should make in each of the next `weeks` weeks, never over their hours."""
    if weeks < 1:
        raise ValueError("A plan needs at least one week.")
    if not 0 < service_level < 1:
        raise ValueError("service_level must be between 0 and 1, e.g. 0.95.")
    week_starts = [start + timedelta(weeks=k) for k in range(weeks)]
    capacities: dict[int, MakerCapacity] = {}
    for maker in sorted(makers, key=lambda m: (m.name.lower(), m.maker_id)):
        capacities.setdefault(maker.maker_id, maker)
    available = {m.maker_id: max(0, math.floor(m.weekly_hours * 60 + _EPS)) for m in capacities.values()}
    left = {(maker_id, k): minutes for maker_id, minutes in available.items() for k in range(weeks)}

    skipped: list[Skipped] = []
    needs: list[_Need] = []
    for demand in sorted(demands, key=lambda d: (d.sku, d.variant_id)):
        if demand.made_to_order:
            skipped.append(Skipped(demand.variant_id, demand.sku, "made to order: made when an order comes in"))
        else:
            needs.extend(_needs(demand, start=start, weeks=weeks, service_level=service_level))
    needs.sort(key=lambda need: need.sort_key)

    placed: dict[tuple[int, int], dict[int, PlanLine]] = {}
    unplaced: dict[int, tuple[int, Unplaced]] = {}  # variant → (plan week of the need, what did not fit)
    for need in needs:
        demand = need.demand
        if demand.maker_id not in capacities:
            _add_unplaced(unplaced, need, need.quantity, f"no making hours set for maker #{demand.maker_id}")
            continue
        per_batch = need.batch * max(0, demand.minutes_per_unit)
        batches = need.quantity // need.batch
        for k in range(need.week, need.latest_week + 1):
            key = (demand.maker_id, k)
            fits = batches if per_batch == 0 else min(batches, left[key] // per_batch)
            if fits:
                left[key] -= fits * per_batch
                _add_line(
                    placed.setdefault(key, {}),
                    need,
                    fits * need.batch,
                    fits * per_batch,
                    moved_from=week_starts[need.week] if k > need.week else None,
                )
                batches -= fits
        if batches:
            _add_unplaced(unplaced, need, batches * need.batch, _did_not_fit(need, per_batch, left, week_starts))

    maker_plans = [
        MakerPlan(
            maker.maker_id,
            maker.name,
            maker.weekly_hours,
            [
                WeekPlan(
                    week_starts[k],
                    list(placed.get((maker.maker_id, k), {}).values()),
                    available[maker.maker_id] - left[(maker.maker_id, k)],
                    available[maker.maker_id],
                )
                for k in range(weeks)
            ],
        )
        for maker in capacities.values()
    ]
    return ProductionPlan(start, weeks, service_level, maker_plans, [u for _, u in unplaced.values()], skipped)


def _needs(demand: VariantDemand, *, start: date, weeks: int, service_level: float) -> Iterator[_Need]:
    curve = DemandCurve(demand)
    origin = start.toordinal()
    batch, lead = max(1, demand.batch_size), max(0, demand.lead_time_days)
    position = demand.stock_on_hand + demand.work_in_progress
    planned = 0
    for k in range(weeks):
        week_start = origin + 7 * k
        position_k = position + planned - curve.mean_between(origin, week_start)
        window_end = week_start + lead + REVIEW_DAYS
        target = demand_quantile(*curve.moments(week_start, window_end), service_level)
        short = target - position_k
        if short <= _EPS:
            continue
        quantity = math.ceil(short / batch - _EPS) * batch
        stockout_day = curve.stockout_day(position + planned, origin)
        stockout = None if stockout_day is None else date.fromordinal(math.floor(stockout_day + _EPS))
        latest = k
        if stockout is None:
            latest = weeks - 1
        else:
            while latest + 1 < weeks and origin + 7 * (latest + 1) + lead <= stockout.toordinal():
                latest += 1
        yield _Need(
            demand=demand,
            week=k,
            quantity=quantity,
            batch=batch,
            latest_week=latest,
            stockout=stockout,
            value_at_risk=round(_finite(demand.unit_margin) * short, 2),
            reason=_reason(
                demand,
                curve,
                start=date.fromordinal(week_start),
                plan_start=start,
                lead=lead,
                stockout=stockout,
                target=target,
                window_end=date.fromordinal(window_end),
                rounded_up=quantity - math.ceil(short - _EPS),
                service_level=service_level,
            ),
            stockout_week=_NO_STOCKOUT_WEEK if stockout is None else max(0, (stockout - start).days // 7),
        )
        planned += quantity


def _reason(
    demand: VariantDemand,
    curve: DemandCurve,
    *,
    start: date,
    plan_start: date,
    lead: int,
    stockout: date | None,
    target: int,
    window_end: date,
    rounded_up: int,
    service_level: float,
) -> str:
    days = lead or REVIEW_DAYS
    sales = curve.mean_between(start.toordinal(), start.toordinal() + days)
    over = f"over the {lead}-day lead time" if lead else "over the next week"
    expected = f"{_count(sales)} expected {'sale' if _count(sales) in ('1', 'under 1') else 'sales'} {over}"
    if stockout is not None and stockout <= plan_start:
        parts = ["out of stock now", expected]
    elif stockout is not None and stockout <= window_end:
        parts = [f"projected stock-out on {day_month(stockout)}", expected]
    else:
        parts = [
            f"safety stock: up to {target} could sell by {day_month(window_end)} ({_odds_in_words(service_level)})",
            expected,
        ]
    if rounded_up > 0 and demand.batch_size > 1:
        parts.append(f"rounded up to batches of {demand.batch_size}")
    if demand.minutes_per_unit <= 0:
        parts.append("making time not set")
    return "; ".join(parts)


def _add_line(lines: dict[int, PlanLine], need: _Need, quantity: int, minutes: int, *, moved_from: date | None) -> None:
    demand, earlier = need.demand, lines.get(need.demand.variant_id)
    if earlier is not None:  # two plan weeks' needs of one variant landed in the same week: one line
        lines[demand.variant_id] = PlanLine(
            earlier.variant_id,
            earlier.sku,
            earlier.product_title,
            earlier.variant_title,
            earlier.quantity + quantity,
            earlier.minutes + minutes,
            earlier.reason,
            min((d for d in (earlier.stockout_date, need.stockout) if d), default=None),
            max(earlier.priority, need.value_at_risk),
        )
        return
    reason = need.reason
    if moved_from is not None:
        reason += f"; moved from the full week of {day_month(moved_from)}"
    lines[demand.variant_id] = PlanLine(
        demand.variant_id,
        demand.sku,
        demand.product_title,
        demand.variant_title,
        quantity,
        minutes,
        reason,
        need.stockout,
        need.value_at_risk,
    )


def _add_unplaced(unplaced: dict[int, tuple[int, Unplaced]], need: _Need, quantity: int, reason: str) -> None:
    """One entry per variant: quantities add up, the earliest plan week's reason stays."""
    week, earlier = unplaced.get(need.demand.variant_id, (need.week, None))
    if earlier is not None:
        quantity += earlier.quantity_needed
        reason = earlier.reason if week <= need.week else reason
    unplaced[need.demand.variant_id] = (
        min(week, need.week),
        Unplaced(need.demand.variant_id, need.demand.sku, quantity, reason, need.demand.product_title),
    )


def _did_not_fit(need: _Need, per_batch: int, left: dict[tuple[int, int], int], week_starts: list[date]) -> str:
    maker_id = need.demand.maker_id
    weeks = range(need.week, need.latest_week + 1)
    roomiest = max(weeks, key=lambda k: (left[(maker_id, k)], -k))
    needs, room = f"needs {hours(per_batch)} for a batch of {need.batch}", hours(left[(maker_id, roomiest)])
    roomiest_week = day_month(week_starts[roomiest])
    if len(weeks) == 1:
        text = f"did not fit: {needs}, {room} left in week of {roomiest_week}"
    else:
        span = f"{day_month(week_starts[weeks[0]])}–{day_month(week_starts[weeks[-1]])}"
        text = f"did not fit in the weeks of {span}: {needs}, at most {room} left (week of {roomiest_week})"
    if need.stockout is not None:
        text += f"; projected stock-out on {day_month(need.stockout)}"
    return text


def day_month(day: date) -> str:
    """8 Dec: the short date makers read in plans and alerts (English, whatever the server locale)."""
    return f"{day.day} {_MONTHS[day.month - 1]}"


def hours(minutes: float) -> str:
    """6 h, 1.5 h, 40 min."""
    if 0 < minutes < 60:
        return f"{round(minutes)} min"
    return f"{round(minutes / 60, 1):g} h"


def _count(units: float) -> str:
    if units <= 0:
        return "no"
    if units < 0.5:
        return "under 1"
    return f"{math.floor(units + 0.5):,}"


def _finite(value: Decimal | float) -> float:
    value = float(value)
    return value if math.isfinite(value) else 0.0


def _non_negative(value: float) -> float:
    return max(0.0, _finite(value))


def _odds_in_words(service_level: float) -> str:
    """0.95 → "enough in 19 weeks out of 20": a service level as a maker would say it."""
    misses = round((1 - service_level) * 20)
    if misses <= 0:
        return "enough in almost every week"
    if misses >= 20:
        return "enough only in a quiet week"
    if 20 % misses == 0:
        out_of = 20 // misses
        return f"enough in {out_of - 1} weeks out of {out_of}"
    return f"enough in {20 - misses} weeks out of 20"
