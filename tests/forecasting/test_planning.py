"""The production planner: how much, when, for whom, and never over a maker's hours."""

import json
import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.planning import (
    MakerCapacity,
    ProductionPlan,
    VariantDemand,
    demand_quantile,
    plan_production,
    projected_stockout,
)

MONDAY = date(2025, 12, 1)


def demand(variant_id: int = 1, *, weekly: float = 7.0, weeks: int = 12, **changes) -> VariantDemand:
    fields = dict(
        variant_id=variant_id,
        sku=f"MUG-{variant_id}",
        product_id=variant_id,
        product_title="Celadon mug",
        variant_title="Large",
        maker_id=1,
        week_starts=[MONDAY + timedelta(weeks=i) for i in range(weeks)],
        mean=[weekly] * weeks,
        p10=[weekly * 0.6] * weeks,
        p50=[weekly] * weeks,
        p90=[weekly * 1.4] * weeks,
        stock_on_hand=0,
        work_in_progress=0,
        minutes_per_unit=30,
        batch_size=1,
        lead_time_days=7,
        unit_margin=Decimal("20.00"),
        made_to_order=False,
    )
    fields.update(changes)
    return VariantDemand(**fields)


INES = MakerCapacity(maker_id=1, name="Inès", weekly_hours=40)


def lines(plan: ProductionPlan) -> list:
    return [(week.week_start, line) for maker in plan.makers for week in maker.weeks for line in week.lines]


def planned_units(plan: ProductionPlan, variant_id: int) -> int:
    return sum(line.quantity for _, line in lines(plan) if line.variant_id == variant_id)


def test_stockout_date_and_reason_on_a_hand_checked_example():
    # 10 on the shelf + 2 being made = 12. Week of 1 Dec sells 7 (5 left), the next week 2 a day:
    # 2.5 more days, so the last unit goes during 10 Dec.
    mug = demand(weekly=7, mean=[7.0, 14.0] + [7.0] * 10, stock_on_hand=10, work_in_progress=2, lead_time_days=10)
    assert projected_stockout(mug, start=MONDAY) == date(2025, 12, 10)

    plan = plan_production(demands=[mug], makers=[INES], start=MONDAY)

    first_week, line = lines(plan)[0]
    assert first_week == MONDAY
    assert line.stockout_date == date(2025, 12, 10)
    # 7 in the first week + 3 days at 2 a day over the 10-day lead time.
    assert line.reason == "projected stock-out on 10 Dec; 13 expected sales over the 10-day lead time"


def test_stockout_is_linear_within_a_week_and_none_without_demand():
    assert projected_stockout(demand(weekly=7, stock_on_hand=3), start=MONDAY) == date(2025, 12, 4)
    assert projected_stockout(demand(weekly=7, stock_on_hand=0), start=MONDAY) == MONDAY
    assert projected_stockout(demand(weekly=0, stock_on_hand=5), start=MONDAY) is None


def test_variants_with_enough_stock_get_no_line():
    plan = plan_production(demands=[demand(weekly=2, stock_on_hand=500)], makers=[INES], start=MONDAY)
    assert lines(plan) == []
    assert plan.unplaced == []


def test_quantities_are_whole_batches():
    plan = plan_production(demands=[demand(weekly=7, batch_size=6)], makers=[INES], start=MONDAY, weeks=1)
    ((_, line),) = lines(plan)
    assert line.quantity % 6 == 0
    assert line.quantity - 6 < demand_quantile(14, 2 * (5.6 / 2.563) ** 2, 0.95) <= line.quantity
    assert line.minutes == line.quantity * 30
    assert "rounded up to batches of 6" in line.reason


def test_higher_service_level_makes_more():
    mug = demand(weekly=10, stock_on_hand=5)
    at_95 = plan_production(demands=[mug], makers=[INES], start=MONDAY, weeks=1, service_level=0.95)
    at_50 = plan_production(demands=[mug], makers=[INES], start=MONDAY, weeks=1, service_level=0.5)
    assert planned_units(at_95, 1) > planned_units(at_50, 1) > 0


