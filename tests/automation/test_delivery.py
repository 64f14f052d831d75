"""Outgoing webhooks end to end: outbox, signing (checked with the standardwebhooks reference), retries on a
fake clock, 410, retry-after, a killed worker, rotation."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import transaction
from standardwebhooks.webhooks import Webhook

from approvals.models import ReviewItem
from approvals.services import review_decide, review_submit
from automation import outbox, services, tasks
from automation.models import Attempt, Delivery, Endpoint
from catalog.listings.services import listing_write
from studio import events
from tests.api.test_forecasting_api import plan_for

pytestmark = pytest.mark.django_db


def _job_finished(job_id: int = 9) -> events.JobFinished:
    return events.JobFinished(job=None, job_id=job_id, kind="publish", status="succeeded", done=3)


def _verify(endpoint: Endpoint, request) -> dict:
    """The reference implementation's check; raises WebhookVerificationError when the signature is wrong."""
    return Webhook(endpoint.secret).verify(request.body, request.headers)


# --- The outbox is written in the event's transaction -------------------------------------------------


def test_the_outbox_row_is_written_in_the_events_transaction_and_rolls_back_with_it(endpoint_to):
    endpoint = endpoint_to("https://hooks.example.com/a", event_types=["job.finished"])
    with pytest.raises(RuntimeError), transaction.atomic():
        events.emit(_job_finished())
        assert Delivery.objects.filter(endpoint=endpoint).count() == 1  # inside the transaction already
        raise RuntimeError("the service failed")
    assert Delivery.objects.count() == 0
    with transaction.atomic():
        events.emit(_job_finished())
    delivery = Delivery.objects.get()
    assert delivery.event_type == "job.finished" and delivery.status == Delivery.Status.PENDING
    assert json.loads(delivery.body)["data"]["job_id"] == 9


def test_only_enabled_endpoints_that_want_the_type_get_a_row(endpoint_to):
    wants = endpoint_to("https://hooks.example.com/a", event_types=["job.finished"])
    endpoint_to("https://hooks.example.com/b", event_types=["draft.approved"])
    endpoint_to("https://hooks.example.com/c", event_types=["job.finished"], enabled=False)
    events.emit(_job_finished())
    assert list(Delivery.objects.values_list("endpoint", flat=True)) == [wants.pk]


def test_an_in_transaction_subscriber_runs_before_the_commit_and_after_commit_ones_after():
    order: list[str] = []
    events.subscribe(events.JobFinished, lambda e: order.append("inside"), dispatch_uid="t.in", phase="in_transaction")
    events.subscribe(events.JobFinished, lambda e: order.append("after"), dispatch_uid="t.after")
    try:
        with transaction.atomic():
            events.emit(_job_finished())
            assert order == ["inside"]
    finally:
        events.unsubscribe(events.JobFinished, dispatch_uid="t.in")
        events.unsubscribe(events.JobFinished, dispatch_uid="t.after")
    # pytest-django's test transaction never commits: the after-commit handler is still queued here.
    assert order == ["inside"]
    with pytest.raises(ValueError):
        events.subscribe(events.JobFinished, order.append, phase="sometime")


# --- Done when: a manager adds an endpoint, approves a listing, the receiver gets it signed ---------------


def test_a_manager_adds_an_endpoint_approves_a_listing_and_the_receiver_gets_a_signed_draft_approved(
    manager, manager_client, own_product, receiver, loopback_allowed, django_capture_on_commit_callbacks
):
    response = manager_client.post(
        "/automation/webhooks/",
        {"url": receiver.url, "description": "Make: Slack", "event_types": ["draft.approved"]},
    )
    assert response.status_code == 200, response.content
    endpoint = Endpoint.objects.get()
    assert endpoint.secret.startswith("whsec_") and endpoint.secret in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        draft = listing_write(product_id=own_product.pk, requested_by_id=manager.pk)
    item = ReviewItem.objects.get(draft_id=draft.pk, kind="listing_copy")
    with django_capture_on_commit_callbacks(execute=True):
        review_decide(item_id=item.pk, user=manager, approve=True, seen_hash=item.snapshot_hash)

    assert len(receiver.requests) == 1
    got = receiver.requests[0]
    payload = _verify(endpoint, got)
    assert payload["type"] == "draft.approved" and payload["version"] == 1
    assert payload["data"]["review_item_id"] == item.pk and payload["data"]["product_id"] == own_product.pk
    item.refresh_from_db()
    assert payload["data"]["title"] == item.approved_snapshot["title"] == draft.title
    assert payload["data"]["product_url"].endswith(f"/catalog/products/{own_product.pk}/")
    assert got.headers["webhook-id"].startswith("msg_")
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SUCCEEDED and delivery.webhook_id == got.headers["webhook-id"]
    assert delivery.attempts.get().status_code == 204


