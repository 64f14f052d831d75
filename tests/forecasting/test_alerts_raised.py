"""Stock alerts are told to subscribers (webhooks, Zapier) once while they last, not after every refit."""

import datetime as dt

import pytest

from forecasting.alerts import StockAlert
from forecasting.demand import stock_alerts_raise
from forecasting.models import RaisedStockAlert
from studio import events
from tests.factories import VariantFactory

TODAY = dt.date(2026, 12, 7)


@pytest.fixture
def told(django_capture_on_commit_callbacks):
    seen: list[events.StockAlertRaised] = []
    events.subscribe(events.StockAlertRaised, seen.append, dispatch_uid="test.alerts_told")
    yield seen
    events.unsubscribe(events.StockAlertRaised, dispatch_uid="test.alerts_told")


@pytest.fixture
def current(monkeypatch):
    """The alerts the latest forecasts show; tests change the list between refits."""
    alerts: list[StockAlert] = []
    monkeypatch.setattr("forecasting.selectors.stock_alerts_for", lambda user, *, today: list(alerts))
    return alerts


def alert(variant, kind="stockout_risk", severity="medium") -> StockAlert:
    return StockAlert(
        kind=kind,
        variant_id=variant.pk,
        sku=variant.sku,
        product_id=variant.product_id,
        product_title=variant.product.title,
        severity=severity,
        message=f"{variant.sku} {kind} {severity}",
        detail={},
    )


def refit(django_capture_on_commit_callbacks) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return stock_alerts_raise(today=TODAY)


@pytest.mark.django_db
def test_an_alert_is_told_once_while_it_lasts_and_again_when_it_comes_back(
    told, current, django_capture_on_commit_callbacks
):
    mug, jar = VariantFactory(sku="MUG-1"), VariantFactory(sku="JAR-1")
    current[:] = [alert(mug), alert(jar, kind="overstock", severity="low")]

    assert refit(django_capture_on_commit_callbacks) == 2
    assert refit(django_capture_on_commit_callbacks) == 0  # the nightly refit finds the same: nothing new
    assert [(e.sku, e.alert) for e in told] == [("MUG-1", "stockout_risk"), ("JAR-1", "overstock")]

    current[:] = [alert(jar, kind="overstock", severity="low")]  # the mug was restocked
    assert refit(django_capture_on_commit_callbacks) == 0
    assert not RaisedStockAlert.objects.filter(variant=mug).exists()

    current[:] = [alert(mug), alert(jar, kind="overstock", severity="low")]  # and runs low again
    assert refit(django_capture_on_commit_callbacks) == 1
    assert [(e.sku, e.alert) for e in told][-1] == ("MUG-1", "stockout_risk")


@pytest.mark.django_db
def test_a_worse_grade_is_told_and_an_easing_is_not(told, current, django_capture_on_commit_callbacks):
    mug = VariantFactory(sku="MUG-2")
    current[:] = [alert(mug, severity="medium")]
    assert refit(django_capture_on_commit_callbacks) == 1

    current[:] = [alert(mug, severity="high")]
    assert refit(django_capture_on_commit_callbacks) == 1
    assert told[-1].severity == "high"

    current[:] = [alert(mug, severity="medium")]
    assert refit(django_capture_on_commit_callbacks) == 0
    assert RaisedStockAlert.objects.get(variant=mug).severity == "medium"

    current[:] = [alert(mug, severity="high")]  # worse again than what was last known
    assert refit(django_capture_on_commit_callbacks) == 1
    assert len(told) == 3
