"""Looks and staging through the API: who may stage what, and what comes back to review."""

import pytest
from django.test import Client

from approvals.models import ReviewState
from approvals.services import review_submit
from catalog.models import Look, StagedImage
from catalog.services import photo_add
from catalog.staging.looks import MIN_LONG_SIDE
from catalog.staging.services import look_update, looks_ensure_starters
from studio.models import Job
from tests.browser import photos
from tests.catalog.publishable import look_add, staged_add
from tests.catalog.publishable import photo_add as small_photo_add

pytestmark = pytest.mark.django_db


def post(client, url: str, data: dict | None = None):
    return client.post(url, data or {}, content_type="application/json")


def _small(look: Look, size: int = MIN_LONG_SIDE) -> Look:
    """The same look at a smaller output size (the long side in px), so tests render fast."""
    spec = dict(look.current.spec)
    spec["output"] = {**spec.get("output", {}), "size": size}
    look_update(look=look, spec=spec)
    look.refresh_from_db()
    return look


@pytest.fixture
def look():
    return look_add("Oak table")


@pytest.fixture
def own_staged(own_product, look):
    """A rendered staged image of the artisan's mug, waiting in the review queue."""
    staged = staged_add(own_product, photo=small_photo_add(own_product, seed=1), look=look, seed=11)
    review_submit(draft=staged)
    return staged


@pytest.fixture
def others_staged(others_product, look):
    return staged_add(others_product, photo=small_photo_add(others_product, seed=2), look=look, seed=22)


# --- Looks ------------------------------------------------------------------------------------


def test_every_role_lists_the_active_looks_with_their_current_settings(artisan_client, manager_client):
    response = artisan_client.get("/api/looks/")
    assert response.status_code == 200, response.content
    looks = response.json()["results"]
    # A new studio gets the starter looks, as on the product page.
    assert [row["name"] for row in looks] == list(Look.objects.values_list("name", flat=True)) and looks
    first = Look.objects.select_related("current").get(pk=looks[0]["id"])
    assert looks[0] == {
        "id": first.pk,
        "name": first.name,
        "description": first.description,
        "position": first.position,
        "version": 1,
        "spec": first.current.spec,
    }

    _small(first, size=1200)
    Look.objects.filter(pk=looks[1]["id"]).update(is_active=False)
    rows = {row["id"]: row for row in manager_client.get("/api/looks/").json()["results"]}
    assert looks[1]["id"] not in rows
    assert rows[first.pk]["version"] == 2 and rows[first.pk]["spec"]["output"]["size"] == 1200
    assert manager_client.get(f"/api/looks/{looks[1]['id']}/").status_code == 404


def test_looks_are_hidden_from_outsiders_and_anonymous_users(outsider_client):
    looks_ensure_starters()
    assert outsider_client.get("/api/looks/").status_code == 403
    assert Client().get("/api/looks/").status_code == 401
    assert outsider_client.post("/api/looks/", {}, content_type="application/json").status_code == 403


# --- Starting a staging job -------------------------------------------------------------------


def test_staging_anothers_product_is_a_400_and_starts_nothing(own_product, others_product, look, artisan_client):
    small_photo_add(own_product, seed=1)
    response = post(
        artisan_client,
        "/api/products/stage/",
        {"product_ids": [own_product.pk, others_product.pk, 999999], "look_ids": [look.pk]},
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"product_ids": [f"Unknown products: {sorted([others_product.pk, 999999])}."]}
    assert not Job.objects.exists() and not StagedImage.objects.exists()


def test_unknown_or_inactive_looks_are_a_400(own_product, look, artisan_client):
    small_photo_add(own_product, seed=1)
    retired = look_add("Retired linen")
    Look.objects.filter(pk=retired.pk).update(is_active=False)
    response = post(
        artisan_client,
        "/api/products/stage/",
        {"product_ids": [own_product.pk], "look_ids": [look.pk, retired.pk, 424242]},
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"look_ids": [f"Unknown or inactive looks: {sorted([retired.pk, 424242])}."]}
    assert not Job.objects.exists() and not StagedImage.objects.exists()


def test_staging_products_without_photos_is_a_400(own_product, look, artisan_client):
    response = post(artisan_client, "/api/products/stage/", {"product_ids": [own_product.pk], "look_ids": [look.pk]})
    assert response.status_code == 400
    assert "has a photo yet" in response.json()["errors"]["product_ids"][0]
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"product_ids": [], "look_ids": [1]}, "product_ids"),
        ({"product_ids": [1]}, "look_ids"),
        ({"product_ids": ["x"], "look_ids": [1]}, "product_ids"),
    ],
)
def test_a_malformed_staging_request_is_a_400_naming_the_field(artisan_client, data, field):
    response = post(artisan_client, "/api/products/stage/", data)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_outsiders_and_anonymous_users_cannot_stage(own_product, look, outsider_client):
    small_photo_add(own_product, seed=1)
    body = {"product_ids": [own_product.pk], "look_ids": [look.pk]}
    assert post(outsider_client, "/api/products/stage/", body).status_code == 403
    assert post(Client(), "/api/products/stage/", body).status_code == 401
    assert not Job.objects.exists()


