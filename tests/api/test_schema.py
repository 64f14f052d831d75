"""The OpenAPI schema is valid, warning-free, and its docs page works offline."""

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.test import Client, override_settings
from openapi_spec_validator import validate

from tests.studio.manage_cmd import manage

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/api/products/",
    "/api/products/{id}/",
    "/api/variants/",
    "/api/variants/{id}/",
    "/api/categories/",
    "/api/sales/",
    "/api/reviews/",
    "/api/reviews/{id}/",
    "/api/reviews/{id}/decide/",
    "/api/reviews/bulk-decide/",
    "/api/jobs/",
    "/api/jobs/{id}/",
    "/api/studio/",
    "/api/sales/imports/",
    "/api/products/write-listings/",
]


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock(), override_settings(ATELIER_API_SCHEMA_PUBLIC=True):
        response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_a_valid_openapi_3_document(schema):
    validate(schema)  # raises on any violation of the OpenAPI 3 spec
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Atelier API"


def test_the_schema_describes_every_endpoint(schema):
    for path in ENDPOINTS:
        assert path in schema["paths"], path
    decide = schema["paths"]["/api/reviews/{id}/decide/"]["post"]
    assert set(decide["responses"]) >= {"200", "400", "404", "409"}
    # Sales are read-only; products and variants can be patched, not created.
    assert "patch" not in schema["paths"]["/api/sales/{id}/"]
    assert "patch" in schema["paths"]["/api/products/{id}/"]
    assert "post" not in schema["paths"]["/api/products/"]


def test_the_yaml_schema_parses_too(artisan_client):
    response = artisan_client.get("/api/schema/")
    assert response.status_code == 200
    validate(yaml.safe_load(response.content))


def test_the_docs_page_uses_only_local_assets(artisan_client):
    response = artisan_client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    for url in assets:
        assert not url.startswith(("http:", "https:", "//")), url
        if url.startswith("/api/docs/?script"):
            continue  # the start-up script, served by the docs view itself (no inline script: the CSP)
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is not a static file we ship"


def test_the_schema_generates_without_a_single_warning(tmp_path):
    target = tmp_path / "schema.yaml"
    result = manage("spectacular", "--validate", "--fail-on-warn", "--file", str(target), tmp_path=tmp_path, DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr and "Error" not in result.stderr, result.stderr
    validate(yaml.safe_load(target.read_text()))


def test_every_operation_documents_the_errors_any_api_view_answers(schema):
    """401/403/404/400 as problem documents everywhere; a POST's Idempotency-Key refusals too."""
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for code in ("400", "401", "403", "404") + (("409", "422") if method == "post" else ()):
                assert "application/problem+json" in responses[code]["content"], (method, path, code)
    # An import report stays the 400's own body, beside the problem documents the same code can be.
    imports = schema["paths"]["/api/sales/imports/"]["post"]["responses"]["400"]["content"]
    assert {"application/json", "application/problem+json"} <= set(imports)


def test_lists_the_api_refuses_empty_say_so(schema):
    stage = schema["components"]["schemas"]["StageRequest"]["properties"]
    assert stage["product_ids"]["minItems"] == 1


def test_the_idempotency_key_header_states_what_the_server_accepts(schema):
    decide = schema["paths"]["/api/reviews/{id}/decide/"]["post"]["parameters"]
    key = next(p for p in decide if p["name"] == "Idempotency-Key")["schema"]
    assert key["maxLength"] == 255 and key["minLength"] == 1
    assert key["pattern"] == r"^[!-~]([ -~]*[!-~])?$"


def test_an_unrecognised_import_file_format_is_documented_as_blank(schema):
    fmt = schema["components"]["schemas"]["SalesImport"]["properties"]["file_format"]
    refs = [part.get("$ref", "") for part in fmt.get("oneOf", [])]
    assert "#/components/schemas/BlankEnum" in refs, fmt


def test_json_bodies_are_documented_as_json_only(schema):
    """A form-encoded JSON body loses its types (allow_lan=anything is true); only uploads are multipart."""
    bulk = schema["paths"]["/api/reviews/bulk-decide/"]["post"]["requestBody"]["content"]
    assert set(bulk) == {"application/json"}
    photos = schema["paths"]["/api/products/{id}/photos/"]["post"]["requestBody"]["content"]
    assert set(photos) == {"multipart/form-data"}


def test_the_forecast_filter_documents_that_a_product_id_is_not_negative(schema):
    parameters = schema["paths"]["/api/forecasts/"]["get"]["parameters"]
    product = next(p for p in parameters if p["name"] == "product")["schema"]
    assert product == {"type": "integer", "minimum": 0}
