"""A finished job links to the products it worked on and the drafts it made (issue 15)."""

import datetime as dt

import pytest
from django.urls import reverse

from approvals.models import ReviewItem
from catalog.listings.services import listing_write_batch
from studio.models import Job
from tests.factories import ProductFactory
from tests.test_pages import review_item


@pytest.fixture
def written(artisan, own_product, django_capture_on_commit_callbacks):
    other = ProductFactory(maker=artisan, title="Speckled bowl")
    with django_capture_on_commit_callbacks(execute=True):
        job = listing_write_batch(product_ids=[own_product.pk, other.pk], requested_by=artisan)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, (job.status, job.errors)
    return job, [own_product, other]


def test_a_finished_listing_job_links_its_products_and_drafts(written, artisan_client):
    job, products = written
    page = artisan_client.get(reverse("job-detail", args=[job.pk])).content.decode()

    assert "Drafts it made" in page
    for product in products:
        assert reverse("product-detail", args=[product.pk]) in page
        item = ReviewItem.objects.get(subject_key=f"product:{product.pk}", kind="listing_copy")
        assert reverse("review-detail", args=[item.pk]) in page


def test_drafts_made_after_the_job_ended_are_not_claimed(written, artisan, artisan_client):
    job, products = written
    later = review_item(product=products[0], owner=artisan, version=2)
    ReviewItem.objects.filter(pk=later.pk).update(submitted_at=job.finished_at + dt.timedelta(minutes=10))
    page = artisan_client.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert reverse("review-detail", args=[later.pk]) not in page
    first = ReviewItem.objects.get(subject_key=f"product:{products[0].pk}", version=1)
    assert reverse("review-detail", args=[first.pk]) in page


def test_a_manager_sees_the_links_and_a_running_job_shows_none(written, manager_client):
    job, products = written
    assert (
        reverse("product-detail", args=[products[0].pk])
        in manager_client.get(reverse("job-detail", args=[job.pk])).content.decode()
    )
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, finished_at=None)
    page = manager_client.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert "Drafts it made" not in page


def test_job_rows_and_the_job_page_name_the_products(written, artisan_client):
    """The dashboard's job rows, the job list and the job page's title say which products (issue 15)."""
    job, products = written
    name = "Write listing copy for Ines&#x27;s celadon mug and Speckled bowl"
    for url in (reverse("dashboard"), reverse("job-list"), reverse("job-detail", args=[job.pk])):
        assert name in artisan_client.get(url).content.decode(), url
    title = artisan_client.get(reverse("job-detail", args=[job.pk])).content.decode().split("<title>")[1]
    assert title.startswith(name)


def test_a_listing_job_does_not_claim_drafts_another_job_made_meanwhile(written, artisan, artisan_client):
    """Staging ran on the same product while the copy was written: its staged image is not the copy job's."""
    job, products = written
    staged = review_item(product=products[0], owner=artisan, kind="staged_image")
    ReviewItem.objects.filter(pk=staged.pk).update(submitted_at=job.finished_at)
    page = artisan_client.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert reverse("review-detail", args=[staged.pk]) not in page
    listing = ReviewItem.objects.get(subject_key=f"product:{products[0].pk}", kind="listing_copy")
    assert reverse("review-detail", args=[listing.pk]) in page


def test_only_a_running_job_offers_refresh(written, manager_client):
    job, _ = written
    refresh = f'href="{reverse("job-detail", args=[job.pk])}">'
    finished = manager_client.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert "Drafts it made" in finished and "Refresh</a>" not in finished
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, finished_at=None)
    running = manager_client.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert "Refresh</a>" in running and refresh in running
