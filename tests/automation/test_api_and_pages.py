"""Webhooks through the API (endpoints, REST hooks) and the pages: shop managers only, secrets shown once."""

from __future__ import annotations

import pytest
from django_q.models import Schedule

from automation import outbox, services
from automation.models import Delivery, Endpoint
from automation.payloads import EVENT_TYPES
from automation.schedules import SWEEP, schedules_sync
from studio import events

pytestmark = pytest.mark.django_db


def _stock_alert() -> events.StockAlertRaised:
    return events.StockAlertRaised(variant_id=3, sku="MUG-1", alert="stockout_risk", severity="high", message="Low")


# --- REST hooks (Zapier) ------------------------------------------------------------------------------


def test_rest_hook_subscribe_deliver_and_unsubscribe(manager_client, receiver, loopback_allowed):
    response = manager_client.post(
        "/api/hooks/", {"target_url": receiver.url, "event": "stock_alert.raised"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    hook = response.json()
    assert hook["event"] == "stock_alert.raised" and hook["target_url"] == receiver.url
    assert hook["secret"].startswith("whsec_")
    services.delivery_attempt(delivery_id=outbox.outbox_write(_stock_alert())[0])
    assert receiver.requests[0].headers["webhook-id"]
    assert receiver.requests[0].body.startswith(b'{"type":"stock_alert.raised"')

    assert manager_client.delete(f"/api/hooks/{hook['id']}").status_code == 204  # Zapier's form, no slash
    assert not Endpoint.objects.exists()
    assert outbox.outbox_write(_stock_alert()) == []
    assert manager_client.delete(f"/api/hooks/{hook['id']}/").status_code == 404


def test_a_410_from_a_rest_hook_target_deletes_the_subscription(manager, receiver, loopback_allowed):
    endpoint = services.rest_hook_subscribe(target_url=receiver.url, event="stock_alert.raised", user=manager)
    receiver.answer(410)
    assert services.delivery_attempt(delivery_id=outbox.outbox_write(_stock_alert())[0]) == "unsubscribed"
    assert not Endpoint.objects.filter(pk=endpoint.pk).exists() and not Delivery.objects.exists()


def test_rest_hook_refuses_a_bad_target_and_an_unknown_event(manager_client):
    response = manager_client.post(
        "/api/hooks/",
        {"target_url": "https://10.0.0.1/x", "event": "stock_alert.raised"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "private" in str(response.json()["errors"]["url"])
    response = manager_client.post(
        "/api/hooks/", {"target_url": "https://hooks.example.com/x", "event": "nope"}, content_type="application/json"
    )
    assert response.status_code == 400 and "event" in response.json()["errors"]


def test_sample_payloads_per_event_type(manager_client):
    for event in EVENT_TYPES:
        response = manager_client.get(f"/api/hooks/samples/{event}/")
        assert response.status_code == 200
        (sample,) = response.json()
        assert sample["type"] == event and sample["version"] == 1 and sample["data"]
    assert manager_client.get("/api/hooks/samples/nope/").status_code == 404


def test_only_shop_managers_use_the_hooks_and_endpoints_api(artisan_client, outsider_client, client):
    for who in (artisan_client, outsider_client):
        assert who.post("/api/hooks/", {}, content_type="application/json").status_code == 403
        assert who.get("/api/webhooks/endpoints/").status_code == 403
        assert who.get("/api/hooks/samples/draft.approved/").status_code == 403
    assert client.get("/api/webhooks/endpoints/").status_code in (401, 403)


# --- Endpoints API --------------------------------------------------------------------------------


def test_endpoint_api_shows_the_secret_once_and_the_header_value_never(manager_client):
    response = manager_client.post(
        "/api/webhooks/endpoints/",
        {
            "url": "https://hook.eu1.make.com/abc",
            "event_types": ["draft.approved"],
            "header_name": "X-Make-Key",
            "header_value": "make-header-secret-1",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["secret"].startswith("whsec_") and "header_value" not in created
    listed = manager_client.get("/api/webhooks/endpoints/").content.decode()
    assert created["secret"] not in listed and "make-header-secret-1" not in listed
    assert (
        created["secret"][-4:] in manager_client.get(f"/api/webhooks/endpoints/{created['id']}/").json()["secret_hint"]
    )
    rotated = manager_client.post(f"/api/webhooks/endpoints/{created['id']}/rotate-secret/").json()
    assert rotated["secret"] != created["secret"] and rotated["previous_valid_until"]
    patched = manager_client.patch(
        f"/api/webhooks/endpoints/{created['id']}/",
        {"event_types": ["order.recorded"]},
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["event_types"] == ["order.recorded"]
    assert Endpoint.objects.get().header_value == "make-header-secret-1"  # kept


# --- Pages -------------------------------------------------------------------------------------------


def test_the_pages_are_for_shop_managers_only(artisan_client, outsider_client, endpoint_to):
    endpoint = endpoint_to("https://hooks.example.com/a")
    for who in (artisan_client, outsider_client):
        assert who.get("/automation/webhooks/").status_code == 404
        assert who.get(f"/automation/webhooks/{endpoint.pk}/").status_code == 404
        assert who.post(f"/automation/webhooks/{endpoint.pk}/rotate/").status_code == 404


def test_the_page_refuses_a_private_address_with_a_message(manager_client):
    response = manager_client.post(
        "/automation/webhooks/", {"url": "https://169.254.169.254/", "event_types": ["draft.approved"]}
    )
    assert response.status_code == 200 and "metadata" in response.content.decode()
    assert not Endpoint.objects.exists()


def test_the_detail_page_never_shows_the_secret_or_header_value(manager_client, endpoint_to):
    endpoint = endpoint_to("https://hooks.example.com/a", header_name="X-Key", header_value="header-value-secret-9")
    page = manager_client.get(f"/automation/webhooks/{endpoint.pk}/").content.decode()
    assert endpoint.secret not in page and "header-value-secret-9" not in page and "••••" in page
    rotated = manager_client.post(f"/automation/webhooks/{endpoint.pk}/rotate/").content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret in rotated and endpoint.previous_secret not in rotated


def test_switching_an_endpoint_off_and_on_keeps_the_reason(manager_client, endpoint_to):
    endpoint = endpoint_to("https://hooks.example.com/a")
    manager_client.post(f"/automation/webhooks/{endpoint.pk}/toggle/", {"reason": "Slack channel archived"})
    endpoint.refresh_from_db()
    assert not endpoint.enabled and endpoint.disabled_reason == "Slack channel archived"
    assert "Slack channel archived" in manager_client.get("/automation/webhooks/").content.decode()
    manager_client.post(f"/automation/webhooks/{endpoint.pk}/toggle/")
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.disabled_reason == ""


def test_the_event_types_page_shows_an_example_of_every_type(manager_client):
    page = manager_client.get("/automation/webhooks/events/").content.decode()
    for name in ("draft.approved", "listing.failed.shopify", "production_plan.approved", "job.finished"):
        assert name in page


def test_an_attempt_snippet_is_escaped_on_the_page(manager_client, endpoint_to, receiver, loopback_allowed):
    endpoint = endpoint_to(receiver.url, event_types=["job.finished"])
    receiver.answer(500, body=b"<script>alert(1)</script>")
    services.delivery_attempt(
        delivery_id=outbox.outbox_write(events.JobFinished(job=None, job_id=1, kind="x", status="failed"))[0]
    )
    page = manager_client.get(f"/automation/webhooks/{endpoint.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_page_with_the_secret_is_never_cached(manager_client):
    response = manager_client.post(
        "/automation/webhooks/", {"url": "https://hooks.example.com/a", "event_types": ["job.finished"]}
    )
    assert Endpoint.objects.get().secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_the_admin_lists_endpoints_without_their_secrets(manager_client, endpoint_to):
    endpoint = endpoint_to("https://hooks.example.com/a", header_name="X-Key", header_value="admin-hidden-value-1")
    assert manager_client.get("/admin/automation/endpoint/").status_code == 200
    page = manager_client.get(f"/admin/automation/endpoint/{endpoint.pk}/change/").content.decode()
    assert endpoint.secret not in page and "admin-hidden-value-1" not in page and "whsec_••••" in page


def test_the_admin_refuses_a_metadata_address(manager_client, manager):
    response = manager_client.post(
        "/admin/automation/endpoint/add/",
        {"url": "https://169.254.169.254/", "event_types": '["job.finished"]', "enabled": "on"},
    )
    assert response.status_code == 200 and "metadata" in response.content.decode()
    assert not Endpoint.objects.exists()


def test_migrate_makes_the_sweep_schedule():
    schedules_sync()
    schedules_sync()  # twice: still one
    (sweep,) = Schedule.objects.filter(name=SWEEP)
    assert sweep.func == "automation.tasks.sweep" and sweep.minutes == 1
