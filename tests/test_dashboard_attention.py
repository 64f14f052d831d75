"""The dashboard's one list of what needs the person now (issue 15): most urgent first, each thing once,
named by product, only their own."""

import re

from django.urls import reverse

from tests.factories import ProductFactory, VariantFactory
from tests.forecasting.test_plans import _forecast
from tests.test_pages import review_item


def attention_titles(client) -> list[str]:
    page = client.get(reverse("dashboard")).content.decode()
    section = page.split('id="attention-heading"', 1)[1].split("</section>", 1)[0]
    return [re.sub(r"\s+", " ", title).strip() for title in re.findall(r'class="row-title">(.*?)</span>', section)]


def test_stock_running_out_comes_before_drafts_and_a_variant_is_listed_once(artisan, artisan_client, other_artisan):
    out = ProductFactory(maker=artisan, title="Bottle vase", lead_time_days=14)
    out_variant = VariantFactory(product=out, sku="VASE-1", title="", stock_on_hand=0)
    _forecast(out_variant, weekly=4)  # out of stock and selling: a stock-out risk and low stock at once
    quiet = ProductFactory(maker=artisan, title="Ring dish")
    VariantFactory(product=quiet, sku="DISH-1", title="", stock_on_hand=2)  # low stock, no forecast
    mug = ProductFactory(maker=artisan, title="Celadon mug")
    review_item(product=mug, owner=artisan)
    theirs = ProductFactory(maker=other_artisan, title="Linen runner")
    VariantFactory(product=theirs, sku="RUN-1", stock_on_hand=0)
    review_item(product=theirs, owner=other_artisan)

    titles = attention_titles(artisan_client)

    assert titles[0].startswith("Bottle vase: out of stock")  # the forecast's words, not a second "low stock" row
    assert sum("Bottle vase" in title for title in titles) == 1
    assert titles.index("Ring dish: 2 left") < titles.index("Listing copy: Celadon mug")
    assert not any("Linen runner" in title for title in titles)


def test_many_drafts_of_one_kind_are_one_line_to_the_queue(artisan, artisan_client):
    for n in range(5):
        review_item(product=ProductFactory(maker=artisan, title=f"Mug {n}"), owner=artisan)

    titles = attention_titles(artisan_client)

    assert titles == ["5 listing copy drafts wait for your review"]
    page = artisan_client.get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("review-list")}?kind=listing_copy"' in page


def test_nothing_to_do_says_so(artisan_client):
    page = artisan_client.get(reverse("dashboard")).content.decode()
    assert "Nothing needs you right now" in page
