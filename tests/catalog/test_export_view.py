"""The Shopify product CSV export view: streamed, approved content only, each user's own products."""

import csv
import html
import io
import re

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from approvals.services import review_submit
from catalog.listings.services import listing_write
from catalog.models import ListingDraft
from tests.catalog.publishable import approve, make_publishable, photo_add, staged_add
from tests.factories import ProductFactory, VariantFactory

# Shopify's product CSV template (the classic one), in its column order. The export
# writes only the columns it has values for, in this order, named exactly like this.
SHOPIFY_TEMPLATE = [
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Product Category",
    "Type",
    "Tags",
    "Published",
    "Option1 Name",
    "Option1 Value",
    "Option2 Name",
    "Option2 Value",
    "Option3 Name",
    "Option3 Value",
    "Variant SKU",
    "Variant Grams",
    "Variant Inventory Tracker",
    "Variant Inventory Qty",
    "Variant Inventory Policy",
    "Variant Fulfillment Service",
    "Variant Price",
    "Variant Compare At Price",
    "Variant Requires Shipping",
    "Variant Taxable",
    "Variant Barcode",
    "Image Src",
    "Image Position",
    "Image Alt Text",
    "Gift Card",
    "SEO Title",
    "SEO Description",
    "Google Shopping / Google Product Category",
    "Google Shopping / Gender",
    "Google Shopping / Age Group",
    "Google Shopping / MPN",
    "Google Shopping / Condition",
    "Google Shopping / Custom Product",
    "Variant Image",
    "Variant Weight Unit",
    "Variant Tax Code",
    "Cost per item",
    "Status",
]
EXPORTED = [
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Product Category",
    "Type",
    "Tags",
    "Published",
    "Option1 Name",
    "Option1 Value",
    "Option2 Name",
    "Option2 Value",
    "Option3 Name",
    "Option3 Value",
    "Variant SKU",
    "Variant Grams",
    "Variant Inventory Tracker",
    "Variant Inventory Qty",
    "Variant Inventory Policy",
    "Variant Fulfillment Service",
    "Variant Price",
    "Image Src",
    "Image Position",
    "Image Alt Text",
    "SEO Title",
    "SEO Description",
    "Variant Weight Unit",
    "Status",
]
URL = reverse("products-export-csv")


@pytest.fixture
def mug(artisan):
    product = ProductFactory(maker=artisan, title="Celadon mug", handle="celadon-mug")
    VariantFactory(product=product, sku="MUG-CEL-S", options={"size": "small"}, stock_on_hand=4, position=0)
    VariantFactory(
        product=product, sku="MUG-CEL-L", options={"size": "large"}, stock_on_hand=2, position=1, price="32.50"
    )
    product.made = make_publishable(product, user=artisan, title="Celadon mug, approved")
    return product


@pytest.fixture
def runner(other_artisan):
    product = ProductFactory(maker=other_artisan, title="Linen runner", handle="linen-runner")
    VariantFactory(product=product, sku="RUN-NAT", options={})
    make_publishable(product, user=other_artisan, seed=40, title="Linen runner, approved")
    return product


@pytest.fixture
def unapproved(artisan):
    """Staged and written, but nobody approved anything yet."""
    product = ProductFactory(maker=artisan, title="Unreviewed bowl", handle="unreviewed-bowl")
    VariantFactory(product=product, sku="BOWL-1", options={})
    staged = staged_add(product, photo=photo_add(product, seed=60), seed=61)
    review_submit(draft=staged)
    listing_write(product_id=product.pk)
    return product


def export(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse) and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="shopify-products-')
    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def handles(records) -> list[str]:
    return sorted({record["Handle"] for record in records})