@pytest.mark.parametrize(
    ("level", "words"),
    [
        (0.95, "enough in 19 weeks out of 20"),
        (0.9, "enough in 9 weeks out of 10"),
        (0.85, "enough in 17 weeks out of 20"),
    ],
)
def test_a_safety_stock_reason_says_the_service_level_in_words(level, words):
    plans = [
        plan_production(
            demands=[demand(weekly=10, stock_on_hand=stock)], makers=[INES], start=MONDAY, weeks=1, service_level=level
        )
        for stock in range(10, 40)
    ]
    reasons = [line.reason for plan in plans for _, line in lines(plan) if "safety stock" in line.reason]
    assert reasons, "some stock level leaves a safety-stock line"
    assert all(f"({words})" in reason and "service level" not in reason for reason in reasons)


def test_work_in_progress_reduces_what_is_needed():
    without = plan_production(demands=[demand(weekly=10)], makers=[INES], start=MONDAY, weeks=1)
    with_wip = plan_production(demands=[demand(weekly=10, work_in_progress=8)], makers=[INES], start=MONDAY, weeks=1)
    assert planned_units(without, 1) - planned_units(with_wip, 1) == 8


def test_window_quantile_is_below_the_sum_of_weekly_p90s():
    # Two weeks of 10 ± the forecast's spread: adding the weekly p90s (28) overstates the fortnight's p90.
    sigma = (14 - 6) / 2.563
    assert demand_quantile(20, 2 * sigma**2, 0.9) < 28
    assert demand_quantile(4, 4, 0.95) == 8  # Poisson(4): P(X ≤ 7) = 0.949, P(X ≤ 8) = 0.979
    assert demand_quantile(0, 0, 0.95) == 0


def test_made_to_order_is_skipped_with_a_reason():
    plan = plan_production(demands=[demand(made_to_order=True)], makers=[INES], start=MONDAY)
    assert lines(plan) == []
    (skipped,) = plan.skipped
    assert skipped.sku == "MUG-1"
    assert "made to order" in skipped.reason


# Batches of 30 at 7 minutes a unit: every need below is one batch, and 3.5 hours fit exactly one.
ONE_BATCH = MakerCapacity(1, "Inès", weekly_hours=3.5)


def big_batches(variant_id: int, sku: str, **changes) -> VariantDemand:
    return demand(variant_id, sku=sku, **{"weekly": 7, "batch_size": 30, "minutes_per_unit": 7, **changes})


def test_earliest_stockout_goes_first_even_over_a_bigger_margin():
    # The bowl runs out on 4 Dec, the vase on 11 Dec; with a 10-day lead time both must start
    # this week, and the bowl wins although the vase earns far more.
    bowl = big_batches(1, "BOWL", stock_on_hand=3, lead_time_days=10, unit_margin=5)
    vase = big_batches(2, "VASE", stock_on_hand=10, lead_time_days=10, unit_margin=80)

    plan = plan_production(demands=[vase, bowl], makers=[ONE_BATCH], start=MONDAY, weeks=1)

    assert [(line.sku, line.stockout_date) for _, line in lines(plan)] == [("BOWL", date(2025, 12, 4))]
    assert [(u.sku, u.quantity_needed) for u in plan.unplaced] == [("VASE", 30)]


def test_margin_breaks_the_tie_within_a_stockout_week():
    cheap = big_batches(1, "CHEAP", stock_on_hand=2, unit_margin=Decimal("4"))
    dear = big_batches(2, "DEAR", stock_on_hand=3, unit_margin=Decimal("40"))

    plan = plan_production(demands=[cheap, dear], makers=[ONE_BATCH], start=MONDAY, weeks=1)

    ((_, line),) = lines(plan)
    assert line.sku == "DEAR"
    assert [u.sku for u in plan.unplaced] == ["CHEAP"]
    # priority is margin × units short of the order-up-to level
    # over the 7-day lead time + a week: mean 14, two weeks of sigma (9.8 − 4.2) / 2.563
    short = demand_quantile(14, 2 * (5.6 / 2.563) ** 2, 0.95) - 3
    assert line.priority == pytest.approx(40 * short)