def test_a_wrong_secret_fails_the_reference_verification(endpoint_to, receiver, loopback_allowed):
    endpoint = endpoint_to(receiver.url, event_types=["job.finished"])
    ids = outbox.outbox_write(_job_finished())
    services.delivery_attempt(delivery_id=ids[0])
    other = Webhook("whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=")
    with pytest.raises(Exception, match="No matching signature"):
        other.verify(receiver.requests[0].body, receiver.requests[0].headers)
    assert _verify(endpoint, receiver.requests[0])["type"] == "job.finished"


def test_the_static_header_is_sent(endpoint_to, receiver, loopback_allowed):
    endpoint_to(receiver.url, event_types=["job.finished"], header_name="X-N8N-Key", header_value="n8n-header-value-1")
    services.delivery_attempt(delivery_id=outbox.outbox_write(_job_finished())[0])
    assert receiver.requests[0].headers["x-n8n-key"] == "n8n-header-value-1"


# --- Retries ---------------------------------------------------------------------------------------------


def test_retries_follow_the_schedule_with_jitter_and_keep_the_webhook_id(
    endpoint_to, receiver, loopback_allowed, clock
):
    endpoint = endpoint_to(receiver.url, event_types=["job.finished"])
    receiver.answer(500, times=20, body=b"<b>down</b>")
    delivery_id = outbox.outbox_write(_job_finished())[0]
    Delivery.objects.filter(pk=delivery_id).update(next_attempt_at=clock.now)
    waits = []
    for _ in range(8):
        assert services.delivery_attempt(delivery_id=delivery_id) in ("pending", "failed")
        delivery = Delivery.objects.get(pk=delivery_id)
        if delivery.status == Delivery.Status.PENDING:
            wait = delivery.next_attempt_at - clock.now
            waits.append(wait)
            assert services.delivery_attempt(delivery_id=delivery_id) == "not due"  # not before its time
            clock.now = delivery.next_attempt_at
    for wait, planned in zip(waits, services.RETRY_SCHEDULE, strict=True):
        assert planned <= wait <= planned * (1 + services.JITTER) + dt.timedelta(microseconds=1)
    delivery = Delivery.objects.get(pk=delivery_id)
    assert delivery.status == Delivery.Status.FAILED and delivery.attempt_count == 8
    assert len(set(receiver.webhook_ids())) == 1 and len(receiver.requests) == 8
    assert [a.number for a in delivery.attempts.order_by("number")] == list(range(1, 9))
    assert delivery.attempts.first().response_snippet == "<b>down</b>"  # stored as sent; the page escapes it
    assert Endpoint.objects.get(pk=endpoint.pk).failing_since is not None


