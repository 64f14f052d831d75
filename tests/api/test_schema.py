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
