"""Who gets what from the API: the same row rules as the pages, answered with 4xx and a JSON body."""

import base64

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from approvals.models import ReviewState
from approvals.services import review_submit
from catalog.models import Product
from forecasting.models import Sale
from studio.services import job_create
from tests.factories import SaleFactory

pytestmark = pytest.mark.django_db

LISTS = ["/api/products/", "/api/variants/", "/api/sales/", "/api/reviews/", "/api/jobs/"]


@pytest.fixture
def rows(artisan, other_artisan, own_product, others_product, product_kind):
    """For each list endpoint: (the artisan's row, the other artisan's row)."""
    own_variant, others_variant = own_product.variants.get(), others_product.variants.get()
    return {
        "/api/products/": (own_product, others_product),
        "/api/variants/": (own_variant, others_variant),
        "/api/sales/": (SaleFactory(variant=own_variant), SaleFactory(variant=others_variant)),
        "/api/reviews/": (review_submit(draft=own_product), review_submit(draft=others_product)),
        "/api/jobs/": (
            job_create(kind="staging", label="mine", created_by=artisan),
            job_create(kind="staging", label="theirs", created_by=other_artisan),
        ),
    }


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("url", LISTS)
def test_anonymous_gets_nothing(rows, url):
    own, _ = rows[url]
    for path in (url, f"{url}{own.pk}/"):
        response = Client().get(path)
        # Token auth comes first, so DRF answers 401 with a Bearer challenge (browsers show no login box for it).
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert response.json()["detail"] == "Authentication credentials were not provided."


