"""Stock alerts: what will run out before it can be made, what sits on the shelf, what stopped selling."""

import json
from datetime import date, timedelta
from decimal import Decimal

from forecasting.alerts import StockAlert, stock_alerts
from forecasting.planning import VariantDemand

TODAY = date(2025, 12, 1)


def demand(variant_id: int = 1, *, weekly: float = 7.0, weeks: int = 12, **changes) -> VariantDemand:
    fields = dict(
        variant_id=variant_id,
        sku=f"MUG-{variant_id}",
        product_id=10 + variant_id,
        product_title="Celadon mug",
        variant_title="large",
        maker_id=1,
        week_starts=[TODAY + timedelta(weeks=i) for i in range(weeks)],
        mean=[weekly] * weeks,
        p10=[weekly * 0.5] * weeks,
        p50=[weekly] * weeks,
        p90=[weekly * 1.5] * weeks,
        stock_on_hand=20,
        work_in_progress=0,
        minutes_per_unit=30,
        batch_size=1,
        lead_time_days=21,
        unit_margin=Decimal("18.00"),
        made_to_order=False,
    )
    fields.update(changes)
    return VariantDemand(**fields)


def alerts_for(*demands: VariantDemand, last_sale=None, **kwargs) -> list[StockAlert]:
    if last_sale is None:
        last_sale = {d.variant_id: TODAY - timedelta(days=2) for d in demands}
    return stock_alerts(demands=list(demands), today=TODAY, last_sale=last_sale, **kwargs)


def by_kind(alerts: list[StockAlert], kind: str) -> list[StockAlert]:
    return [a for a in alerts if a.kind == kind]


def test_stock_running_out_within_the_lead_time_is_high():
    # 14 on the shelf at a unit a day: gone on 15 Dec, well inside a 3-week making time.
    (alert,) = alerts_for(demand(stock_on_hand=14))
    assert (alert.kind, alert.severity) == ("stockout_risk", "high")
    assert alert.message == "Celadon mug, large: about 2 weeks of stock left, making takes 3 weeks"
    assert alert.detail["stockout_date"] == date(2025, 12, 15)
    assert alert.detail["days_left"] == 14


def test_stock_running_out_within_twice_the_lead_time_is_low():
    # 40 days of stock: beyond 21 + 7, inside 2 × 21 + 7: the next plan can still make it.
    (alert,) = alerts_for(demand(stock_on_hand=40))
    assert (alert.kind, alert.severity) == ("stockout_risk", "low")


def test_stock_that_runs_out_a_few_days_before_a_batch_could_be_ready_is_medium():
    # 16 days of stock, 21 days to make: 5 days on an empty shelf if started today; start this week.
    (alert,) = alerts_for(demand(stock_on_hand=16))
    assert (alert.kind, alert.severity) == ("stockout_risk", "medium")
    # 25 days of stock: in time if started this week.
    (alert,) = alerts_for(demand(stock_on_hand=25))
    assert (alert.kind, alert.severity) == ("stockout_risk", "medium")


def test_plenty_of_stock_and_recent_sales_raise_nothing():
    assert alerts_for(demand(stock_on_hand=100)) == []


def test_work_in_progress_counts_as_stock_and_is_mentioned():
    (alert,) = alerts_for(demand(stock_on_hand=3, work_in_progress=4, lead_time_days=10))
    assert alert.message == "Celadon mug, large: about 7 days of stock left counting 4 being made, making takes 10 days"
    assert alerts_for(demand(stock_on_hand=3, work_in_progress=60, lead_time_days=10)) == []


def test_out_of_stock_says_so():
    (alert,) = alerts_for(demand(stock_on_hand=0, lead_time_days=10))
    assert alert.severity == "high"
    assert alert.message == "Celadon mug, large: out of stock, making more takes 10 days"