def test_429_and_503_honour_retry_after(endpoint_to, receiver, loopback_allowed, clock):
    endpoint_to(receiver.url, event_types=["job.finished"])
    receiver.answer(429, headers={"Retry-After": "120"})
    delivery_id = outbox.outbox_write(_job_finished())[0]
    Delivery.objects.filter(pk=delivery_id).update(next_attempt_at=clock.now)
    services.delivery_attempt(delivery_id=delivery_id)
    assert Delivery.objects.get(pk=delivery_id).next_attempt_at - clock.now == dt.timedelta(seconds=120)
    clock.advance(120)
    when = (clock.now + dt.timedelta(minutes=45)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    receiver.answer(503, headers={"Retry-After": when})
    services.delivery_attempt(delivery_id=delivery_id)
    wait = Delivery.objects.get(pk=delivery_id).next_attempt_at - clock.now
    assert dt.timedelta(minutes=44) < wait <= dt.timedelta(minutes=45)
    clock.advance(wait.total_seconds())
    assert services.delivery_attempt(delivery_id=delivery_id) == Delivery.Status.SUCCEEDED


def test_410_disables_the_endpoint_and_the_dashboard_says_so(
    endpoint_to, receiver, loopback_allowed, manager_client, artisan_client
):
    endpoint = endpoint_to(receiver.url, event_types=["job.finished"], description="Make: Slack")
    receiver.answer(410)
    first, second = outbox.outbox_write(_job_finished(1))[0], outbox.outbox_write(_job_finished(2))[0]
    assert services.delivery_attempt(delivery_id=first) == Delivery.Status.CANCELLED
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "410 Gone" in endpoint.disabled_reason and endpoint.disabled_automatically
    assert Delivery.objects.get(pk=second).status == Delivery.Status.CANCELLED
    assert services.delivery_attempt(delivery_id=second) == "not due"
    assert len(receiver.requests) == 1
    page = manager_client.get("/").content.decode()
    assert "Webhooks switched off" in page and "410 Gone" in page
    assert "Webhooks switched off" not in artisan_client.get("/").content.decode()


def test_an_endpoint_failing_for_days_is_switched_off_by_the_sweep(endpoint_to, clock, settings):
    endpoint = endpoint_to("https://hooks.example.com/a", event_types=["job.finished"])
    Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=clock.now)
    clock.advance(settings.ATELIER_WEBHOOK_DISABLE_AFTER_DAYS * 86400 - 60)
    assert services.deliveries_sweep()["disabled"] == 0
    clock.advance(120)
    assert services.deliveries_sweep()["disabled"] == 1
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "failed for 5 days" in endpoint.disabled_reason


# --- A killed worker loses nothing; a duplicate carries the same webhook-id ---------------------------


def test_a_worker_killed_mid_delivery_still_delivers_exactly_once_by_webhook_id(
    endpoint_to, receiver, loopback_allowed, clock, monkeypatch, settings
):
    endpoint_to(receiver.url, event_types=["job.finished"])
    delivery_id = outbox.outbox_write(_job_finished())[0]
    Delivery.objects.filter(pk=delivery_id).update(next_attempt_at=clock.now)

    class Killed(BaseException):  # like SIGKILL: nothing after the send runs
        pass

    def killed(**kwargs):
        raise Killed

    monkeypatch.setattr(services, "delivery_record", killed)
    with pytest.raises(Killed):
        services.delivery_attempt(delivery_id=delivery_id)
    monkeypatch.undo()
    monkeypatch.setattr(services, "now", lambda: clock.now)
    assert len(receiver.requests) == 1  # it arrived, but the worker died before writing that down

    sent = []
    monkeypatch.setattr(services, "deliveries_enqueue", lambda ids: sent.extend(ids))
    assert services.deliveries_sweep()["queued"] == 0  # the lease still holds: that worker might be alive
    clock.advance(settings.ATELIER_WEBHOOK_TIMEOUT + 31)
    assert services.deliveries_sweep()["queued"] == 1 and sent == [delivery_id]
    assert services.delivery_attempt(delivery_id=delivery_id) == Delivery.Status.SUCCEEDED
    assert services.delivery_attempt(delivery_id=delivery_id) == "not due"  # the task running twice sends nothing

    assert len(receiver.requests) == 2 and len(set(receiver.webhook_ids())) == 1  # once, by webhook-id
    assert Delivery.objects.get(pk=delivery_id).attempts.count() == 1


def test_an_event_whose_process_died_after_the_commit_is_sent_by_the_sweep(
    endpoint_to, receiver, loopback_allowed, monkeypatch, django_capture_on_commit_callbacks
):
    endpoint_to(receiver.url, event_types=["job.finished"])
    with django_capture_on_commit_callbacks(execute=False):  # committed, but the enqueue never ran
        with transaction.atomic():
            events.emit(_job_finished())
    assert receiver.requests == [] and Delivery.objects.get().status == Delivery.Status.PENDING
    assert tasks.sweep()["queued"] == 1  # Q_CLUSTER sync in tests: the queued task ran
    assert Delivery.objects.get().status == Delivery.Status.SUCCEEDED
    assert len(receiver.requests) == 1


def test_send_again_keeps_the_webhook_id(
    endpoint_to, receiver, loopback_allowed, manager_client, django_capture_on_commit_callbacks
):
    endpoint = endpoint_to(receiver.url, event_types=["job.finished"])
    delivery_id = outbox.outbox_write(_job_finished())[0]
    services.delivery_attempt(delivery_id=delivery_id)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(f"/automation/webhooks/deliveries/{delivery_id}/send-again/")
    assert response.status_code == 302
    assert len(receiver.requests) == 2 and len(set(receiver.webhook_ids())) == 1
    page = manager_client.get(f"/automation/webhooks/{endpoint.pk}/").content.decode()
    assert "Send again" in page and receiver.requests[0].headers["webhook-id"] in page


