"""The Shopify product CSV export: columns, row layout, round trip, formula injection, streaming."""

import csv
import hashlib
import io
import types
from decimal import Decimal

import pytest

from channels.payload import ImagePayload, ProductPayload, VariantPayload
from channels.shopify.csv_export import HEADER, iter_csv_lines, shopify_csv_rows

EXPECTED_HEADER = [
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


def image(name: str, alt: str) -> ImagePayload:
    content = name.encode()
    return ImagePayload(name, content, alt, hashlib.sha256(content).hexdigest(), "image/jpeg")


def url(image: ImagePayload) -> str:
    return f"https://media.example.com/{image.filename}"


def product(handle: str = "linen-apron", **changes) -> ProductPayload:
    fields = {
        "handle": handle,
        "title": "Linen apron",
        "description_html": '<p>Stonewashed linen, "cross-back" straps,\nbrass rivets.</p>',
        "vendor": "Atelier Tomás",
        "product_type": "Apron",
        "tags": ["linen", "kitchen"],
        "seo_title": "Linen apron",
        "seo_description": "A stonewashed linen apron.",
        "category_gid": "gid://shopify/TaxonomyCategory/hg-11-10",
        "options": ["Colourway", "Size"],
        "variants": [
            VariantPayload("APR-SAND-S", Decimal("45.00"), ["Sand", "S"], 3),
            VariantPayload("APR-SAND-M", Decimal("45.00"), ["Sand", "M"], 5),
            VariantPayload("APR-SLATE-M", Decimal("48"), ["Slate", "M"], 1),
        ],
        "images": [image("apron-front.jpg", "Apron, front"), image("apron-back.jpg", "Apron, back")],
    }
    fields.update(changes)
    return ProductPayload(**fields)


def as_dicts(rows):
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_the_header_is_shopifys_template_order():
    assert next(shopify_csv_rows([], url)) == EXPECTED_HEADER == HEADER


def test_a_product_with_more_variants_than_images():
    rows = as_dicts(list(shopify_csv_rows([product()], url)))

    assert len(rows) == 3 and {row["Handle"] for row in rows} == {"linen-apron"}
    first, second, third = rows
    assert (first["Title"], first["Vendor"], first["Type"], first["Tags"], first["Published"], first["Status"]) == (
        "Linen apron",
        "Atelier Tomás",
        "Apron",
        "linen, kitchen",
        "TRUE",
        "active",
    )
    assert first["Product Category"] == "hg-11-10"
    assert (first["SEO Title"], first["SEO Description"]) == ("Linen apron", "A stonewashed linen apron.")
    assert (first["Option1 Name"], first["Option1 Value"], first["Option2 Name"], first["Option2 Value"]) == (
        "Colourway",
        "Sand",
        "Size",
        "S",
    )
    assert (first["Variant SKU"], first["Variant Price"], first["Variant Inventory Qty"]) == (
        "APR-SAND-S",
        "45.00",
        "3",
    )
    assert (first["Image Src"], first["Image Position"], first["Image Alt Text"]) == (
        "https://media.example.com/apron-front.jpg",
        "1",
        "Apron, front",
    )
    # Further rows: the handle, the variant, the image, and nothing of the product.
    assert second["Title"] == second["Option1 Name"] == second["Tags"] == second["Status"] == ""
    assert (second["Option1 Value"], second["Option2 Value"], second["Variant SKU"]) == ("Sand", "M", "APR-SAND-M")
    assert (second["Image Src"], second["Image Position"]) == ("https://media.example.com/apron-back.jpg", "2")
    assert (third["Variant SKU"], third["Variant Price"], third["Image Src"], third["Image Position"]) == (
        "APR-SLATE-M",
        "48",
        "",
        "",
    )


def test_a_product_with_more_images_than_variants_gets_image_only_rows():
    single = product(
        options=[],
        variants=[VariantPayload("APR-1", Decimal("40"), [], 2)],
        images=[image(f"apron-{n}.jpg", f"View {n}") for n in range(3)],
        status="DRAFT",
    )

    rows = as_dicts(list(shopify_csv_rows([single], url)))

    assert len(rows) == 3
    assert (rows[0]["Option1 Name"], rows[0]["Option1 Value"]) == ("Title", "Default Title")
    assert (rows[0]["Published"], rows[0]["Status"]) == ("FALSE", "draft")
    for position, row in enumerate(rows[1:], start=2):
        filled = {name for name, value in row.items() if value}
        assert filled == {"Handle", "Image Src", "Image Position", "Image Alt Text"}
        assert row["Image Position"] == str(position)


def test_the_file_parses_back_with_the_csv_module():
    payloads = [product(), product("second-apron", title='Apron, "the long one"')]

    text = "".join(iter_csv_lines(payloads, url))

    assert list(csv.reader(io.StringIO(text, newline=""))) == list(shopify_csv_rows(payloads, url))
    assert text.endswith("\r\n") and not text.startswith("\ufeff")
    parsed = as_dicts(list(csv.reader(io.StringIO(text, newline=""))))
    assert parsed[0]["Body (HTML)"] == '<p>Stonewashed linen, "cross-back" straps,\nbrass rivets.</p>'
    assert parsed[3]["Title"] == 'Apron, "the long one"'


def test_a_bom_only_on_request():
    lines = iter_csv_lines([product()], url, bom=True)

    assert next(lines) == "\ufeff" and next(lines).startswith("Handle,Title,")


@pytest.mark.parametrize(
    "column, changes, expected",
    [
        (
            "Title",
            {"title": '=HYPERLINK("http://evil.example","Click")'},
            '\'=HYPERLINK("http://evil.example","Click")',
        ),
        ("Body (HTML)", {"description_html": "@SUM(1+1)*cmd|' /C calc'!A0"}, "'@SUM(1+1)*cmd|' /C calc'!A0"),
        ("Tags", {"tags": ["+1 gift", "linen"]}, "'+1 gift, linen"),
        ("SEO Description", {"seo_description": "-2+3"}, "'-2+3"),
        ("Vendor", {"vendor": "\t=1+1"}, "'\t=1+1"),
        ("Option1 Value", {"variants": [VariantPayload("APR-1", Decimal("1"), ["=1+1", "S"])]}, "'=1+1"),
        ("Image Alt Text", {"images": [image("a.jpg", "=cmd")]}, "'=cmd"),
        ("Title", {"title": "Apron = joy"}, "Apron = joy"),  # only a leading character is dangerous
    ],
)
def test_free_text_cells_cannot_run_as_formulas(column, changes, expected):
    rows = as_dicts(list(shopify_csv_rows([product(**changes)], url)))

    assert rows[0][column] == expected


def test_identifiers_and_numbers_are_never_rewritten():
    rows = as_dicts(list(shopify_csv_rows([product()], url)))
    assert rows[0]["Handle"] == "linen-apron" and rows[0]["Variant SKU"] == "APR-SAND-S"
    with pytest.raises(ValueError):
        VariantPayload("=SKU", Decimal("1"))
    with pytest.raises(ValueError):
        product(handle="+handle")


def test_rows_stream_one_product_at_a_time():
    produced = []

    def payloads():
        for number in range(3):
            produced.append(number)
            yield product(f"apron-{number}")

    lines = iter_csv_lines(payloads(), url)

    assert isinstance(lines, types.GeneratorType) and produced == []
    assert next(lines).startswith("Handle,") and produced == []
    assert next(lines).startswith("apron-0,") and produced == [0]
    assert sum(1 for _ in lines) == 2 + 2 * 3 and produced == [0, 1, 2]
