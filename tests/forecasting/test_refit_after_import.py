"""Importing a Shopify orders export refits the forecasts (real engine) and makes a plan draft within the makers' hours."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.tasks import async_task

from approvals.models import ReviewItem, ReviewState
from forecasting.models import Forecast, ProductionPlan
from forecasting.services import sales_import
from studio.models import Job, MakerProfile
from tests.factories import ProductFactory, SaleFactory, VariantFactory
from tests.forecasting.samples import SHOPIFY_HEADER, shopify_order, to_csv


@pytest.fixture
def studio_with_history(artisan):
    """Two products with half a year of weekly sales, a maker with 6 hours a week."""
    MakerProfile.objects.create(user=artisan, weekly_hours=Decimal("6"))
    today = timezone.localdate()
    variants = []
    for n, weekly in enumerate([5, 2]):
        product = ProductFactory(maker=artisan, title=f"Mug {n}", minutes_per_unit=40, batch_size=2, lead_time_days=10)
        variant = VariantFactory(product=product, sku=f"MUG-{n}", stock_on_hand=1)
        for week in range(1, 27):
            SaleFactory(variant=variant, date=today - dt.timedelta(weeks=week), quantity=weekly + (week % 3 == 0))
        variants.append(variant)
    return variants


def test_a_shopify_import_refits_every_forecast_and_queues_a_plan_within_hours(
    studio_with_history, manager, settings, django_capture_on_commit_callbacks
):
    settings.ATELIER_REFIT_AFTER_IMPORT = True
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).strftime("%Y-%m-%d 10:00:00 +0000")
    export = to_csv(
        SHOPIFY_HEADER,
        [
            *shopify_order("#2001", yesterday, ("3", "MUG-0", "28.00", "Mug 0")),
            *shopify_order("#2002", yesterday, ("1", "MUG-1", "28.00", "Mug 1")),
        ],
    )

    with django_capture_on_commit_callbacks(execute=True):
        record = sales_import(file=export, file_name="orders_export.csv", user=manager)

    assert record.status == "imported"
    job = Job.objects.get(kind="forecast_refit")
    assert (job.status, job.done, job.total) == (Job.Status.SUCCEEDED, 2, 2)
    forecasts = list(Forecast.objects.order_by("variant__sku"))
    assert [f.variant.sku for f in forecasts] == ["MUG-0", "MUG-1"]
    for forecast in forecasts:
        assert len(forecast.values["dates"]) == settings.ATELIER_FORECAST_HORIZON
        assert all(p10 <= p50 <= p90 for p10, p50, p90 in zip(*(forecast.values[k] for k in ("p10", "p50", "p90"))))
        assert min(forecast.values["mean"]) >= 0
    assert forecasts[0].total_mean > forecasts[1].total_mean  # the faster seller is forecast to sell more

    plan = ProductionPlan.objects.get()
    for week in plan.plan["makers"][0]["weeks"]:
        assert week["minutes_used"] <= week["minutes_available"] == 6 * 60
    assert ReviewItem.objects.get(kind="production_plan").state == ReviewState.PENDING


def test_the_refit_job_is_chunked_so_workers_share_it(
    studio_with_history, settings, django_capture_on_commit_callbacks
):
    from forecasting.demand import forecasts_refit_start

    settings.ATELIER_FORECAST_CHUNK = 1
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = forecasts_refit_start(plan_after=False)
    tasks = [callback for callback in callbacks if getattr(callback, "func", None) is async_task]
    assert len(tasks) == 2  # one task per chunk
    job.refresh_from_db()
    assert (job.done, job.status) == (2, Job.Status.SUCCEEDED)
    assert job.label == "Forecast demand for Mug 0 and Mug 1 (2 variants)"
    one = forecasts_refit_start(variant_ids=[studio_with_history[1].pk], plan_after=False)
    assert one.label == "Forecast demand for Mug 1 (1 variant)"


def test_the_nightly_schedule_exists_after_migrate(db):
    from django_q.models import Schedule

    schedule = Schedule.objects.get(func="forecasting.tasks.nightly_refit")
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1


def test_a_manager_refits_from_the_page(studio_with_history, manager_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(reverse("forecast-refit"))
    assert response.status_code == 302
    assert Forecast.objects.count() == 2
    assert ReviewItem.objects.filter(kind="production_plan").exists()