def test_what_does_not_fit_is_unplaced_with_what_did_not_fit():
    mug = demand(weekly=7, stock_on_hand=1, batch_size=6, minutes_per_unit=60, lead_time_days=10)
    short = MakerCapacity(1, "Inès", weekly_hours=7.5)

    plan = plan_production(demands=[mug], makers=[short], start=MONDAY, weeks=1)

    ((_, line),) = lines(plan)
    assert line.quantity == 6 and line.minutes == 360
    (unplaced,) = plan.unplaced
    assert unplaced.quantity_needed % 6 == 0 and unplaced.quantity_needed > 0
    assert unplaced.reason == (
        "did not fit: needs 6 h for a batch of 6, 1.5 h left in week of 1 Dec; projected stock-out on 2 Dec"
    )
    week = plan.makers[0].weeks[0]
    assert week.minutes_used == 360 and week.minutes_available == 450


def test_a_full_week_pushes_work_to_a_later_week_when_the_stockout_allows():
    urgent = big_batches(1, "URGENT", stock_on_hand=0)
    # Runs out on 11 Dec; made in the week of 8 Dec with a 3-day lead time it is still in time.
    later = big_batches(2, "LATER", stock_on_hand=10, lead_time_days=3, minutes_per_unit=1)

    plan = plan_production(demands=[urgent, later], makers=[ONE_BATCH], start=MONDAY, weeks=4)

    first, second = plan.makers[0].weeks[:2]
    assert [line.sku for line in first.lines] == ["URGENT"]
    assert [line.sku for line in second.lines] == ["LATER"]
    assert second.lines[0].reason.endswith("moved from the full week of 1 Dec")
    assert plan.unplaced == []


def test_an_urgent_need_is_not_pushed_past_its_stockout():
    urgent = big_batches(1, "URGENT", stock_on_hand=0)
    too_late = big_batches(2, "TOO-LATE", stock_on_hand=10, lead_time_days=7)  # week of 8 Dec + 7 days > 11 Dec

    plan = plan_production(demands=[urgent, too_late], makers=[ONE_BATCH], start=MONDAY, weeks=4)

    assert all(line.sku != "TOO-LATE" for week, line in lines(plan) if week < MONDAY + timedelta(weeks=2))
    (unplaced,) = [u for u in plan.unplaced if u.sku == "TOO-LATE"]
    assert unplaced.reason.startswith("did not fit: needs 3.5 h for a batch of 30, 0 h left in week of 1 Dec")


def test_unplaced_needs_of_one_variant_are_one_entry_naming_the_weeks_tried():
    # 30 in stock at a unit a day: the need comes in the week of 15 Dec and may wait a week.
    plan = plan_production(
        demands=[demand(weekly=7, stock_on_hand=30, batch_size=4)],
        makers=[MakerCapacity(1, "Inès", weekly_hours=1)],
        start=MONDAY,
    )
    assert lines(plan) == []
    (unplaced,) = plan.unplaced
    assert unplaced.quantity_needed == 12
    assert unplaced.reason == (
        "did not fit in the weeks of 15 Dec–22 Dec: needs 2 h for a batch of 4, "
        "at most 1 h left (week of 15 Dec); projected stock-out on 31 Dec"
    )


def test_unset_making_time_is_planned_at_zero_minutes():
    mug = demand(weekly=7, minutes_per_unit=0)
    plan = plan_production(demands=[mug], makers=[MakerCapacity(1, "Inès", weekly_hours=0)], start=MONDAY, weeks=1)
    ((_, line),) = lines(plan)
    assert line.quantity > 0 and line.minutes == 0
    assert line.reason.endswith("making time not set")


def test_a_maker_without_hours_leaves_the_need_unplaced():
    plan = plan_production(demands=[demand(maker_id=9)], makers=[INES], start=MONDAY, weeks=1)
    (unplaced,) = plan.unplaced
    assert unplaced.reason == "no making hours set for maker #9"


