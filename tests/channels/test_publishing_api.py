"""Publishing through the API: only ready products go out, and the channel state says how it went."""

import pytest
from django.test import Client

from channels.models import ChannelListing
from studio.models import Job
from tests.catalog.publishable import listing_approve, make_publishable
from tests.channels.fakes.shopify import FakeShopify
from tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

NOT_READY = [
    "The listing copy isn't approved yet.",
    "The gallery (which images go out, in what order) isn't approved yet.",
]


def post(client, url: str, data: dict):
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def unconfigured(settings):
    settings.SHOPIFY_SHOP_DOMAIN = ""
    settings.SHOPIFY_ACCESS_TOKEN = ""


@pytest.fixture
def connected(settings):
    with FakeShopify() as shop:
        settings.SHOPIFY_SHOP_DOMAIN = shop.shop_domain
        settings.SHOPIFY_ACCESS_TOKEN = shop.access_token
        settings.SHOPIFY_API_VERSION = shop.api_version
        settings.SHOPIFY_BASE_URL = shop.base_url
        settings.SHOPIFY_TIMEOUT = 5
        settings.SHOPIFY_LOCATION_GID = shop.location_gid
        yield shop


@pytest.fixture
def ready_product(own_product, artisan):
    """The artisan's mug with an approved staged image and approved listing copy."""
    make_publishable(own_product, user=artisan, title="Celadon mug")
    return own_product


# --- Starting a publish ---------------------------------------------------------------------------


def test_publishing_anothers_or_an_unknown_product_is_a_400(ready_product, others_product, connected, artisan_client):
    response = post(
        artisan_client, "/api/products/publish/", {"product_ids": [ready_product.pk, others_product.pk, 987654]}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"product_ids": [f"Unknown products: {sorted([others_product.pk, 987654])}."]}
    assert not Job.objects.exists() and not ChannelListing.objects.exists()
    assert connected.requests == []


def test_products_that_arent_ready_are_a_400_listing_each_ones_blockers(
    ready_product,
    artisan,
    connected,
    artisan_client,
):
    bare = ProductFactory(maker=artisan, title="Bare bowl")
    VariantFactory(product=bare, sku="BOWL-1")
    copy_only = ProductFactory(maker=artisan, title="Copy-only cup")
    listing_approve(copy_only, user=artisan)

    response = post(
        artisan_client, "/api/products/publish/", {"product_ids": [ready_product.pk, bare.pk, copy_only.pk]}
    )

    assert response.status_code == 400
    assert response.json() == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "2 of 3 products can't be published yet; nothing was started.",
        "blocked": [
            {"id": bare.pk, "title": "Bare bowl", "reasons": NOT_READY},
            {
                "id": copy_only.pk,
                "title": "Copy-only cup",
                "reasons": [
                    "The gallery (which images go out, in what order) isn't approved yet.",
                    "The product has no variants (SKUs) to sell.",
                ],
            },
        ],
    }
    # All or nothing: the ready product was not sent either.
    assert not Job.objects.exists() and not ChannelListing.objects.exists()
    assert connected.requests == []


def test_without_shopify_settings_the_job_comes_back_failed_with_a_409(ready_product, unconfigured, artisan_client):
    response = post(artisan_client, "/api/products/publish/", {"product_ids": [ready_product.pk]})

    assert response.status_code == 409
    body = response.json()
    assert body["kind"] == "publish" and body["status"] == "failed" and body["finished"] is True
    assert body["message"] == "Shopify isn't connected: set SHOPIFY_SHOP_DOMAIN and SHOPIFY_ACCESS_TOKEN."
    assert Job.objects.get().pk == body["id"]
    assert not ChannelListing.objects.exists()


def test_publishing_a_ready_product_puts_it_on_shopify(
    ready_product,
    connected,
    artisan_client,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(artisan_client, "/api/products/publish/", {"product_ids": [ready_product.pk]})

    assert response.status_code == 202, response.content
    assert response.json()["kind"] == "publish" and response.json()["total"] == 1
    job = artisan_client.get(f"/api/jobs/{response.json()['id']}/").json()
    assert (job["status"], job["done"], job["failed"]) == ("succeeded", 1, 0), job
    remote = connected.product(ready_product.handle)
    assert remote["title"] == "Celadon mug"

    state = artisan_client.get(f"/api/products/{ready_product.pk}/channel/").json()
    assert state["status"] == "published" and state["remote_id"] == remote["id"]
    assert state["published_at"] and state["error"] == ""
    assert (state["publishable"], state["reasons"], state["changed_since_publishing"]) == (True, [], False)


def test_outsiders_and_anonymous_users_cannot_publish(ready_product, connected, outsider_client):
    for client in (outsider_client, Client()):
        response = post(client, "/api/products/publish/", {"product_ids": [ready_product.pk]})
        assert response.status_code == (403 if client is outsider_client else 401)
    assert not Job.objects.exists()


@pytest.mark.parametrize("data", [{}, {"product_ids": []}, {"product_ids": ["one"]}])
def test_a_malformed_publish_request_is_a_400(artisan_client, data):
    response = post(artisan_client, "/api/products/publish/", data)
    assert response.status_code == 400
    assert "product_ids" in response.json()["errors"]


# --- The channel state ------------------------------------------------------------------------------


def test_the_channel_state_of_a_product_that_isnt_ready(own_product, unconfigured, artisan_client):
    response = artisan_client.get(f"/api/products/{own_product.pk}/channel/")
    assert response.status_code == 200
    assert response.json() == {
        "channel": "shopify",
        "configured": False,
        "publishable": False,
        "reasons": NOT_READY,
        "status": None,
        "remote_id": "",
        "published_at": None,
        "changed_since_publishing": False,
        "error": "",
    }


def test_the_channel_state_shows_a_failed_publish_and_approved_changes(ready_product, connected, artisan_client):
    ChannelListing.objects.create(
        product=ready_product,
        status=ChannelListing.Status.FAILED,
        error="Shopify said: title is too long.",
        published_hash="0" * 64,
    )
    state = artisan_client.get(f"/api/products/{ready_product.pk}/channel/").json()
    assert state["configured"] is True and state["publishable"] is True and state["reasons"] == []
    assert state["status"] == "failed" and state["error"] == "Shopify said: title is too long."
    # What is approved now differs from the hash recorded as published.
    assert state["changed_since_publishing"] is True


def test_the_channel_state_of_anothers_product_is_a_404(
    others_product,
    artisan_client,
    manager_client,
    outsider_client,
):
    url = f"/api/products/{others_product.pk}/channel/"
    assert artisan_client.get(url).status_code == 404
    assert outsider_client.get(url).status_code == 403
    assert Client().get(url).status_code == 401
    assert manager_client.get(url).status_code == 200


def test_the_schema_documents_publishing(manager_client):
    paths = manager_client.get("/api/schema/?format=json").json()["paths"]
    # Besides its own answers, the errors every POST with a body can answer (tests/api/test_schema.py).
    assert set(paths["/api/products/publish/"]["post"]["responses"]) == {
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
    assert "/api/products/{id}/channel/" in paths
