"""Approved products as a Shopify product CSV, streamed row by row.

Layout, as Shopify documents it: all rows of a product share its Handle; the
first row carries the product fields, its first variant and its first image;
each further row carries one more variant (option values, SKU, price, stock)
and/or one more image (Src, Position, Alt Text), and nothing else. A product
without options gets Shopify's own `Title` / `Default Title` option.

The columns are those of Shopify's classic product template, in its order,
keeping only what a ProductPayload knows: a column left out keeps Shopify's
default on create and the existing value on an overwrite import, while an empty
column would blank it. "Variant Grams" and "Variant Weight Unit" (g) come from the maker's weight of
a piece; a product without one leaves them empty.
Stock ("Variant Inventory Qty") is the approved quantity; an overwrite import
resets Shopify's stock to it.

Encoding: UTF-8 without a byte-order mark. Shopify reads UTF-8, and a BOM would
glue itself to the first header ("\\ufeffHandle") in importers that don't strip
it; pass `bom=True` only for a file meant to be opened in Excel first.

Formula injection: a cell starting with = + - @ (or a tab or CR) is run as a
formula by Excel, LibreOffice and Google Sheets when someone opens the export
before importing it. In the free-text columns only, such a cell gets a leading
apostrophe, OWASP's advice. The cost is real (Shopify imports the apostrophe
literally), but approved copy almost never starts that way, and a visible
stray character beats running a formula on a manager's machine. Identifiers are
never rewritten (a changed Handle or SKU would silently break matching);
ProductPayload refuses those that start with such a character instead.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator

from channels.payload import FORMULA_PREFIXES, ImagePayload, ProductPayload

HEADER = [
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
FREE_TEXT = frozenset(
    {
        "Title",
        "Body (HTML)",
        "Vendor",
        "Type",
        "Tags",
        "Option1 Name",
        "Option1 Value",
        "Option2 Name",
        "Option2 Value",
        "Option3 Name",
        "Option3 Value",
        "Image Alt Text",
        "SEO Title",
        "SEO Description",
    }
)
TAXONOMY_PREFIX = "gid://shopify/TaxonomyCategory/"
_COLUMN = {name: index for index, name in enumerate(HEADER)}


def shopify_csv_rows(
    payloads: Iterable[ProductPayload],
    image_url: Callable[[ImagePayload], str],
) -> Iterator[list[str]]:
    """The rows (header first) of a Shopify product CSV; lazy, one product at a time."""
    yield list(HEADER)
    for payload in payloads:
        yield from _product_rows(payload, image_url)


def iter_csv_lines(
    payloads: Iterable[ProductPayload],
    image_url: Callable[[ImagePayload], str],
    *,
    bom: bool = False,
) -> Iterator[str]:
    """CSV text line by line (CRLF-terminated), for Django's StreamingHttpResponse."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if bom:
        yield "\ufeff"
    for row in shopify_csv_rows(payloads, image_url):
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _product_rows(payload: ProductPayload, image_url: Callable[[ImagePayload], str]) -> Iterator[list[str]]:
    option_names = list(payload.options) or ["Title"]
    for index in range(max(len(payload.variants), len(payload.images))):
        cells = {"Handle": payload.handle}
        if index == 0:
            cells.update(
                {
                    "Title": payload.title,
                    "Body (HTML)": payload.description_html,
                    "Vendor": payload.vendor,
                    "Product Category": (payload.category_gid or "").removeprefix(TAXONOMY_PREFIX),
                    "Type": payload.product_type,
                    # Shopify splits the cell on commas: a tag can't contain one there either.
                    "Tags": ", ".join(payload.tags),
                    "Published": "TRUE" if payload.status == "ACTIVE" else "FALSE",
                    "SEO Title": payload.seo_title,
                    "SEO Description": payload.seo_description,
                    "Status": payload.status.lower(),
                }
            )
            for number, name in enumerate(option_names, start=1):
                cells[f"Option{number} Name"] = name
        if index < len(payload.variants):
            variant = payload.variants[index]
            values = list(variant.option_values) or ["Default Title"]
            for number, value in enumerate(values, start=1):
                cells[f"Option{number} Value"] = value
            cells.update(
                {
                    "Variant SKU": variant.sku,
                    "Variant Inventory Tracker": "shopify",
                    "Variant Inventory Qty": str(variant.inventory_qty),
                    "Variant Inventory Policy": "deny",
                    "Variant Fulfillment Service": "manual",
                    "Variant Price": format(variant.price, "f"),
                }
            )
            if variant.weight_grams:
                cells.update({"Variant Grams": str(variant.weight_grams), "Variant Weight Unit": "g"})
        if index < len(payload.images):
            image = payload.images[index]
            cells.update({"Image Src": image_url(image), "Image Position": str(index + 1), "Image Alt Text": image.alt})
        row = [""] * len(HEADER)
        for name, value in cells.items():
            row[_COLUMN[name]] = _defused(value) if name in FREE_TEXT else value
        yield row


def _defused(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value
