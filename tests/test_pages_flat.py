"""The busiest pages ask the database the same number of questions whatever the catalogue's size.

Each page is fetched with a few variants and again with ten times as many (forecasts, sales and
stock that raises alerts included); a page that loops over rows with a query each fails here.
bench/pages.py measures the same pages' time from 10 to 100,000 variants.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.test_forecasting_api import forecast
from tests.factories import ProductFactory, SaleFactory, VariantFactory

pytestmark = pytest.mark.django_db

PAGES = ["/", "/sales/forecasts/", "/catalog/", "/sales/", "/catalog/products/{product}/"]


def add_variants(maker, count: int, start: int) -> None:
    for n in range(start, start + count):
        product = ProductFactory(maker=maker, title=f"Mug {n}", lead_time_days=14)
        variant = VariantFactory(product=product, sku=f"MUG-{n}", stock_on_hand=n % 4)
        forecast(variant, 1.0 + n % 3)
        if n % 2:
            SaleFactory(variant=variant)


def queries(client, url: str) -> int:
    client.get(url)  # the first fetch fills per-process caches (the studio profile, content types)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ["manager", "artisan"])
def test_a_pages_query_count_does_not_grow_with_the_catalogue(page, who, request, artisan):
    client = request.getfixturevalue(f"{who}_client")
    add_variants(artisan, 3, start=0)
    first = ProductFactory._meta.model.objects.order_by("pk").first()
    url = page.format(product=first.pk)
    few = queries(client, url)
    add_variants(artisan, 30, start=3)
    assert queries(client, url) == few, url


def test_the_catalogue_counts_variants_and_stock_for_its_page_only(manager_client, artisan):
    """A GROUP BY over every product's variants ran before the page's LIMIT (1 s at 100,000 variants);
    per-product subqueries give the same figures for the page's rows only."""
    add_variants(artisan, 2, start=0)
    mug = ProductFactory._meta.model.objects.get(title="Mug 0")
    VariantFactory(product=mug, sku="MUG-0-L", stock_on_hand=5)
    ProductFactory(maker=artisan, title="Mug without variants")
    with CaptureQueriesContext(connection) as captured:
        response = manager_client.get("/catalog/")
    assert response.status_code == 200
    listed = {product.title: product for product in response.context["page"].object_list}
    assert (listed["Mug 0"].variant_count, listed["Mug 0"].stock_total) == (2, 5)
    assert (listed["Mug 1"].variant_count, listed["Mug 1"].stock_total) == (1, 1)
    assert (listed["Mug without variants"].variant_count, listed["Mug without variants"].stock_total) == (0, None)
    page_query = next(q["sql"] for q in captured if '"catalog_product"."title"' in q["sql"] and "LIMIT" in q["sql"])
    assert 'LEFT OUTER JOIN "catalog_variant"' not in page_query, page_query
