"""List endpoints cost the same number of queries for 2 rows as for 12 (no N+1)."""

import functools
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from approvals.services import review_decide, review_submit
from catalog.services import photo_add, photo_prepare
from studio.services import job_create
from tests.factories import ProductFactory, SaleFactory, VariantFactory

pytestmark = pytest.mark.django_db


def _png(n: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (n, 0, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


@functools.cache
def _prepared(n: int):
    """Photo n's intake, QC and cut-out, made once for the module: the cut-out model takes about a second a
    photo, and what is counted here are the list's queries, the same for every test that adds photo n."""
    return photo_prepare(content=_png(n), filename="photo.jpg")


def queries(client, url: str, expected_rows: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert response.json()["count"] == expected_rows
    return len(captured)


def add_products(maker, start: int, count: int, *, with_reviews: bool = False) -> None:
    for n in range(start, start + count):
        product = ProductFactory(maker=maker, title=f"Mug {n}")
        for colour in ("a", "b"):
            variant = VariantFactory(product=product, sku=f"MUG-{n}-{colour}")
            SaleFactory(variant=variant)
        photo_add(product=product, content=_png(n), prepared=_prepared(n))
        job_create(kind="staging", label=f"job {n}", created_by=maker)
        if with_reviews:
            item = review_submit(draft=product, submitted_by=maker)
            review_decide(item_id=item.pk, user=maker, approve=True, seen_hash=item.snapshot_hash)
            product.story = "v2"
            product.save()
            review_submit(draft=product, submitted_by=maker)


@pytest.mark.parametrize("url", ["/api/products/", "/api/variants/", "/api/sales/", "/api/jobs/"])
def test_catalogue_lists_use_a_constant_number_of_queries(artisan, artisan_client, url):
    per_product = {"/api/products/": 1, "/api/variants/": 2, "/api/sales/": 2, "/api/jobs/": 1}[url]
    add_products(artisan, 0, 2)
    few = queries(artisan_client, url, 2 * per_product)
    add_products(artisan, 2, 10)
    many = queries(artisan_client, url, 12 * per_product)
    assert many == few


def test_the_review_list_uses_a_constant_number_of_queries(artisan, artisan_client, product_kind):
    add_products(artisan, 0, 2, with_reviews=True)
    few = queries(artisan_client, "/api/reviews/", 4)
    add_products(artisan, 2, 10, with_reviews=True)
    many = queries(artisan_client, "/api/reviews/", 24)
    assert many == few
