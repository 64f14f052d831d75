"""Idempotency-Key on every POST under /api/: replay, mismatch, in flight, per user, expiry."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.test.client import encode_multipart
from django.utils import timezone

from approvals.models import ReviewEvent
from approvals.services import review_submit
from catalog.models import Photo
from studio.api.idempotency import fingerprint
from studio.api.services import IDEMPOTENCY_IN_FLIGHT_TIMEOUT, IDEMPOTENCY_TTL, idempotency_claim
from studio.models import IdempotentRequest
from tests.api.routes import ROUTES
from tests.catalog.test_photo_upload import jpeg

pytestmark = pytest.mark.django_db

POSTS = [pytest.param(route, id=route.name) for route in ROUTES if "post" in route.methods]


def post(client, url, body, key, **extra):
    return client.post(url, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **extra)


@pytest.mark.parametrize("route", POSTS)
def test_every_post_replays_the_first_answer_and_refuses_another_body(route, manager_client, own_product):
    url = route.url(pk=own_product.pk)
    first = post(manager_client, url, {"note": "first"}, "key-1")
    again = post(manager_client, url, {"note": "first"}, "key-1")
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    other = post(manager_client, url, {"note": "second"}, "key-1")
    assert other.status_code == 422
    assert other["Content-Type"] == "application/problem+json"
    assert other.json()["type"].endswith("/idempotency-key-reused")


@pytest.fixture
def item(own_product, product_kind):
    return review_submit(draft=own_product)


def test_a_retried_decision_is_made_once_and_answered_twice(item, artisan_client):
    body = {"decision": "approve", "seen_hash": item.snapshot_hash, "note": "Lovely."}
    url = f"/api/reviews/{item.pk}/decide/"
    first = post(artisan_client, url, body, "6f1c0a4e-decide")
    assert first.status_code == 200, first.content
    again = post(artisan_client, url, body, "6f1c0a4e-decide")
    assert again.status_code == 200 and again.json() == first.json()
    assert ReviewEvent.objects.filter(item=item, action="approved").count() == 1
    # Without the key, the same request is a second decision, which is refused.
    assert artisan_client.post(url, body, content_type="application/json").status_code in (400, 409)


def test_keys_belong_to_their_user(item, artisan_client, manager_client):
    body = {"decision": "reject", "seen_hash": item.snapshot_hash, "note": "Not yet."}
    url = f"/api/reviews/{item.pk}/decide/"
    assert post(artisan_client, url, {"decision": "maybe"}, "shared-key").status_code == 400
    decided = post(manager_client, url, body, "shared-key")  # another user, same key: runs
    assert decided.status_code == 200 and decided.json()["state"] == "rejected"
    assert IdempotentRequest.objects.filter(key="shared-key").count() == 2


def test_a_duplicate_while_the_first_is_running_is_a_409(item, artisan, artisan_client):
    body = {"decision": "approve", "seen_hash": item.snapshot_hash}
    url = f"/api/reviews/{item.pk}/decide/"
    running = RequestFactory().post(url, json.dumps(body), content_type="application/json")
    claim = idempotency_claim(user=artisan, key="k-409", fingerprint=fingerprint(running))
    assert claim.record is not None  # the first request holds the key and hasn't answered yet
    response = post(artisan_client, url, body, "k-409")
    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert "still running" in response.json()["detail"]
    item.refresh_from_db()
    assert item.state == "pending"  # the duplicate did nothing
    # A first request whose process died frees the key after the in-flight timeout.
    IdempotentRequest.objects.filter(pk=claim.record.pk).update(
        created_at=timezone.now() - IDEMPOTENCY_IN_FLIGHT_TIMEOUT - dt.timedelta(seconds=1)
    )
    assert post(artisan_client, url, body, "k-409").status_code == 200


def test_answers_are_kept_24_hours_then_swept(item, artisan_client):
    url = f"/api/reviews/{item.pk}/decide/"
    assert post(artisan_client, url, {"decision": "maybe"}, "old-key").status_code == 400
    IdempotentRequest.objects.update(created_at=timezone.now() - IDEMPOTENCY_TTL - dt.timedelta(seconds=1))
    body = {"decision": "approve", "seen_hash": item.snapshot_hash}
    assert post(artisan_client, url, body, "new-key").status_code == 200
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new-key"]  # swept on write
    # The expired key is free again: another body is no longer a mismatch.
    assert post(artisan_client, url, body, "old-key").status_code != 422


def test_json_key_order_and_spacing_do_not_matter(item, artisan_client):
    url = f"/api/reviews/{item.pk}/decide/"
    first = artisan_client.post(
        url,
        json.dumps({"decision": "approve", "seen_hash": item.snapshot_hash}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="order",
    )
    again = artisan_client.post(
        url,
        json.dumps({"seen_hash": item.snapshot_hash, "decision": "approve"}, separators=(",", ":")),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="order",
    )
    assert first.status_code == 200 and again["Idempotent-Replayed"] == "true"


def test_a_retried_upload_with_a_new_multipart_boundary_stores_the_photo_once(own_product, artisan_client):
    photo = jpeg(400)

    def upload(boundary: str):
        body = encode_multipart(boundary, {"files": [SimpleUploadedFile("mug.jpg", photo, "image/jpeg")]})
        return artisan_client.generic(
            "POST",
            f"/api/products/{own_product.pk}/photos/",
            body,
            content_type=f"multipart/form-data; boundary={boundary}",
            HTTP_IDEMPOTENCY_KEY="upload-1",
        )

    first, again = upload("first-boundary"), upload("another-boundary-from-a-retry")
    assert first.status_code == 201, first.content
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Photo.objects.filter(product=own_product).count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "naïve", "tab\there"])
def test_an_invalid_key_is_a_400(key, artisan_client, item):
    response = post(artisan_client, f"/api/reviews/{item.pk}/decide/", {}, key)
    assert response.status_code == 400
    assert response.json()["type"].endswith("/idempotency-key-invalid")


def test_gets_and_anonymous_posts_ignore_the_header(item, artisan_client):
    assert artisan_client.get("/api/reviews/", HTTP_IDEMPOTENCY_KEY="g").status_code == 200
    assert post(Client(), f"/api/reviews/{item.pk}/decide/", {}, "anon").status_code == 401
    assert not IdempotentRequest.objects.exists()


def test_the_schema_documents_the_header_on_every_post(manager_client):
    # The schema needs a role (ATELIER_API_SCHEMA_PUBLIC off).
    schema = manager_client.get("/api/schema/?format=json").json()
    posts = [(path, ops["post"]) for path, ops in schema["paths"].items() if "post" in ops]
    assert len(posts) == len(POSTS)
    for path, operation in posts:
        headers = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        assert "Idempotency-Key" in headers, path