def test_staging_real_photos_gives_a_job_and_drafts_to_review(
    own_product,
    artisan,
    artisan_client,
    django_capture_on_commit_callbacks,
):
    looks_ensure_starters()
    looks = [_small(look) for look in Look.objects.order_by("position")[:2]]
    shots = [photos.mug("#8fb3a0", seed=1), photos.mug("#c46a3c", seed=2)]
    for n, shot in enumerate(shots):
        photo_add(product=own_product, content=shot, filename=f"mug-{n}.jpg", uploaded_by=artisan)

    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            artisan_client,
            "/api/products/stage/",
            {"product_ids": [own_product.pk], "look_ids": [look.pk for look in looks]},
        )

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["kind"] == "staging" and body["total"] == 4
    job = artisan_client.get(f"/api/jobs/{body['id']}/").json()
    assert (job["status"], job["done"], job["failed"], job["finished"]) == ("succeeded", 4, 0, True), job

    response = artisan_client.get(f"/api/products/{own_product.pk}/staged-images/")
    assert response.status_code == 200
    staged = response.json()
    assert len(staged) == 4
    assert {(row["look"], row["look_version"]) for row in staged} == {(look.pk, 2) for look in looks}
    for row in staged:
        assert row["status"] == "ready" and row["error"] == ""
        assert row["image"].startswith("http://testserver/") and row["image"].endswith(f"{row['sha256']}.png")
        assert row["width"] > 0 and row["height"] > 0
        assert row["fidelity"]["identical_share"] == 1.0  # the product's own pixels are untouched
        assert row["review"]["state"] == ReviewState.PENDING and row["review"]["version"] == 1


# --- The product's staged images ---------------------------------------------------------------


def test_staged_images_show_their_look_version_and_review_state(own_staged, own_product, look, artisan_client):
    response = artisan_client.get(f"/api/products/{own_product.pk}/staged-images/")
    assert response.status_code == 200
    [row] = response.json()
    assert row == {
        "id": own_staged.pk,
        "photo": own_staged.photo_id,
        "look": look.pk,
        "look_name": "Oak table",
        "look_version": 1,
        "status": "ready",
        "image": f"http://testserver/media/{own_staged.image.name}",
        "sha256": own_staged.sha256,
        "width": 16,
        "height": 16,
        "fidelity": own_staged.fidelity,
        "error": "",
        "updated_at": row["updated_at"],
        "review": {"id": row["review"]["id"], "version": 1, "state": "pending"},
    }


def test_a_staged_image_not_rendered_yet_has_no_image_and_no_review(own_product, look, artisan_client):
    photo = small_photo_add(own_product, seed=3)
    StagedImage.objects.create(product=own_product, photo=photo, look=look)
    [row] = artisan_client.get(f"/api/products/{own_product.pk}/staged-images/").json()
    assert (row["status"], row["image"], row["look_version"], row["review"]) == ("queued", None, None, None)


def test_staged_images_of_anothers_product_are_a_404(
    own_staged, others_staged, others_product, artisan_client, manager_client, outsider_client
):
    url = f"/api/products/{others_product.pk}/staged-images/"
    assert artisan_client.get(url).status_code == 404
    assert outsider_client.get(url).status_code == 403
    assert [row["id"] for row in manager_client.get(url).json()] == [others_staged.pk]


# --- Staging one image again ---------------------------------------------------------------------


def test_staging_one_image_again_queues_it_with_the_next_seed(own_staged, own_product, artisan_client):
    # The render itself is left out (its on-commit task is not run): the request is what is under test.
    response = post(artisan_client, f"/api/products/{own_product.pk}/staged-images/{own_staged.pk}/stage-again/")
    assert response.status_code == 202, response.content
    assert response.json()["kind"] == "staging" and response.json()["total"] == 1
    own_staged.refresh_from_db()
    assert (own_staged.status, own_staged.seed) == (StagedImage.Status.QUEUED, 12)

    response = post(artisan_client, f"/api/products/{own_product.pk}/staged-images/{own_staged.pk}/stage-again/")
    assert response.status_code == 409
    assert response.json()["detail"] == "This image is already being staged."
    assert Job.objects.count() == 1


def test_staging_again_anothers_image_is_a_404(
    own_staged, others_staged, own_product, others_product, artisan_client, outsider_client
):
    for url in (
        f"/api/products/{others_product.pk}/staged-images/{others_staged.pk}/stage-again/",
        f"/api/products/{own_product.pk}/staged-images/{others_staged.pk}/stage-again/",  # not this product's image
    ):
        assert post(artisan_client, url).status_code == 404
    url = f"/api/products/{own_product.pk}/staged-images/{own_staged.pk}/stage-again/"
    assert post(outsider_client, url).status_code == 403
    assert not Job.objects.exists()
    others_staged.refresh_from_db()
    assert others_staged.status == StagedImage.Status.READY


def test_the_schema_documents_staging(manager_client):
    paths = manager_client.get("/api/schema/?format=json").json()["paths"]
    assert "/api/looks/" in paths and "/api/looks/{id}/" in paths
    # Besides their own answers, the errors every POST can answer (tests/api/test_schema.py).
    common = {"400", "401", "403", "404", "409", "413", "415", "422"}
    assert set(paths["/api/products/stage/"]["post"]["responses"]) == {"202"} | common
    assert "/api/products/{id}/staged-images/" in paths
    # No body: nothing too large or of the wrong type to refuse.
    again = paths["/api/products/{id}/staged-images/{staged_id}/stage-again/"]["post"]["responses"]
    assert set(again) == {"202"} | common - {"413", "415"}
