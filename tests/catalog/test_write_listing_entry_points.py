"""'Write listing' from the product page, the admin and the API: a job, then drafts in the queue."""

import pytest
from django.test import Client
from django.urls import reverse

from approvals.models import ReviewItem, ReviewState
from studio.models import Job


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    # Tasks are enqueued on commit; tests/settings.py runs django-q2 synchronously.
    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


def test_product_page_button_writes_a_listing_into_the_queue(artisan_client, own_product, run_on_commit):
    page = artisan_client.get(reverse("product-detail", args=[own_product.pk]))
    assert "Write listing" in page.content.decode()
    response = run_on_commit(lambda: artisan_client.post(reverse("product-write-listing", args=[own_product.pk])))
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("job-detail", args=[job.pk])
    job.refresh_from_db()
    assert (job.done, job.failed, job.status) == (1, 0, Job.Status.SUCCEEDED)
    item = ReviewItem.objects.get(state=ReviewState.PENDING)
    assert item.kind == "listing_copy" and item.subject == own_product.title and item.owner == own_product.maker


def test_another_makers_product_cannot_be_written(artisan_client, others_product):
    assert artisan_client.post(reverse("product-write-listing", args=[others_product.pk])).status_code == 404
    assert not Job.objects.exists()


def test_write_listing_needs_post_and_csrf(artisan, own_product):
    client = Client(enforce_csrf_checks=True)
    client.force_login(artisan)
    assert client.get(reverse("product-write-listing", args=[own_product.pk])).status_code == 405
    assert client.post(reverse("product-write-listing", args=[own_product.pk])).status_code == 403


def test_admin_bulk_action_writes_the_selected_products(manager_client, own_product, others_product, run_on_commit):
    response = run_on_commit(
        lambda: manager_client.post(
            reverse("admin:catalog_product_changelist"),
            {"action": "write_listing_copy", "_selected_action": [own_product.pk, others_product.pk]},
        )
    )
    job = Job.objects.get()
    assert response.status_code == 302 and job.total == 2
    assert ReviewItem.objects.filter(state=ReviewState.PENDING).count() == 2


def test_api_write_listings_returns_a_job_and_refuses_foreign_ids(
    artisan_client, own_product, others_product, run_on_commit
):
    url = reverse("api-product-write-listings")
    refused = artisan_client.post(
        url, {"product_ids": [own_product.pk, others_product.pk]}, content_type="application/json"
    )
    assert refused.status_code == 400 and "product_ids" in refused.json()["errors"]
    accepted = run_on_commit(
        lambda: artisan_client.post(url, {"product_ids": [own_product.pk]}, content_type="application/json")
    )
    assert accepted.status_code == 202 and accepted.json()["total"] == 1
    assert ReviewItem.objects.filter(owner=own_product.maker, state=ReviewState.PENDING).count() == 1


def test_api_write_listings_forbidden_without_the_role(outsider_client, own_product):
    response = outsider_client.post(
        reverse("api-product-write-listings"), {"product_ids": [own_product.pk]}, content_type="application/json"
    )
    assert response.status_code == 403