def test_the_header_is_shopifys_template_and_the_csv_parses_back(manager_client, mug):
    header, records = export(manager_client)

    assert header == EXPORTED
    assert [name for name in SHOPIFY_TEMPLATE if name in header] == header  # same names, Shopify's order
    assert [r["Handle"] for r in records] == ["celadon-mug", "celadon-mug"]
    first, second = records
    assert first["Title"] == "Celadon mug, approved" and second["Title"] == ""
    # Imported products start as drafts unless the manager asks for them to go live.
    assert first["Status"] == "draft" and first["Published"] == "FALSE" and first["Option1 Name"] == "Size"
    assert [
        (r["Variant SKU"], r["Option1 Value"], r["Variant Price"], r["Variant Inventory Qty"]) for r in records
    ] == [("MUG-CEL-S", "small", "28.00", "4"), ("MUG-CEL-L", "large", "32.50", "2")]
    photo, staged = mug.made["photo"], mug.made["staged"]
    assert [r["Image Src"] for r in records] == [
        f"https://kiln.example.com/media/{photo.file.name}",
        f"https://kiln.example.com/media/{staged.image.name}",
    ]
    assert [r["Image Position"] for r in records] == ["1", "2"]


def test_only_approved_content_is_exported(manager_client, mug, unapproved):
    draft = ListingDraft.objects.get(product=mug)
    draft.title = "Pending title nobody approved"
    draft.save()
    review_submit(draft=draft)
    ListingDraft.objects.filter(pk=draft.pk).update(description="<p>Live row, never reviewed.</p>")

    _, records = export(manager_client)

    assert handles(records) == ["celadon-mug"]  # the unapproved bowl isn't there at all
    assert records[0]["Title"] == "Celadon mug, approved"
    text = repr(records)
    assert "Pending title" not in text and "never reviewed" not in text


def test_an_artisan_exports_only_their_own_products(artisan_client, manager_client, mug, runner):
    assert handles(export(artisan_client)[1]) == ["celadon-mug"]
    assert handles(export(artisan_client, ids=f"{runner.pk},{mug.pk}")[1]) == ["celadon-mug"]
    assert handles(export(manager_client)[1]) == ["celadon-mug", "linen-runner"]
    assert handles(export(manager_client, ids=str(runner.pk))[1]) == ["linen-runner"]


def test_an_outsider_gets_an_empty_export_and_a_visitor_the_login_page(outsider_client, client, mug):
    header, records = export(outsider_client)
    assert header == EXPORTED and records == []

    response = client.get(URL)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_formula_in_approved_copy_is_defused(manager_client, artisan, mug):
    draft = ListingDraft.objects.get(product=mug)
    draft.title = '=HYPERLINK("http://evil.example","mug")'
    draft.save()
    approve(draft, user=artisan)

    _, records = export(manager_client)

    assert records[0]["Title"] == "'" + '=HYPERLINK("http://evil.example","mug")'


def test_the_product_page_links_its_own_export(artisan_client, mug):
    page = artisan_client.get(reverse("product-detail", args=[mug.pk])).content.decode()
    assert f"{URL}?ids={mug.pk}" in page

    _, records = export(artisan_client, ids=str(mug.pk))
    assert handles(records) == ["celadon-mug"]


def test_live_at_once_only_when_chosen_and_weights_in_grams(manager_client, mug):
    mug.weight_grams = 340
    mug.save()
    _, records = export(manager_client, status="active")
    first, second = records
    assert first["Status"] == "active" and first["Published"] == "TRUE"
    assert [(r["Variant Grams"], r["Variant Weight Unit"]) for r in records] == [("340", "g"), ("340", "g")]
    mug.is_active = False
    mug.save()
    _, records = export(manager_client, status="active")
    assert records[0]["Status"] == "draft"  # a product switched off in the catalogue never goes live


def test_an_unknown_status_is_refused_in_words(manager_client, mug):
    response = manager_client.get(URL, {"status": "published"})
    assert response.status_code == 400
    assert "start as drafts or go live" in response.content.decode()