# --- Secret rotation ----------------------------------------------------------------------------------


def test_rotation_sends_both_signatures_during_the_overlap(endpoint_to, receiver, loopback_allowed, clock, settings):
    endpoint = endpoint_to(receiver.url, event_types=["job.finished"])
    old = endpoint.secret
    new = services.endpoint_rotate_secret(endpoint=endpoint)
    assert new != old and new.startswith("whsec_")
    delivery_id = outbox.outbox_write(_job_finished(1))[0]
    Delivery.objects.filter(pk=delivery_id).update(next_attempt_at=clock.now)
    services.delivery_attempt(delivery_id=delivery_id)
    request = receiver.requests[-1]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(request.body, request.headers)
    Webhook(new).verify(request.body, request.headers)

    clock.advance(settings.ATELIER_WEBHOOK_ROTATION_HOURS * 3600 + 1)
    delivery_id = outbox.outbox_write(_job_finished(2))[0]
    Delivery.objects.filter(pk=delivery_id).update(next_attempt_at=clock.now)
    services.delivery_attempt(delivery_id=delivery_id)
    request = receiver.requests[-1]
    assert len(request.headers["webhook-signature"].split(" ")) == 1
    # the reference's verify() checks the timestamp against the real clock; sign the same way at the faked time
    assert (
        Webhook(old).sign(request.headers["webhook-id"], clock.now, request.body)
        != request.headers["webhook-signature"]
    )
    assert (
        Webhook(new).sign(request.headers["webhook-id"], clock.now, request.body)
        == request.headers["webhook-signature"]
    )


def test_the_attempt_snippet_never_keeps_the_endpoints_secrets(endpoint_to, receiver, loopback_allowed):
    endpoint = endpoint_to(
        receiver.url, event_types=["job.finished"], header_name="X-Key", header_value="hv-secret-123456"
    )
    receiver.answer(400, body=f"bad header hv-secret-123456 and {endpoint.secret}".encode())
    services.delivery_attempt(delivery_id=outbox.outbox_write(_job_finished())[0])
    snippet = Attempt.objects.get().response_snippet
    assert "hv-secret-123456" not in snippet and endpoint.secret not in snippet and "[redacted]" in snippet


# --- Other event types --------------------------------------------------------------------------------


def test_a_listing_published_on_a_channel_has_its_channel_in_the_type(endpoint_to, own_product):
    endpoint_to("https://hooks.example.com/a", event_types=["listing.published.shopify"])
    events.emit(events.ProductPublished(channel="etsy", product=own_product, product_id=own_product.pk))
    assert Delivery.objects.count() == 0
    events.emit(
        events.ProductPublished(
            channel="shopify", product=own_product, product_id=own_product.pk, remote_id="gid://shopify/Product/1"
        )
    )
    body = json.loads(Delivery.objects.get().body)
    assert body["type"] == "listing.published.shopify"
    assert body["data"]["title"] == own_product.title and body["data"]["remote_id"] == "gid://shopify/Product/1"


def test_approving_a_production_plan_emits_production_plan_approved(endpoint_to, manager, artisan):
    endpoint_to("https://hooks.example.com/a", event_types=["production_plan.approved"])
    plan = plan_for(artisan)
    item = review_submit(draft=plan)
    review_decide(item_id=item.pk, user=manager, approve=True, seen_hash=item.snapshot_hash)
    body = json.loads(Delivery.objects.get().body)
    assert body["type"] == "production_plan.approved"
    assert body["data"]["plan_id"] == plan.pk and body["data"]["maker_id"] == artisan.pk
    assert body["data"]["review_url"].endswith(f"/review/{item.pk}/")


def test_stock_alerts_are_worth_computing_only_while_an_endpoint_is_on(endpoint_to):
    """forecasting skips recomputing every alert when nobody listens (events.subscribed)."""
    assert not events.subscribed(events.StockAlertRaised)
    endpoint = endpoint_to("https://hooks.example.com/a", event_types=["stock_alert.raised"])
    assert events.subscribed(events.StockAlertRaised)
    Endpoint.objects.filter(pk=endpoint.pk).update(enabled=False)
    assert not events.subscribed(events.StockAlertRaised)