@pytest.mark.parametrize("url", LISTS)
def test_an_artisan_lists_only_their_own_rows_and_gets_404_for_anothers(rows, url, artisan_client):
    own, others = rows[url]
    assert ids(artisan_client.get(url)) == {own.pk}
    assert artisan_client.get(f"{url}{own.pk}/").status_code == 200
    response = artisan_client.get(f"{url}{others.pk}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"  # a JSON 404, not an HTML page
    assert response.json()["detail"].endswith("matches the given query.")


@pytest.mark.parametrize("url", LISTS)
def test_a_manager_sees_every_row(rows, url, manager_client):
    own, others = rows[url]
    assert ids(manager_client.get(url)) == {own.pk, others.pk}
    assert manager_client.get(f"{url}{others.pk}/").status_code == 200


@pytest.mark.parametrize("url", [*LISTS, "/api/categories/"])
def test_a_user_in_no_role_is_forbidden(rows, url, outsider_client):
    response = outsider_client.get(url)
    assert response.status_code == 403
    assert response.json()["detail"] == "You do not have permission to perform this action."


def test_an_artisan_edits_their_own_product(own_product, artisan_client):
    response = artisan_client.patch(
        f"/api/products/{own_product.pk}/",
        {"story": "Thrown on a kick wheel in Leith.", "materials": [" stoneware ", "ash glaze", ""]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["story"] == "Thrown on a kick wheel in Leith."
    own_product.refresh_from_db()
    assert own_product.story == "Thrown on a kick wheel in Leith."
    assert own_product.materials == ["stoneware", "ash glaze"]


def test_an_artisan_cannot_edit_another_artisans_product(others_product, artisan_client):
    response = artisan_client.patch(
        f"/api/products/{others_product.pk}/", {"story": "mine now"}, content_type="application/json"
    )
    assert response.status_code == 404
    others_product.refresh_from_db()
    assert others_product.story != "mine now"


def test_read_only_fields_are_ignored_on_patch(own_product, other_artisan, artisan_client):
    response = artisan_client.patch(
        f"/api/products/{own_product.pk}/",
        {"maker": other_artisan.username, "handle": "stolen"},
        content_type="application/json",
    )
    assert response.status_code == 200
    own_product.refresh_from_db()
    assert own_product.maker.username == "ines"
    assert own_product.handle != "stolen"


def test_an_artisan_cannot_change_a_sale_and_a_manager_finds_sales_read_only(
    own_product, artisan_client, manager_client
):
    sale = SaleFactory(variant=own_product.variants.get(), quantity=1)
    response = artisan_client.patch(f"/api/sales/{sale.pk}/", {"quantity": 3}, content_type="application/json")
    assert response.status_code == 403
    response = manager_client.patch(f"/api/sales/{sale.pk}/", {"quantity": 3}, content_type="application/json")
    assert response.status_code == 405
    assert manager_client.delete(f"/api/sales/{sale.pk}/").status_code == 405
    assert Sale.objects.get(pk=sale.pk).quantity == 1


def test_nobody_creates_or_deletes_products_through_the_api(own_product, artisan_client, manager_client):
    # The artisan lacks the model permission (403); for a manager the API simply has no such method (405).
    assert artisan_client.post("/api/products/", {"title": "x"}, content_type="application/json").status_code == 403
    assert artisan_client.delete(f"/api/products/{own_product.pk}/").status_code == 403
    assert manager_client.post("/api/products/", {"title": "x"}, content_type="application/json").status_code == 405
    assert manager_client.delete(f"/api/products/{own_product.pk}/").status_code == 405
    assert Product.objects.filter(pk=own_product.pk).exists()
    assert not Product.objects.filter(title="x").exists()


@pytest.mark.parametrize(
    "payload, field, message",
    [
        ({"materials": "stoneware"}, "materials", "materials must be a list of strings."),
        ({"materials": ["stoneware", 3]}, "materials", "materials must be a list of strings."),
        ({"techniques": {"a": 1}}, "techniques", "techniques must be a list of strings."),
        ({"price": "-1.00"}, "price", "greater than or equal to 0"),
        ({"price": "cheap"}, "price", "A valid number is required."),
        ({"title": ""}, "title", "This field may not be blank."),
        ({"batch_size": 0}, "batch_size", "greater than or equal to 1"),
        ({"category": "no-such-category"}, "category", "does not exist"),
    ],
)
def test_invalid_input_is_a_400_naming_the_field(own_product, artisan_client, payload, field, message):
    before = Product.objects.filter(pk=own_product.pk).values().get()
    response = artisan_client.patch(f"/api/products/{own_product.pk}/", payload, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert list(body["errors"]) == [field]
    assert message in body["errors"][field][0]
    assert Product.objects.filter(pk=own_product.pk).values().get() == before


def test_malformed_json_is_a_400(own_product, artisan_client):
    response = artisan_client.patch(f"/api/products/{own_product.pk}/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_an_artisan_edits_their_own_variant_but_not_its_sku(own_product, others_product, artisan_client):
    variant = own_product.variants.get()
    response = artisan_client.patch(
        f"/api/variants/{variant.pk}/", {"stock_on_hand": 9, "sku": "HIJACK"}, content_type="application/json"
    )
    assert response.status_code == 200
    variant.refresh_from_db()
    assert (variant.stock_on_hand, variant.sku) == (9, "INES-MUG-CEL")
    theirs = others_product.variants.get()
    response = artisan_client.patch(
        f"/api/variants/{theirs.pk}/", {"stock_on_hand": 0}, content_type="application/json"
    )
    assert response.status_code == 404


# --- CSRF and Basic auth ------------------------------------------------------------------------


def test_a_session_patch_without_a_csrf_token_is_refused(artisan, own_product):
    client = Client(enforce_csrf_checks=True)
    client.force_login(artisan)
    response = client.patch(f"/api/products/{own_product.pk}/", {"story": "forged"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    own_product.refresh_from_db()
    assert own_product.story != "forged"

    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token
    response = client.patch(
        f"/api/products/{own_product.pk}/",
        {"story": "genuine"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200
    own_product.refresh_from_db()
    assert own_product.story == "genuine"


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_basic_auth_works_for_scripts_and_a_wrong_password_is_refused(manager, own_product):
    client = Client(enforce_csrf_checks=True)
    response = client.get("/api/products/", HTTP_AUTHORIZATION=_basic("mara", "pw-for-tests-1"))
    assert response.status_code == 200
    assert response.json()["count"] == 1
    response = client.patch(
        f"/api/products/{own_product.pk}/",
        {"care": "Dishwasher safe."},
        content_type="application/json",
        HTTP_AUTHORIZATION=_basic("mara", "pw-for-tests-1"),
    )
    assert response.status_code == 200
    response = client.get("/api/products/", HTTP_AUTHORIZATION=_basic("mara", "wrong"))
    # 401 with the first authentication class's challenge (Bearer), which keeps browsers
    # from popping up a Basic login over the pages' fetch().
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["detail"] == "Invalid username/password."


# --- Deciding through the API -------------------------------------------------------------------------


def decide(client, item, **data):
    return client.post(f"/api/reviews/{item.pk}/decide/", data, content_type="application/json")


def test_deciding_through_the_api(rows, artisan_client):
    item, _ = rows["/api/reviews/"]
    response = decide(
        artisan_client, item, decision="approve", seen_hash=item.snapshot_hash, edits={"story": "Edited by the maker."}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == ReviewState.APPROVED
    assert body["approved_snapshot"]["story"] == "Edited by the maker."
    assert [event["action"] for event in body["events"]] == ["submitted", "edited"]


def test_a_stale_decision_is_a_409_and_nothing_is_saved(rows, artisan_client):
    item, _ = rows["/api/reviews/"]
    response = decide(artisan_client, item, decision="approve", seen_hash="a" * 64)
    assert response.status_code == 409
    assert "changed since you opened it" in response.json()["detail"]
    item.refresh_from_db()
    assert item.state == ReviewState.PENDING


def test_deciding_another_artisans_item_is_a_404(rows, artisan_client, outsider_client):
    _, others = rows["/api/reviews/"]
    for client in (artisan_client, outsider_client):
        response = decide(client, others, decision="approve", seen_hash=others.snapshot_hash)
        assert response.status_code == 404
    others.refresh_from_db()
    assert others.state == ReviewState.PENDING


@pytest.mark.parametrize(
    "data, field",
    [
        ({"decision": "approve", "seen_hash": "not-a-hash"}, "seen_hash"),
        ({"decision": "maybe"}, "decision"),
    ],
)
def test_a_malformed_decision_is_a_400_naming_the_field(rows, artisan_client, data, field):
    item, _ = rows["/api/reviews/"]
    data.setdefault("seen_hash", item.snapshot_hash)
    response = decide(artisan_client, item, **data)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_rejecting_without_a_note_is_a_400_with_the_reason(rows, artisan_client):
    item, _ = rows["/api/reviews/"]
    response = decide(artisan_client, item, decision="reject", seen_hash=item.snapshot_hash)
    assert response.status_code == 400
    assert "Say why" in response.json()["detail"]


def test_bulk_decide_reports_each_item(rows, artisan_client):
    own, others = rows["/api/reviews/"]
    response = artisan_client.post(
        "/api/reviews/bulk-decide/",
        {
            "decision": "approve",
            "items": [
                {"id": own.pk, "seen_hash": own.snapshot_hash},
                {"id": others.pk, "seen_hash": others.snapshot_hash},
            ],
        },
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == [
        {"id": own.pk, "ok": True, "message": ""},
        {"id": others.pk, "ok": False, "message": "Not found."},
    ]


def test_review_filters(rows, manager_client, own_product):
    own, others = rows["/api/reviews/"]
    assert ids(manager_client.get(f"/api/reviews/?subject=product:{own_product.pk}")) == {own.pk}
    assert ids(manager_client.get("/api/reviews/?state=approved")) == set()
    assert ids(manager_client.get("/api/reviews/?state=pending")) == {own.pk, others.pk}