def test_overstock_from_weeks_of_cover():
    (alert,) = alerts_for(demand(weekly=1, stock_on_hand=40))
    assert (alert.kind, alert.severity) == ("overstock", "low")
    assert alert.detail["weeks_of_cover"] == 40
    assert alert.message == "Celadon mug, large: 40 in stock, enough for about 40 weeks at the expected 1 sale a week"

    (alert,) = alerts_for(demand(weekly=0.25, stock_on_hand=40))
    assert (alert.kind, alert.severity) == ("overstock", "medium")  # 160 weeks: over twice the threshold
    assert alert.message.endswith("enough for about 3 years at the expected pace of about 1 sale every 4 weeks")

    assert alerts_for(demand(weekly=1, stock_on_hand=40), overstock_weeks=52) == []


def test_stock_with_no_forecast_demand_is_overstock():
    (alert,) = alerts_for(demand(weekly=0, stock_on_hand=5))
    assert (alert.kind, alert.severity) == ("overstock", "medium")
    assert alert.message == "Celadon mug, large: 5 in stock and no sales expected in the next 12 weeks"
    assert alert.detail["weeks_of_cover"] is None


def test_no_recent_sales():
    mug = demand(weekly=1, stock_on_hand=10)
    (alert,) = alerts_for(mug, last_sale={1: date(2025, 8, 3)})
    assert (alert.kind, alert.severity) == ("no_recent_sales", "medium")
    assert alert.message == "Celadon mug, large: no sale since 3 Aug (120 days); 10 in stock"
    assert alert.detail["days_since"] == 120

    assert alerts_for(mug, last_sale={1: TODAY - timedelta(days=89)}) == []
    (old,) = alerts_for(mug, last_sale={1: date(2024, 11, 2)})
    assert "no sale since 2 Nov 2024" in old.message


def test_never_sold_unless_listed_recently():
    mug = demand(weekly=1, stock_on_hand=10)
    (alert,) = alerts_for(mug, last_sale={1: None})
    assert alert.kind == "no_recent_sales"
    assert alert.message == "Celadon mug, large: never sold; 10 in stock"
    assert alerts_for(mug, last_sale={}) == [alert]  # missing counts as never sold
    assert alerts_for(mug, last_sale={1: None}, listed_on={1: TODAY - timedelta(days=30)}) == []


def test_no_sales_without_stock_is_low():
    (alert,) = alerts_for(demand(weekly=0, stock_on_hand=0, made_to_order=True), last_sale={1: None})
    assert (alert.kind, alert.severity) == ("no_recent_sales", "low")


def test_made_to_order_has_no_stock_alerts():
    assert alerts_for(demand(stock_on_hand=0, made_to_order=True)) == []
    assert alerts_for(demand(weekly=0, stock_on_hand=9, made_to_order=True)) == []


def test_single_variant_products_are_named_by_the_product():
    (alert,) = alerts_for(demand(stock_on_hand=0, variant_title="Default Title"))
    assert alert.message.startswith("Celadon mug: out of stock")


def test_sorted_by_severity_then_date():
    later_high = demand(1, sku="LATER", stock_on_hand=10)  # out on 11 Dec
    sooner_high = demand(2, sku="SOONER", stock_on_hand=3)  # out on 4 Dec
    low = demand(3, sku="LOW", stock_on_hand=40)
    over = demand(4, sku="OVER", weekly=0.5, stock_on_hand=40)
    alerts = alerts_for(later_high, low, over, sooner_high)
    assert [(a.sku, a.severity) for a in alerts] == [
        ("SOONER", "high"),
        ("LATER", "high"),
        ("OVER", "medium"),
        ("LOW", "low"),
    ]


def test_to_dict_is_json_safe():
    (alert,) = alerts_for(demand(stock_on_hand=14))
    data = json.loads(json.dumps(alert.to_dict()))
    assert data["kind"] == "stockout_risk"
    assert data["detail"]["stockout_date"] == "2025-12-15"
