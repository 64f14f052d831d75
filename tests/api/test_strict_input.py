"""A body the schema calls invalid is refused with 400 problem+json, not coerced: a number where a string is
documented, "yes" or 1 for a boolean, the text "12" for a JSON integer. Form and multipart bodies (the
uploads) carry only text, so there a boolean is the text true or false and a number its digits."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers
from rest_framework.relations import RelatedField

from studio.api.fields import BooleanField, PrimaryKeyRelatedField, SlugRelatedField, TextOnly, WholeNumber
from studio.api.problems import PROBLEM_JSON
from tests.factories import VariantFactory

# The DRF fields that coerce, and the strict class each writable one must be instead.
LENIENT = (serializers.CharField, serializers.BooleanField, serializers.IntegerField, RelatedField)
STRICT = (TextOnly, BooleanField, WholeNumber, PrimaryKeyRelatedField, SlugRelatedField)


def lenient_fields(serializer: serializers.BaseSerializer, path: str = "") -> list[str]:
    """The writable fields of a request serializer (nested ones, list and dict children included) that would
    coerce a value the schema calls invalid; an empty list is the goal."""
    if isinstance(serializer, serializers.ListSerializer):
        return lenient_fields(serializer.child, path + "[]")
    found = []
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        where = f"{path}.{name}" if path else name
        if isinstance(field, serializers.BaseSerializer):
            found += lenient_fields(field, where)
            continue
        for child in (getattr(field, "child", None), getattr(field, "child_relation", None)):
            if child is not None and isinstance(child, LENIENT) and not isinstance(child, STRICT):
                found.append(f"{where}[] ({type(child).__name__})")
        if isinstance(field, LENIENT) and not isinstance(field, STRICT):
            found.append(f"{where} ({type(field).__name__})")
    return found


pytestmark = pytest.mark.django_db

HASH = "0" * 64


def _request_serializers():
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    for path, _, method, callback in generator.endpoints:
        if method in ("POST", "PUT", "PATCH"):
            serializer = generator.create_view(callback, method).schema.get_request_serializer()
            if serializer is not None and not isinstance(serializer, dict):
                yield f"{method} {path}", serializer() if isinstance(serializer, type) else serializer


def test_every_request_serializer_takes_only_what_its_schema_says():
    found = dict(_request_serializers())
    assert len(found) > 10
    assert {label: lenient_fields(s) for label, s in found.items() if lenient_fields(s)} == {}


def _refused(response, field: str) -> None:
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith(PROBLEM_JSON)
    assert field in response.json()["errors"], response.json()


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


@pytest.mark.parametrize("note", [0, 12.5, True, ["a"], {"a": 1}])
def test_a_note_must_be_a_string(manager_client, note):
    items = [{"id": 1, "seen_hash": HASH}]
    _refused(
        _post(manager_client, "/api/reviews/bulk-decide/", {"decision": "reject", "note": note, "items": items}), "note"
    )
    _refused(
        _post(manager_client, "/api/reviews/1/decide/", {"decision": "reject", "seen_hash": HASH, "note": note}), "note"
    )
    body = {"product_ids": [1], "instructions": note}
    _refused(_post(manager_client, "/api/products/write-listings/", body), "instructions")


@pytest.mark.parametrize("retry", ["yes", "true", "1", 1, 0, None])
def test_a_json_boolean_is_true_or_false_only(manager_client, retry):
    body = {"decision": "reject", "seen_hash": HASH, "retry": retry}
    _refused(_post(manager_client, "/api/reviews/1/decide/", body), "retry")
    body = {"decision": "approve", "seen_hash": HASH, "options": {"add_to_gallery": retry}}
    _refused(_post(manager_client, "/api/reviews/1/decide/", body), "options")


@pytest.mark.parametrize("value", ["12", True, 1.5])
def test_a_json_id_is_a_whole_number(manager_client, value):
    _refused(_post(manager_client, "/api/products/stage/", {"product_ids": [value], "look_ids": [1]}), "product_ids")


def test_a_webhook_endpoint_refuses_a_number_for_text_and_1_for_a_boolean(manager_client):
    good = {"url": "https://hooks.example.com/x", "event_types": ["draft.approved"]}
    _refused(_post(manager_client, "/api/webhooks/endpoints/", {**good, "description": 5}), "description")
    _refused(_post(manager_client, "/api/webhooks/endpoints/", {**good, "allow_lan": 1}), "allow_lan")
    _refused(_post(manager_client, "/api/webhooks/endpoints/", {**good, "header_value": 7}), "header_value")


def test_a_product_refuses_coerced_values(artisan_client, own_product):
    url = f"/api/products/{own_product.pk}/"
    for body, field in [
        ({"title": 5}, "title"),
        ({"is_active": "no"}, "is_active"),
        ({"batch_size": "3"}, "batch_size"),
    ]:
        response = artisan_client.patch(url, body, content_type="application/json")
        _refused(response, field)
    own_product.refresh_from_db()
    assert own_product.title != "5" and own_product.is_active


def test_well_typed_json_is_still_taken(artisan_client, own_product):
    response = artisan_client.patch(
        f"/api/products/{own_product.pk}/",
        {"title": "Celadon mug", "is_active": False, "batch_size": 3, "made_to_order": True},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["batch_size"] == 3 and response.json()["is_active"] is False
    variant = VariantFactory(product=own_product)
    response = artisan_client.patch(
        f"/api/variants/{variant.pk}/", {"stock_on_hand": 4}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["stock_on_hand"] == 4


@pytest.mark.parametrize("text, expected", [("true", True), ("True", True), ("false", False)])
def test_a_multipart_boolean_is_the_text_true_or_false(manager_client, text, expected):
    upload = SimpleUploadedFile("sales.csv", b"not, a sales file\n", content_type="text/csv")
    response = manager_client.post("/api/sales/imports/", {"file": upload, "dry_run": text})
    # Not a sales file: 400 with the import's report, which shows the dry_run the text asked for.
    assert response.status_code == 400, response.content
    assert response.json()["dry_run"] is expected


@pytest.mark.parametrize("text", ["yes", "1", "on", "null"])
def test_a_multipart_boolean_refuses_other_text(manager_client, text):
    upload = SimpleUploadedFile("sales.csv", b"not, a sales file\n", content_type="text/csv")
    _refused(manager_client.post("/api/sales/imports/", {"file": upload, "dry_run": text}), "dry_run")