def test_plan_round_trips_through_json():
    demands = [
        demand(1, weekly=7, batch_size=6),
        demand(2, made_to_order=True),
        demand(3, weekly=30, minutes_per_unit=120, unit_margin=Decimal("12.35")),
    ]
    plan = plan_production(demands=demands, makers=[INES], start=MONDAY)
    data = json.loads(json.dumps(plan.to_dict()))
    assert data["start"] == "2025-12-01"
    assert ProductionPlan.from_dict(data) == plan
    assert plan.unplaced and plan.skipped and lines(plan)


def test_plan_does_not_depend_on_input_order():
    demands = [
        demand(i, sku=f"SKU-{i:02}", weekly=i % 5 + 1, stock_on_hand=i % 3, batch_size=i % 4 + 1) for i in range(1, 20)
    ]
    makers = [INES, MakerCapacity(2, "Tomás", 6)]
    demands = [replace(d, maker_id=1 + d.variant_id % 2) for d in demands]
    shuffled = demands[:]
    random.Random(4).shuffle(shuffled)
    assert plan_production(demands=demands, makers=makers, start=MONDAY) == plan_production(
        demands=shuffled, makers=makers[::-1], start=MONDAY
    )


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        plan_production(demands=[], makers=[], start=MONDAY, service_level=1.0)
    with pytest.raises(ValueError):
        plan_production(demands=[], makers=[], start=MONDAY, weeks=0)
    with pytest.raises(ValueError, match="MUG-1"):
        plan_production(demands=[demand(mean=[1.0])], makers=[INES], start=MONDAY)


@st.composite
def studios(draw):
    makers = [MakerCapacity(m, f"Maker {m}", draw(st.floats(0, 30))) for m in range(1, draw(st.integers(1, 3)) + 1)]
    demands = []
    for v in range(1, draw(st.integers(0, 12)) + 1):
        weeks = draw(st.integers(0, 10))
        means = draw(st.lists(st.floats(0, 40), min_size=weeks, max_size=weeks))
        spread = draw(st.floats(0, 1))
        demands.append(
            demand(
                v,
                weeks=weeks,
                mean=means,
                p10=[m * (1 - spread) for m in means],
                p50=means,
                p90=[m * (1 + spread) for m in means],
                maker_id=draw(st.integers(1, 4)),
                stock_on_hand=draw(st.integers(-5, 60)),
                work_in_progress=draw(st.integers(0, 20)),
                minutes_per_unit=draw(st.integers(0, 240)),
                batch_size=draw(st.integers(0, 12)),
                lead_time_days=draw(st.integers(0, 40)),
                unit_margin=draw(st.floats(-5, 100)),
                made_to_order=draw(st.booleans()),
            )
        )
    return demands, makers


@settings(max_examples=150, deadline=None)
@given(studios(), st.integers(1, 6), st.floats(0.05, 0.99))
def test_capacity_is_never_exceeded(studio, weeks, service_level):
    demands, makers = studio
    by_id = {d.variant_id: d for d in demands}
    plan = plan_production(demands=demands, makers=makers, start=MONDAY, weeks=weeks, service_level=service_level)

    for maker in plan.makers:
        assert len(maker.weeks) == weeks
        for week in maker.weeks:
            assert week.minutes_used == sum(line.minutes for line in week.lines)
            assert week.minutes_used <= week.minutes_available == int(maker.weekly_hours * 60 + 1e-9)
            for line in week.lines:
                made = by_id[line.variant_id]
                assert not made.made_to_order and made.maker_id == maker.maker_id
                assert line.quantity > 0 and line.quantity % max(1, made.batch_size) == 0
                assert line.minutes == line.quantity * made.minutes_per_unit
    for unplaced in plan.unplaced:
        assert unplaced.quantity_needed % max(1, by_id[unplaced.variant_id].batch_size) == 0
        assert unplaced.reason
    assert {s.variant_id for s in plan.skipped} == {d.variant_id for d in demands if d.made_to_order}
    json.dumps(plan.to_dict())
