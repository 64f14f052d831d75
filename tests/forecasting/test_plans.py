"""Production plans from stored forecasts: one draft per maker in the review queue, never over their hours."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from approvals.models import ReviewItem, ReviewState
from approvals.services import review_decide
from forecasting.demand import production_plans_build, week_start
from forecasting.kind import plan_summary
from forecasting.models import Forecast, ProductionPlan
from studio.models import MakerProfile
from tests.factories import ProductFactory, VariantFactory

TODAY = dt.date(2026, 12, 2)


def _forecast(variant, weekly: float, *, weeks: int = 12, spread: float = 0.5) -> Forecast:
    first = week_start(TODAY)
    dates = [(first + dt.timedelta(weeks=n)).isoformat() for n in range(weeks)]
    return Forecast.objects.create(
        variant=variant,
        method="TSB",
        demand_class="intermittent",
        values={
            "dates": dates,
            "mean": [weekly] * weeks,
            "p10": [max(0.0, weekly * (1 - spread))] * weeks,
            "p50": [weekly] * weeks,
            "p90": [weekly * (1 + spread)] * weeks,
        },
        validation_error=0.8,
        fitted_at=timezone.now(),
    )


@pytest.fixture
def busy_maker(artisan):
    MakerProfile.objects.create(user=artisan, weekly_hours=Decimal("5"))
    products = []
    for n in range(4):
        product = ProductFactory(
            maker=artisan,
            title=f"Mug {n}",
            minutes_per_unit=30,
            batch_size=4,
            lead_time_days=7,
            price=Decimal("30"),
            unit_cost=Decimal("10"),
        )
        variant = VariantFactory(product=product, sku=f"MUG-{n}", stock_on_hand=1)
        _forecast(variant, weekly=6)
        products.append(product)
    return artisan


def test_a_plan_is_a_draft_per_maker_that_never_exceeds_their_hours(busy_maker):
    plans = production_plans_build(today=TODAY)

    assert len(plans) == 1
    plan = plans[0]
    assert plan.maker == busy_maker
    assert plan.week_start == week_start(TODAY) + dt.timedelta(weeks=1)
    weeks = plan.plan["makers"][0]["weeks"]
    assert weeks, "the plan has weeks"
    for week in weeks:
        assert week["minutes_used"] <= week["minutes_available"] == 5 * 60
    planned = sum(line["quantity"] for week in weeks for line in week["lines"])
    assert planned > 0
    # 4 mugs selling 6 a week each with 1 in stock can't all be made in 5 hours a week: the rest is said, not dropped.
    assert plan.plan["unplaced"], "what did not fit is reported"
    item = ReviewItem.objects.get(kind="production_plan")
    assert item.owner == busy_maker and item.state == ReviewState.PENDING


def test_building_twice_with_the_same_inputs_adds_no_second_version(busy_maker):
    production_plans_build(today=TODAY)
    production_plans_build(today=TODAY)
    assert ReviewItem.objects.filter(kind="production_plan").count() == 1


def test_made_to_order_products_are_left_out_with_a_reason(artisan):
    product = ProductFactory(maker=artisan, made_to_order=True, minutes_per_unit=60)
    _forecast(VariantFactory(product=product, sku="MTO-1", stock_on_hand=0), weekly=3)

    plan = production_plans_build(today=TODAY)[0]

    assert not any(line for week in plan.plan["makers"][0]["weeks"] for line in week["lines"])
    assert [item["sku"] for item in plan.plan["skipped"]] == ["MTO-1"]


def test_each_maker_gets_only_their_own_lines(artisan, other_artisan):
    for maker, sku in ((artisan, "A-1"), (other_artisan, "B-1")):
        product = ProductFactory(maker=maker, minutes_per_unit=10, batch_size=1)
        _forecast(VariantFactory(product=product, sku=sku, stock_on_hand=0), weekly=2)

    plans = {plan.maker: plan for plan in production_plans_build(today=TODAY)}

    def skus(plan):
        return {line["sku"] for week in plan.plan["makers"][0]["weeks"] for line in week["lines"]}

    assert skus(plans[artisan]) == {"A-1"}
    assert skus(plans[other_artisan]) == {"B-1"}


def test_the_approved_plan_is_the_schedule_and_the_maker_decides_it(busy_maker, artisan_client, other_artisan):
    production_plans_build(today=TODAY)
    item = ReviewItem.objects.get(kind="production_plan")

    page = artisan_client.get(reverse("review-detail", args=[item.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Week of" in html and "Did not fit" in html
    assert "MUG-0" in html

    with pytest.raises(ReviewItem.DoesNotExist):  # another maker may not decide it (the view answers 404)
        review_decide(item_id=item.pk, user=other_artisan, approve=True, seen_hash=item.snapshot_hash)
    review_decide(item_id=item.pk, user=busy_maker, approve=True, seen_hash=item.snapshot_hash)
    item.refresh_from_db()
    assert item.state == ReviewState.APPROVED
    assert item.approved_snapshot["plan"] == ProductionPlan.objects.get().plan


def test_the_queue_sums_a_plan_up_in_one_line(busy_maker, artisan_client):
    plan = production_plans_build(today=TODAY)[0]
    pieces = sum(line["quantity"] for week in plan.plan["makers"][0]["weeks"] for line in week["lines"])
    unplaced = sum(item["quantity_needed"] for item in plan.plan["unplaced"])
    assert pieces and unplaced

    response = artisan_client.get(reverse("review-list"))

    assert response.status_code == 200
    assert (
        f'<span class="row-preview">{pieces} pieces over {plan.weeks} weeks; {unplaced} did not fit</span>'
        in response.content.decode()
    )


@pytest.mark.parametrize(
    "snapshot, summary",
    [
        (
            {"weeks": 1, "plan": {"makers": [{"weeks": [{"lines": [{"quantity": 1}]}]}], "unplaced": []}},
            "1 piece over 1 week",
        ),
        (
            {"weeks": 4, "plan": {"makers": [{"weeks": [{"lines": []}]}], "unplaced": [{"quantity_needed": 3}]}},
            "Nothing to make; 3 did not fit",
        ),
        ({"weeks": 4, "plan": {}}, "Nothing to make"),
    ],
)
def test_a_plan_summary_counts_pieces_and_what_did_not_fit(snapshot, summary):
    assert plan_summary(snapshot) == summary


def test_a_plan_over_capacity_cannot_be_approved():
    from forecasting.kind import plan_blockers

    snapshot = {
        "plan": {"makers": [{"weeks": [{"week_start": "2026-12-07", "minutes_used": 700, "minutes_available": 600}]}]}
    }
    assert plan_blockers(snapshot) == ["Week of 2026-12-07: 11.7 h planned, only 10.0 h available."]


def test_the_overview_shows_alerts_plans_and_accuracy(busy_maker, artisan_client, manager_client):
    production_plans_build(today=timezone.localdate())

    page = artisan_client.get(reverse("forecast-overview"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Stock alerts" in html and "MUG-0" in html  # 1 in stock, 6 a week: a stock-out risk
    assert "Production plans" in html and "Waiting for review" in html
    assert "did as well or better" in html  # accuracy in words for a maker
    assert "Intermittent" not in html and "RMSSE" not in html

    assert "Refit forecasts now" not in html  # managers only
    managers = manager_client.get(reverse("forecast-overview")).content.decode()
    assert "Refit forecasts now" in managers
    assert "Intermittent" in managers  # accuracy by demand pattern, in the details


def test_artisans_see_only_their_own_alerts(busy_maker, other_artisan):
    from django.test import Client

    client = Client()
    client.force_login(other_artisan)
    response = client.get(reverse("forecast-overview"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Stock alerts" in html and "No alerts" in html
    assert "MUG-0" not in html


def test_the_dashboard_lists_forecast_alerts(busy_maker, artisan_client):
    html = artisan_client.get(reverse("dashboard")).content.decode()
    assert "Needs you now" in html and "MUG-0" in html and "Mug 0" in html


def test_only_managers_can_refit(artisan_client):
    response = artisan_client.post(reverse("forecast-refit"))
    assert response.status_code == 403


def test_the_product_page_shows_the_forecast_in_words_and_the_method_only_to_managers(
    busy_maker, artisan_client, manager_client
):
    from catalog.models import Product

    product = Product.objects.get(title="Mug 0")
    html = artisan_client.get(reverse("product-detail", args=[product.pk])).content.decode()
    assert "Demand forecast" in html
    assert "<svg" in html and 'class="chart-band"' in html and 'class="chart-forecast"' in html
    assert html.count('class="chart"') == 2  # a drawing for a desk and one for a phone
    assert "Next 4 weeks: about 6 a week, likely 3–9." in html
    assert "about as close as “same as last week”" in html  # holdout RMSSE 0.80
    assert "TSB" not in html and "RMSSE" not in html and "Intermittent" not in html  # no jargon for a maker
    managers = manager_client.get(reverse("product-detail", args=[product.pk])).content.decode()
    assert "TSB" in managers and "0.80" in managers  # method and holdout error, in the details


def test_hostile_product_titles_are_escaped_in_the_chart(artisan, artisan_client):
    product = ProductFactory(maker=artisan, title='<script>alert("x")</script> mug')
    _forecast(VariantFactory(product=product, sku="EVIL-1"), weekly=1)
    response = artisan_client.get(reverse("product-detail", args=[product.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Demand forecast" in html and 'class="chart-forecast"' in html and "EVIL-1" in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; mug" in html
    assert '<script>alert("x")</script>' not in html