def test_without_a_public_address_the_export_explains_and_offers_a_file_without_pictures(manager_client, mug, settings):
    settings.ATELIER_PUBLIC_URL = ""
    response = manager_client.get(URL, {"status": "active"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "ATELIER_PUBLIC_URL" in page and "can't fetch this installation's pictures" in page
    assert 'href="?status=active&amp;images=none"' in page
    _, records = export(manager_client, status="active", images="none")
    assert {r["Image Src"] for r in records} == {""}
    assert records[0]["Title"] == "Celadon mug, approved"


def test_a_product_left_out_of_the_export_is_named_with_the_reason(manager_client, mug, unapproved):
    """Issue 14: a product that can't be exported used to vanish from the file without a word."""
    response = manager_client.get(URL)
    b"".join(response.streaming_content)
    assert response["X-Atelier-Export-Skipped"] == "1"
    page = manager_client.get("/catalog/products/").content.decode()
    assert "1 product left out of the Shopify export: “Unreviewed bowl” (" in html.unescape(page)


def test_an_export_with_nothing_left_out_says_so_quietly(manager_client, mug):
    response = manager_client.get(URL)
    b"".join(response.streaming_content)
    assert response["X-Atelier-Export-Skipped"] == "0"
    assert "left out of the" not in manager_client.get("/catalog/products/").content.decode()


SUMMARY = reverse("products-export-summary", args=["shopify"])


def words(response) -> str:
    """The page's text as a reader sees it: tags dropped, entities read, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", response.content.decode())).split())


def test_the_export_says_what_it_leaves_out_before_the_download(manager_client, mug, runner, unapproved):
    """Issue 14: the left-out list used to show on the next page, after the file was already downloaded."""
    catalogue = manager_client.get(reverse("product-list")).content.decode()
    assert f'action="{SUMMARY}"' in catalogue  # the catalogue's export button opens the summary first

    response = manager_client.get(SUMMARY, {"status": "draft"})

    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = html.unescape(response.content.decode())
    assert "2 products will be exported, as drafts, with their pictures." in words(response)
    assert "This product is left out of the file: Unreviewed bowl: The listing copy isn't approved yet." in words(
        response
    )
    assert f'<a href="/catalog/products/{unapproved.pk}/">Unreviewed bowl</a>' in page
    assert "Celadon mug" not in page and "Linen runner" not in page  # only the left-out ones are named
    download = f"{reverse('products-export', args=['shopify'])}?status=draft&shown=1"
    assert f'href="{download}" download>Download the CSV (2 products)' in page

    csv_response = manager_client.get(download)
    lines = b"".join(csv_response.streaming_content).decode()
    assert csv_response["X-Atelier-Export-Skipped"] == "1"
    assert "celadon-mug" in lines and "linen-runner" in lines and "unreviewed-bowl" not in lines
    assert "left out of the" not in manager_client.get(reverse("product-list")).content.decode()  # said already


def test_the_summary_counts_only_the_users_own_products(artisan_client, mug, runner, unapproved):
    response = artisan_client.get(SUMMARY, {"status": "active", "images": "none"})
    page = html.unescape(response.content.decode())
    assert "1 product will be exported, live at once, without pictures." in words(response)
    assert "Unreviewed bowl" in page and "Linen runner" not in page
    assert "status=active&images=none&shown=1" in page


def test_the_summary_with_nothing_to_export_offers_no_download(artisan_client, unapproved):
    page = html.unescape(artisan_client.get(SUMMARY).content.decode())
    assert "No product can be exported yet" in page and "Unreviewed bowl" in page
    assert "Download the CSV" not in page


def test_the_summary_refuses_what_the_download_refuses(manager_client, mug, settings):
    assert manager_client.get(SUMMARY, {"status": "published"}).status_code == 400
    settings.ATELIER_PUBLIC_URL = ""
    response = manager_client.get(SUMMARY)
    assert response.status_code == 409 and "ATELIER_PUBLIC_URL" in response.content.decode()
    assert manager_client.get(reverse("products-export-summary", args=["nowhere"])).status_code == 404
