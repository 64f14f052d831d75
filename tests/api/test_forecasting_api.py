"""Forecasts, stock alerts, production plans and unmatched SKUs through the API, by role."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from approvals.models import ReviewState
from approvals.services import review_decide, review_submit
from channels.models import UnmatchedSku
from forecasting.demand import week_start
from forecasting.models import Forecast, ProductionPlan
from studio.models import Job
from studio.sales_channels import SalesChannel

pytestmark = pytest.mark.django_db

WEEKS = 12


def forecast(variant, weekly: float, *, method: str = "TSB", error: float | None = 0.8) -> Forecast:
    """A stored forecast of `weekly` units a week from this week on, as a refit would leave it."""
    first = week_start(timezone.localdate())
    return Forecast.objects.create(
        variant=variant,
        method=method,
        demand_class="intermittent",
        adi=1.4,
        cv2=0.3,
        values={
            "dates": [(first + dt.timedelta(weeks=n)).isoformat() for n in range(WEEKS)],
            "mean": [weekly] * WEEKS,
            "p10": [weekly / 2] * WEEKS,
            "p50": [weekly] * WEEKS,
            "p90": [weekly * 2] * WEEKS,
        },
        validation_error=error,
        history_periods=30,
        fitted_at=timezone.now(),
    )


@pytest.fixture
def forecasts(own_product, others_product):
    """(the artisan's forecast, the other artisan's): both sell 6 a week with nothing on the shelf."""
    for product in (own_product, others_product):
        product.lead_time_days = 7
        product.save()
        product.variants.update(stock_on_hand=0)
    return forecast(own_product.variants.get(), 6), forecast(others_product.variants.get(), 6, method="ETS", error=1.2)


def plan_for(maker, weeks_ahead: int = 1) -> ProductionPlan:
    start = week_start(timezone.localdate()) + dt.timedelta(weeks=weeks_ahead)
    return ProductionPlan.objects.create(
        maker=maker,
        week_start=start,
        weeks=4,
        service_level=0.95,
        plan={"makers": [{"maker_id": maker.pk, "weeks": []}], "unplaced": [], "skipped": []},
    )


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# --- Forecasts ---------------------------------------------------------------------------------------


def test_an_artisan_sees_only_their_own_forecasts(forecasts, artisan_client, manager_client, outsider_client):
    own, others = forecasts
    assert ids(artisan_client.get("/api/forecasts/")) == [own.pk]
    assert artisan_client.get(f"/api/forecasts/{others.pk}/").status_code == 404
    assert sorted(ids(manager_client.get("/api/forecasts/"))) == sorted([own.pk, others.pk])
    for client in (outsider_client, Client()):
        expected = 403 if client is outsider_client else 401  # anonymous: 401
        assert client.get("/api/forecasts/").status_code == expected
        assert client.get(f"/api/forecasts/{own.pk}/").status_code == expected


def test_a_forecast_has_its_values_method_and_error(forecasts, own_product, artisan_client):
    own, _ = forecasts
    response = artisan_client.get(f"/api/forecasts/{own.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in ("variant", "sku", "product", "product_title", "method", "demand_class")} == {
        "variant": own.variant_id,
        "sku": "INES-MUG-CEL",
        "product": own_product.pk,
        "product_title": "Ines's celadon mug",
        "method": "TSB",
        "demand_class": "intermittent",
    }
    assert (body["validation_error"], body["adi"], body["cv2"], body["freq"]) == (0.8, 1.4, 0.3, "W")
    assert body["values"]["dates"] == own.values["dates"]
    assert body["values"]["p90"] == [12.0] * WEEKS and body["values"]["mean"] == [6.0] * WEEKS


def test_forecasts_filter_by_sku_and_product(forecasts, own_product, others_product, manager_client, artisan_client):
    own, others = forecasts
    assert ids(manager_client.get("/api/forecasts/?sku=TOMAS-RUN-NAT")) == [others.pk]
    assert ids(manager_client.get(f"/api/forecasts/?product={own_product.pk}")) == [own.pk]
    assert ids(manager_client.get("/api/forecasts/?sku=NOPE")) == []
    # A filter never widens what an artisan sees.
    assert ids(artisan_client.get(f"/api/forecasts/?product={others_product.pk}")) == []
    response = manager_client.get("/api/forecasts/?product=mugs")
    assert response.status_code == 400
    assert response.json()["errors"] == {"product": ["A product id is a whole number."]}


def test_accuracy_counts_only_the_forecasts_you_may_see(forecasts, artisan_client, manager_client):
    mine = artisan_client.get("/api/forecasts/accuracy/")
    assert mine.status_code == 200
    body = mine.json()
    assert body["overall"] == {"variants": 1, "error": 0.8}
    assert body["by_method"] == [{"method": "TSB", "variants": 1, "error": 0.8}]
    assert body["by_class"] == [{"demand_class": "intermittent", "variants": 1, "error": 0.8}]
    everyone = manager_client.get("/api/forecasts/accuracy/").json()
    assert everyone["overall"]["variants"] == 2 and everyone["overall"]["error"] == pytest.approx(1.0)


# --- Refitting --------------------------------------------------------------------------------------


def test_only_managers_refit(own_product, artisan_client, outsider_client):
    for client in (artisan_client, outsider_client):
        response = client.post("/api/forecasts/refit/", {}, content_type="application/json")
        assert response.status_code == 403
    denied = artisan_client.post("/api/forecasts/refit/").json()
    assert denied["detail"] == "Only shop managers can refit the forecasts."
    assert Client().post("/api/forecasts/refit/").status_code == 401
    assert not Job.objects.exists()


def test_a_manager_refits_and_gets_a_job(
    own_product,
    others_product,
    manager_client,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post("/api/forecasts/refit/", {}, content_type="application/json")

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["kind"] == "forecast_refit" and body["total"] == 2
    job = Job.objects.get(pk=body["id"])
    assert (job.status, job.done, job.failed) == (Job.Status.SUCCEEDED, 2, 0), job.errors
    assert set(Forecast.objects.values_list("variant__sku", flat=True)) == {"INES-MUG-CEL", "TOMAS-RUN-NAT"}
    assert min(value for f in Forecast.objects.all() for value in f.values["p10"]) >= 0  # never negative


def test_a_manager_refits_chosen_variants_and_unknown_ones_are_a_400(own_product, others_product, manager_client):
    own_variant = own_product.variants.get()
    response = manager_client.post(
        "/api/forecasts/refit/", {"variant_ids": [own_variant.pk]}, content_type="application/json"
    )
    assert response.status_code == 202
    assert response.json()["total"] == 1

    others_product.is_active = False
    others_product.save()
    theirs = others_product.variants.get().pk
    response = manager_client.post(
        "/api/forecasts/refit/", {"variant_ids": [own_variant.pk, theirs, 777777]}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"variant_ids": [f"Unknown variants or inactive products: {[theirs, 777777]}."]}
    assert Job.objects.count() == 1


# --- Stock alerts -------------------------------------------------------------------------------------


def test_stock_alerts_show_only_what_the_user_may_see(forecasts, own_product, artisan_client, manager_client):
    response = artisan_client.get("/api/alerts/")
    assert response.status_code == 200, response.content
    [alert] = response.json()["results"]
    variant = own_product.variants.get()
    assert {key: alert[key] for key in ("kind", "severity", "variant_id", "sku", "product_id", "product_title")} == {
        "kind": "stockout_risk",
        "severity": "high",
        "variant_id": variant.pk,
        "sku": "INES-MUG-CEL",
        "product_id": own_product.pk,
        "product_title": "Ines's celadon mug",
    }
    assert alert["message"].startswith("Ines's celadon mug") and "out of stock" in alert["message"]
    assert alert["detail"]["stock_on_hand"] == 0 and alert["detail"]["lead_time_days"] == 7
    dt.date.fromisoformat(alert["detail"]["stockout_date"])  # dates come as ISO strings

    everyone = manager_client.get("/api/alerts/").json()
    assert everyone["count"] == 2
    assert {row["sku"] for row in everyone["results"]} == {"INES-MUG-CEL", "TOMAS-RUN-NAT"}


def test_no_forecasts_no_alerts_and_outsiders_get_a_403(artisan_client, outsider_client):
    assert artisan_client.get("/api/alerts/").json()["results"] == []
    assert outsider_client.get("/api/alerts/").status_code == 403
    assert Client().get("/api/alerts/").status_code == 401


# --- Production plans ------------------------------------------------------------------------------------


def test_an_artisan_sees_only_their_own_plans_with_their_review_state(
    artisan, other_artisan, artisan_client, manager_client, outsider_client
):
    own, others = plan_for(artisan), plan_for(other_artisan)
    item = review_submit(draft=own)
    review_decide(item_id=item.pk, user=artisan, approve=True, seen_hash=item.snapshot_hash)

    response = artisan_client.get("/api/plans/")
    assert ids(response) == [own.pk]
    [row] = response.json()["results"]
    assert (row["maker"], row["maker_name"], row["week_start"], row["weeks"], row["service_level"]) == (
        "ines",
        "Inès",
        own.week_start.isoformat(),
        4,
        0.95,
    )
    assert row["plan"] == own.plan and row["status"] == "ready"
    assert row["review"] == {"id": item.pk, "version": 1, "state": ReviewState.APPROVED}

    assert artisan_client.get(f"/api/plans/{others.pk}/").status_code == 404
    detail = manager_client.get(f"/api/plans/{others.pk}/")
    assert detail.status_code == 200 and detail.json()["review"] is None  # not submitted yet
    assert sorted(ids(manager_client.get("/api/plans/"))) == sorted([own.pk, others.pk])
    assert outsider_client.get("/api/plans/").status_code == 403
    assert Client().get(f"/api/plans/{own.pk}/").status_code == 401


def test_the_plan_list_costs_the_same_queries_for_two_plans_as_for_eight(artisan, artisan_client):
    def queries(expected: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert len(ids(artisan_client.get("/api/plans/"))) == expected
        return len(captured)

    for weeks_ahead in (1, 2):
        review_submit(draft=plan_for(artisan, weeks_ahead))
    few = queries(2)
    for weeks_ahead in range(3, 9):
        review_submit(draft=plan_for(artisan, weeks_ahead))
    assert queries(8) == few


# --- Unmatched SKUs -----------------------------------------------------------------------------------


def test_only_managers_see_unmatched_skus(artisan_client, manager_client, outsider_client):
    kept = UnmatchedSku.objects.create(
        channel=SalesChannel.SHOPIFY, sku="MUG-OLD", lines=2, quantity=3, examples=["#1001", "#1002"]
    )
    response = manager_client.get("/api/unmatched-skus/")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert {key: row[key] for key in ("id", "channel", "sku", "lines", "quantity", "examples")} == {
        "id": kept.pk,
        "channel": "shopify",
        "sku": "MUG-OLD",
        "lines": 2,
        "quantity": 3,
        "examples": ["#1001", "#1002"],
    }
    assert manager_client.get(f"/api/unmatched-skus/{kept.pk}/").status_code == 200
    for client in (artisan_client, outsider_client):
        response = client.get("/api/unmatched-skus/")
        assert response.status_code == 403
        assert client.get(f"/api/unmatched-skus/{kept.pk}/").status_code == 403
    assert artisan_client.get("/api/unmatched-skus/").json()["detail"] == "Only shop managers can see unmatched SKUs."


def test_the_schema_documents_forecasting(manager_client):
    paths = manager_client.get("/api/schema/?format=json").json()["paths"]
    for path in (
        "/api/forecasts/",
        "/api/forecasts/{id}/",
        "/api/forecasts/accuracy/",
        "/api/alerts/",
        "/api/plans/",
        "/api/plans/{id}/",
        "/api/unmatched-skus/",
        "/api/unmatched-skus/{id}/",
    ):
        assert path in paths, path
    # Besides its own answers, the errors every POST can answer (tests/api/test_schema.py).
    assert set(paths["/api/forecasts/refit/"]["post"]["responses"]) == {
        "202",
        "400",
        "401",
        "403",
        "404",
        "409",
        "413",
        "415",
        "422",
    }
    assert {parameter["name"] for parameter in paths["/api/forecasts/"]["get"]["parameters"]} >= {"sku", "product"}
