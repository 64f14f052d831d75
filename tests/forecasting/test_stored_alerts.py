"""Stored stock alerts (forecasting.stored_alerts): the same alerts as computing them all, read a page at a time.

Every read used to load every forecast and run the rules over all of them (38 s on the dashboard at
100,000 variants). Each forecast's alerts are stored with a stamp of their inputs and computed again by a
background refresh only when one of those inputs changed; these tests change each input in turn and run
the refresh. Pages never compute: writes mark the alerts changed and queue the refresh, and a page reading
alerts that are not current shows them saying they are being refreshed.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from forecasting import stored_alerts
from forecasting.models import Forecast, ForecastAccuracyRow, StockAlertRow
from forecasting.selectors import stock_alerts_for
from tests.api.test_forecasting_api import forecast
from tests.factories import ProductFactory, SaleFactory, VariantFactory

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def computed(user=None) -> list:
    """The alerts as they were computed before rows were stored: every forecast, in memory."""
    forecasts = Forecast.objects.all() if user is None else Forecast.objects.restrict(user)
    return stored_alerts.compute(forecasts, today=today())


def shown(user=None) -> list:
    return list(stock_alerts_for(user, today=today()))


def refreshed(user=None, *, day=None) -> list:
    """The alerts a page shows once the background refresh (the task's body) has run."""
    stored_alerts.alerts_refresh_all(today=day or today())
    return list(stock_alerts_for(user, today=day or today()))


@pytest.fixture
def catalogue(artisan, other_artisan):
    """Variants raising every kind and grade of alert, and some raising none, for two makers."""
    made = []
    for n in range(12):
        maker = artisan if n % 3 else other_artisan
        product = ProductFactory(
            maker=maker, title=f"{'Bowl' if n % 2 else 'mug'} {n % 5}", lead_time_days=7 * (n % 4), made_to_order=n == 7
        )
        variant = VariantFactory(
            product=product, sku=f"SKU-{n:02d}", stock_on_hand=(n * 7) % 40, work_in_progress=n % 3
        )
        forecast(variant, weekly=[0.0, 0.5, 2.0, 6.0][n % 4])
        if n % 4 == 1:
            SaleFactory(variant=variant, date=today() - dt.timedelta(days=3))
        elif n % 4 == 2:
            SaleFactory(variant=variant, date=today() - dt.timedelta(days=200))
        made.append(variant)
    return made


def test_the_stored_alerts_are_the_computed_ones_in_the_same_order(catalogue, artisan):
    expected = computed()
    assert len(expected) > 8 and {alert.kind for alert in expected} == {"stockout_risk", "overstock", "no_recent_sales"}
    assert shown() == expected  # the first read queues the refresh (run at once by the tests' synchronous queue)
    assert shown() == expected  # the second reads the rows
    assert shown(artisan) == computed(artisan) != expected
    alerts = stock_alerts_for(None, today=today())
    assert len(alerts) == len(expected) and alerts[2:5] == expected[2:5]


def test_a_stock_change_is_seen(catalogue):
    shown()
    variant = catalogue[4]  # out of stock and selling
    type(variant).objects.filter(pk=variant.pk).update(stock_on_hand=500)  # an update() sends no signal
    assert refreshed() == computed()
    assert any(alert.variant_id == variant.pk and alert.kind == "overstock" for alert in shown())


def test_work_in_progress_is_seen(catalogue):
    shown()
    variant = catalogue[4]
    type(variant).objects.filter(pk=variant.pk).update(work_in_progress=300)
    assert refreshed() == computed()


def test_a_new_sale_is_seen(catalogue):
    shown()
    variant = catalogue[2]  # last sold 200 days ago
    assert any(alert.variant_id == variant.pk and alert.kind == "no_recent_sales" for alert in shown())
    SaleFactory(variant=variant, date=today() - dt.timedelta(days=1))
    assert refreshed() == computed()
    assert not any(alert.variant_id == variant.pk and alert.kind == "no_recent_sales" for alert in shown())


def test_a_first_sale_is_seen(catalogue):
    variant = catalogue[0]  # never sold, listed long ago: "never sold"
    type(variant.product).objects.filter(pk=variant.product_id).update(
        created_at=timezone.now() - dt.timedelta(days=400)
    )
    assert any(alert.variant_id == variant.pk and alert.kind == "no_recent_sales" for alert in shown())
    SaleFactory(variant=variant, date=today() - dt.timedelta(days=1))
    assert refreshed() == computed()
    assert not any(alert.variant_id == variant.pk and alert.kind == "no_recent_sales" for alert in shown())


def test_a_product_edit_is_seen(catalogue):
    shown()
    product = catalogue[4].product
    product.title = "Renamed jug"
    product.lead_time_days = 60
    product.save()
    alerts = refreshed()
    assert alerts == computed()
    assert any(alert.message.startswith("Renamed jug") for alert in alerts)


def test_a_product_made_inactive_loses_its_alerts(catalogue):
    shown()
    product = catalogue[4].product
    product.is_active = False
    product.save()
    assert refreshed() == computed()
    assert not any(alert.product_id == product.pk for alert in shown())


@pytest.mark.parametrize("change", [{"title": "Large"}, {"sku": "SKU-04-L"}])
def test_a_variant_renamed_is_seen(catalogue, change):
    shown()
    variant = catalogue[4]
    type(variant).objects.filter(pk=variant.pk).update(**change)
    alerts = refreshed()
    assert alerts == computed()
    assert [alert for alert in alerts if alert.variant_id == variant.pk] == [
        alert for alert in computed() if alert.variant_id == variant.pk
    ]


def test_a_refit_is_seen(catalogue):
    shown()
    variant = catalogue[3]  # selling six a week: a stock-out risk
    fit = Forecast.objects.get(variant=variant)
    values = {**fit.values, "mean": [0.01] * 12, "p50": [0.01] * 12}
    Forecast.objects.filter(pk=fit.pk).update(values=values, fitted_at=fit.fitted_at + dt.timedelta(seconds=1))
    alerts = refreshed()
    assert alerts == computed()
    assert [alert.kind for alert in alerts if alert.variant_id == variant.pk] == ["overstock"]


def test_the_next_day_is_computed_again(catalogue, monkeypatch):
    shown()
    later = today() + dt.timedelta(days=40)
    assert refreshed(day=later) == stored_alerts.compute(Forecast.objects.all(), today=later)


def test_a_warm_read_loads_no_forecast(artisan, manager_client, monkeypatch):
    for n in range(200):
        product = ProductFactory(maker=artisan, title=f"Mug {n}", lead_time_days=14)
        forecast(VariantFactory(product=product, sku=f"MUG-{n}", stock_on_hand=n % 4), weekly=1.0 + n % 3)
    assert manager_client.get(reverse("dashboard")).status_code == 200  # the first read of the day computes
    assert StockAlertRow.objects.count() > 100
    loaded = []
    real = stored_alerts.compute
    monkeypatch.setattr(
        stored_alerts, "compute", lambda forecasts, **kw: loaded.extend(forecasts) or real(forecasts, **kw)
    )
    monkeypatch.setattr(
        stored_alerts, "_compute_keyed", lambda forecasts, **kw: pytest.fail("a warm read computed alerts again")
    )
    for url in (reverse("dashboard"), reverse("forecast-overview"), "/api/alerts/"):
        assert manager_client.get(url).status_code == 200
    assert loaded == []
    page = manager_client.get("/api/alerts/").json()
    assert page["count"] == StockAlertRow.objects.count() and len(page["results"]) < page["count"]


def test_only_changed_forecasts_are_computed_again(catalogue, monkeypatch):
    shown()
    type(catalogue[5]).objects.filter(pk=catalogue[5].pk).update(stock_on_hand=77)
    seen = []
    real = stored_alerts._compute_keyed
    monkeypatch.setattr(
        stored_alerts,
        "_compute_keyed",
        lambda forecasts, **kw: seen.extend(f.variant_id for f in forecasts) or real(forecasts, **kw),
    )
    alerts = refreshed()
    assert seen == [catalogue[5].pk]
    assert alerts == computed()


def test_a_failed_refresh_leaves_the_page_saying_so(catalogue, manager_client, queued, monkeypatch):
    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(StockAlertRow.objects, "bulk_create", locked)
    with pytest.raises(OperationalError):
        stored_alerts.alerts_refresh_all(today=today())
    assert StockAlertRow.objects.count() == 0
    page = manager_client.get(reverse("forecast-overview")).content.decode()
    assert "Stock alerts are being worked out" in page and "No alerts" not in page


def test_the_refit_stores_the_alerts_with_nobody_listening(catalogue):
    """The nightly refit ends with stock_alerts_raise: the day's first page then reads them ready."""
    from forecasting.demand import stock_alerts_raise

    assert stock_alerts_raise(today=today()) == 0
    assert StockAlertRow.objects.count() == len(computed())
    assert not stored_alerts.stale_forecasts(Forecast.objects.all(), today=today()).exists()


def test_just_after_midnight_a_schedule_stores_the_new_days_alerts(catalogue):
    from django_q.models import Schedule

    from forecasting.schedules import ALERTS_CHECK, DAYS_ALERTS
    from forecasting.tasks import store_stock_alerts

    schedule = Schedule.objects.get(name=DAYS_ALERTS, func="forecasting.tasks.store_stock_alerts")
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1
    assert timezone.localtime(schedule.next_run).hour == 0
    check = Schedule.objects.get(name=ALERTS_CHECK, func="forecasting.tasks.store_stock_alerts")
    assert check.schedule_type == Schedule.MINUTES and check.minutes == 10
    assert store_stock_alerts() == {"computed": len(catalogue)}
    assert StockAlertRow.objects.count() == len(computed())
    assert store_stock_alerts() == {"computed": 0}


# --- Pages never compute: writes mark the alerts changed, a background refresh brings them up to date ---


@pytest.fixture
def queued(monkeypatch):
    """The refreshes queued, not run (as with a real worker that hasn't picked them up yet)."""
    tasks = []
    monkeypatch.setattr(stored_alerts, "async_task", lambda func, *args: tasks.append(func))
    return tasks


def never_computed(monkeypatch):
    monkeypatch.setattr(stored_alerts, "_compute_keyed", lambda *a, **kw: pytest.fail("a page computed alerts"))
    monkeypatch.setattr(stored_alerts, "stale_forecasts", lambda *a, **kw: pytest.fail("a page scanned forecasts"))


def test_the_first_read_of_a_day_shows_yesterdays_alerts_and_queues_the_refresh(
    catalogue, manager_client, queued, monkeypatch
):
    """It used to compute every forecast's alerts inside the request (29.9 s at 100,000 variants)."""
    stored_alerts.alerts_refresh_all(today=today() - dt.timedelta(days=1))
    yesterdays = StockAlertRow.objects.count()
    never_computed(monkeypatch)
    for url in (reverse("dashboard"), reverse("forecast-overview")):
        page = manager_client.get(url).content.decode()
        assert "Stock alerts are being refreshed" in page, url
    page = manager_client.get("/api/alerts/").json()
    assert page["count"] == yesterdays
    # API clients are told too: these are yesterday's, from the refresh that began then.
    state = stored_alerts._state()
    assert page["refreshing"] is True and page["as_of"] == state.computed_from.isoformat().replace("+00:00", "Z")
    assert queued == ["forecasting.tasks.store_stock_alerts"]  # once, however many reads


def test_current_alerts_are_read_without_a_notice_or_a_refresh(catalogue, manager_client, queued, monkeypatch):
    stored_alerts.alerts_refresh_all(today=today())
    never_computed(monkeypatch)
    for url in (reverse("dashboard"), reverse("forecast-overview")):
        assert "being refreshed" not in manager_client.get(url).content.decode()
    page = manager_client.get("/api/alerts/").json()
    assert page["refreshing"] is False and page["as_of"]
    assert queued == []


def test_a_stock_edit_marks_the_alerts_changed_and_queues_a_refresh(
    catalogue, artisan_client, queued, django_capture_on_commit_callbacks
):
    stored_alerts.alerts_refresh_all(today=today())
    variant = catalogue[4]
    with django_capture_on_commit_callbacks(execute=True):
        response = artisan_client.patch(
            f"/api/variants/{variant.pk}/", {"stock_on_hand": 500}, content_type="application/json"
        )
    assert response.status_code == 200
    assert queued == ["forecasting.tasks.store_stock_alerts"]
    alerts = stock_alerts_for(None, today=today())
    assert alerts.refreshing and list(alerts) != computed()  # the page says so until the refresh ran
    assert refreshed() == computed()
    assert not stock_alerts_for(None, today=today()).refreshing


def test_an_order_or_a_sale_marks_the_alerts_changed(catalogue, queued, django_capture_on_commit_callbacks):
    from forecasting.services import sales_bulk_create

    stored_alerts.alerts_refresh_all(today=today())
    row = {"variant_id": catalogue[2].pk, "date": today(), "quantity": 1, "unit_price": "10.00"}
    with django_capture_on_commit_callbacks(execute=True):
        sales_bulk_create(rows=[{**row, "channel": "shopify", "order_ref": "1001", "line_ref": "1"}])
    assert stock_alerts_for(None, today=today()).refreshing
    assert queued == ["forecasting.tasks.store_stock_alerts"]


def test_a_change_committed_while_a_refresh_runs_is_not_taken_as_refreshed(catalogue, queued, monkeypatch):
    """The refresh began before the change committed, so it may not have seen it: the rows stay not current
    and the refresh ends by queueing another."""
    real = stored_alerts.refresh

    def refresh_during_a_change(forecasts, *, today):
        computed = real(forecasts, today=today)
        stored_alerts.StockAlertState.objects.filter(pk=1).update(changed_at=timezone.now())
        return computed

    monkeypatch.setattr(stored_alerts, "refresh", refresh_during_a_change)
    stored_alerts.alerts_refresh_all(today=today())
    assert stock_alerts_for(None, today=today()).refreshing
    assert queued == ["forecasting.tasks.store_stock_alerts"]


def test_a_refresh_queued_long_ago_is_queued_again(catalogue, queued):
    """Its worker died with it: after REQUEUE_AFTER the next page queues another, not before."""
    stored_alerts.StockAlertState.objects.update_or_create(pk=1, defaults={"queued_at": timezone.now()})
    stock_alerts_for(None, today=today())
    assert queued == []
    stored_alerts.StockAlertState.objects.filter(pk=1).update(
        queued_at=timezone.now() - stored_alerts.REQUEUE_AFTER - dt.timedelta(seconds=1)
    )
    stock_alerts_for(None, today=today())
    assert queued == ["forecasting.tasks.store_stock_alerts"]


def _accuracy_aggregated(user) -> dict:
    """The accuracy as the forecasts page aggregated it over every forecast on each request."""
    from django.db.models import Avg, Count

    forecasts = Forecast.objects.restrict(user)
    by_class = {
        row["demand_class"]: (row["variants"], row["error"])
        for row in forecasts.values("demand_class").annotate(variants=Count("pk"), error=Avg("validation_error"))
    }
    overall = forecasts.aggregate(variants=Count("pk"), error=Avg("validation_error"))
    return {"by_class": by_class, "variants": overall["variants"], "error": overall["error"]}


def test_the_accuracy_is_read_from_sums_stored_with_the_alerts(catalogue, manager, artisan):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from forecasting.selectors import forecast_accuracy

    Forecast.objects.filter(variant=catalogue[1]).update(validation_error=None)  # one never tested
    Forecast.objects.filter(variant=catalogue[2]).update(validation_error=1.7)  # one worse than naive
    stored_alerts.alerts_refresh_all(today=today())
    for user in (manager, artisan):
        expected = _accuracy_aggregated(user)
        with CaptureQueriesContext(connection) as queries:
            accuracy = forecast_accuracy(user=user)
        assert not [q["sql"] for q in queries.captured_queries if '"forecasting_forecast"' in q["sql"]]
        got = {row["demand_class"]: (row["variants"], row["error"]) for row in accuracy["by_class"]}
        assert got.keys() == expected["by_class"].keys()
        for key, (variants, error) in expected["by_class"].items():
            assert got[key][0] == variants and got[key][1] == pytest.approx(error)
        assert accuracy["overall"]["variants"] == expected["variants"]
        assert accuracy["overall"]["error"] == pytest.approx(expected["error"])
    assert forecast_accuracy(user=manager)["overall"]["worse_than_naive"] >= 1
    assert forecast_accuracy(user=manager)["overall"]["tested"] == len(catalogue) - 1


def test_a_locked_database_neither_fails_the_page_nor_the_write(
    catalogue, manager_client, artisan_client, monkeypatch, django_capture_on_commit_callbacks
):
    """On SQLite a long import holds the write lock: queueing the refresh from a page, or marking the change
    after a committed write, fails then; the page still shows what is stored and the write still succeeds."""

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    stored_alerts.alerts_refresh_all(today=today() - dt.timedelta(days=1))
    monkeypatch.setattr(stored_alerts, "alerts_refresh_queue", locked)
    page = manager_client.get(reverse("forecast-overview"))
    assert page.status_code == 200 and "Stock alerts are being refreshed" in page.content.decode()
    variant = catalogue[4]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = artisan_client.patch(
            f"/api/variants/{variant.pk}/", {"stock_on_hand": 9}, content_type="application/json"
        )
    assert response.status_code == 200 and callbacks  # the mark ran after the commit, and failed quietly
    variant.refresh_from_db()
    assert variant.stock_on_hand == 9


def test_the_periodic_check_with_nothing_changed_leaves_the_accuracy_sums_alone(
    catalogue, monkeypatch, django_capture_on_commit_callbacks
):
    stored_alerts.alerts_refresh_all(today=today())
    summed = []
    real = stored_alerts.accuracy_refresh
    monkeypatch.setattr(stored_alerts, "accuracy_refresh", lambda: summed.append(1) or real())

    stored_alerts.alerts_refresh_all(today=today())  # the 10-minute check: nothing marked, nothing computed
    assert summed == []

    Forecast.objects.filter(variant=catalogue[3]).update(validation_error=0.4)
    with django_capture_on_commit_callbacks(execute=True):
        catalogue[3].product.delete()  # a deletion marks the change: its forecast leaves the sums
    stored_alerts.alerts_refresh_all(today=today())  # (the queued refresh may have run already)
    assert summed  # the product's and its variant's deletions each mark: summed again at least once
    assert sum(ForecastAccuracyRow.objects.values_list("variants", flat=True)) == Forecast.objects.count()


def test_current_alerts_are_counted_from_the_refresh_and_others_by_counting_the_rows(
    catalogue, artisan, other_artisan, manager, queued
):
    """A page that is current reads the refresh's count (a few rows) instead of COUNTing every stored alert
    (~32 ms at 100,000 variants); one that is not counts the rows, as a product may have been retired since."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    stored_alerts.alerts_refresh_all(today=today())
    for user in (None, manager, artisan, other_artisan):
        alerts = stock_alerts_for(user, today=today())
        with CaptureQueriesContext(connection) as read:
            counted = len(alerts)
        assert counted == len(computed(user)) > 0, user
        assert len(read) == 1 and "forecasting_stockalertrow" not in read[0]["sql"], user
    assert len(stock_alerts_for(artisan, today=today())) + len(stock_alerts_for(other_artisan, today=today())) == len(
        computed()
    )

    # A product retired where nothing marks it (a raw UPDATE) leaves its alerts out of the list; the next
    # refresh, even one with nothing to compute again (the periodic check), counts it out too.
    retired = next(alert for alert in computed(artisan)).product_id
    type(catalogue[0].product).objects.filter(pk=retired).update(is_active=False)
    gone = sum(1 for alert in computed(artisan) if alert.product_id == retired)
    assert stored_alerts.alerts_refresh_all(today=today()) == 0
    alerts = stock_alerts_for(artisan, today=today())
    assert len(alerts) == len(list(alerts)) == len(computed(artisan)) - gone

    # Not current (a change marked, its refresh queued and not run yet): the rows are counted.
    stored_alerts._mark()
    alerts = stock_alerts_for(artisan, today=today())
    assert alerts.refreshing
    with CaptureQueriesContext(connection) as read:
        assert len(alerts) == len(list(alerts))
    assert "forecasting_stockalertrow" in read[0]["sql"]
