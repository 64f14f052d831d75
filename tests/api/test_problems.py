"""API errors are RFC 9457 problem documents (application/problem+json), with the messages' words kept."""

from __future__ import annotations

import pytest
from django.test import Client

from approvals.services import review_submit

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def test_field_errors_keep_their_words_under_errors(own_product, artisan_client):
    response = artisan_client.patch(
        f"/api/products/{own_product.pk}/", {"price": "-1.00", "title": ""}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "tag:atelier.local,2026:problem/validation-error"
    assert (problem["title"], problem["status"]) == ("Invalid input", 400)
    assert problem["errors"] == {
        "price": ["Ensure this value is greater than or equal to 0."],
        "title": ["This field may not be blank."],
    }
    assert "price: Ensure this value is greater than or equal to 0." in problem["detail"]
    assert "title: This field may not be blank." in problem["detail"]


def test_plain_http_errors_are_about_blank_with_the_status_title(others_product, artisan_client):
    response = artisan_client.get(f"/api/products/{others_product.pk}/")
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "No Product matches the given query.",
    }
    denied = Client().get("/api/products/")
    assert denied.json() == {
        "type": "about:blank",
        "title": "Unauthorized",
        "status": 401,
        "detail": "Authentication credentials were not provided.",
    }
    assert artisan_client.delete(f"/api/sales/{others_product.pk}/").json()["status"] in (403, 405)


def test_a_views_own_detail_answer_becomes_a_problem_too(own_product, artisan_client, product_kind):
    """Views that answer `{"detail": …}` themselves (a stale decision's 409) get the same shape."""
    item = review_submit(draft=own_product)
    response = artisan_client.post(
        f"/api/reviews/{item.pk}/decide/",
        {"decision": "approve", "seen_hash": "a" * 64},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert (problem["type"], problem["title"], problem["status"]) == ("about:blank", "Conflict", 409)
    assert "changed since you opened it" in problem["detail"]


def test_non_field_errors_and_malformed_json(own_product, artisan_client):
    response = artisan_client.patch(f"/api/products/{own_product.pk}/", "{not json", content_type="application/json")
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    assert response.json()["detail"].startswith("JSON parse error")


def test_the_browsable_api_keeps_its_html_errors(others_product, artisan_client):
    response = artisan_client.get(f"/api/products/{others_product.pk}/", HTTP_ACCEPT="text/html")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_successful_answers_and_pages_are_untouched(own_product, artisan_client):
    assert artisan_client.get("/api/products/")["Content-Type"] == "application/json"
    assert artisan_client.get("/no-such-page/")["Content-Type"].startswith("text/html")


def test_the_schema_documents_errors_as_problems(manager_client):
    # The schema needs a role (ATELIER_API_SCHEMA_PUBLIC off).
    schema = manager_client.get("/api/schema/?format=json").json()
    decide = schema["paths"]["/api/reviews/{id}/decide/"]["post"]["responses"]
    for code in ("400", "404", "409"):
        assert decide[code]["content"] == {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }, code
    assert schema["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status", "detail"]
    # A result that is not an error keeps its own schema (the import report of a refused file).
    imports = schema["paths"]["/api/sales/imports/"]["post"]["responses"]["400"]["content"]
    assert "application/json" in imports


def test_an_api_url_that_matches_no_route_answers_a_problem_not_a_page(artisan_client):
    """/api/categories/0.5/ matches no URL pattern: Django's own 404 is a problem document under /api/."""
    response = artisan_client.get("/api/categories/0.5/")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "No API endpoint matches this URL.",
    }
    # A browser asking for a page outside the API, or for HTML, still gets the page.
    assert artisan_client.get("/api/categories/0.5/", HTTP_ACCEPT="text/html")["Content-Type"].startswith("text/html")
    assert artisan_client.get("/catalog/nothing-here/")["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "url, body",
    [
        ("/api/products/stage/", {"product_ids": [2**63], "look_ids": [1]}),
        ("/api/products/write-listings/", {"product_ids": [897661220704354828288]}),
        ("/api/products/publish/", {"product_ids": [2**64], "channel": "shopify"}),
        ("/api/forecasts/refit/", {"variant_ids": [2**63]}),
    ],
)
def test_an_id_larger_than_any_row_is_refused_not_a_server_error(url, body, manager_client):
    """Found by schemathesis: a 64-bit overflow reached the database and answered 500."""
    response = manager_client.post(url, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    assert "less than or equal to 9223372036854775807" in response.json()["detail"]
