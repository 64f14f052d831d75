"""Turning a ProductPayload into productSet's input, and reading back what Shopify has.

productSet treats list fields (variants, files) as the whole truth: entries with
an `id` are updated, entries without one are created, and anything the product
had that isn't listed is deleted. So a publish always states the complete
product, and passing the ids of what is already there keeps them stable:

- variants are matched by SKU, so variant ids (and their inventory items, and
  the orders pointing at them) survive a republish;
- images are matched by their SHA-256: each uploaded file is named
  `<stem>--<first 16 hex digits of its sha256><ext>`, the name Shopify keeps in
  the image URL, so a republish (or a retry after a lost response) finds the
  image already there and sends its media id instead of uploading it again.
  A match that isn't found (an image still processing has no URL yet) only
  costs one more upload; the list semantics still leave exactly one copy.

Stock is set only on variants created by this publish: on existing ones it is
Shopify's live number (sales decrement it), which a republish must not reset.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import PurePosixPath

from channels.payload import ImagePayload, ProductPayload

DEFAULT_OPTION = "Title"  # Shopify's option for a product without variants of its own
DEFAULT_VALUE = "Default Title"
MARKER_LENGTH = 16


def marked_filename(image: ImagePayload) -> str:
    name = PurePosixPath(image.filename.replace("\\", "/")).name or "image"
    path = PurePosixPath(name)
    return f"{path.stem}--{image.sha256[:MARKER_LENGTH]}{path.suffix}"


def connection_size(count: int) -> int:
    """How many nodes to ask for: enough to see everything we publish, plus slack for strays."""
    return max(1, min(250, count + 5))


def remote_variant_ids(product: Mapping | None) -> dict[str, str]:
    if not product:
        return {}
    return {node["sku"]: node["id"] for node in product["variants"]["nodes"] if node.get("sku")}


def remote_media_ids(product: Mapping | None, images: Sequence[ImagePayload]) -> dict[str, list[str]]:
    """sha256 → ids of the product's media whose URL carries that image's marker."""
    found: dict[str, list[str]] = {}
    if not product:
        return found
    markers = {image.sha256[:MARKER_LENGTH]: image.sha256 for image in images}
    for node in product["media"]["nodes"]:
        url = ((node.get("image") or {}).get("url")) or ""
        for marker, sha256 in markers.items():
            if f"--{marker}" in url:
                found.setdefault(sha256, []).append(node["id"])
                break
    return found


def product_input(
    payload: ProductPayload,
    *,
    variant_ids: Mapping[str, str],
    files: Sequence[Mapping],
    location_gid: str | None,
) -> dict:
    option_names = list(payload.options) or [DEFAULT_OPTION]

    def values_of(variant) -> list[str]:
        return list(variant.option_values) or [DEFAULT_VALUE]

    product_options = [
        {
            "name": name,
            "position": index + 1,
            "values": [{"name": value} for value in _unique(values_of(v)[index] for v in payload.variants)],
        }
        for index, name in enumerate(option_names)
    ]
    variants = []
    for variant in payload.variants:
        entry: dict = {
            "sku": variant.sku,
            "price": money_text(variant.price),
            "optionValues": [
                {"optionName": n, "name": v} for n, v in zip(option_names, values_of(variant), strict=True)
            ],
        }
        if variant.sku and variant.sku in variant_ids:
            entry["id"] = variant_ids[variant.sku]
        elif location_gid:
            entry["inventoryItem"] = {"tracked": True}
            entry["inventoryQuantities"] = [
                {"locationId": location_gid, "name": "available", "quantity": variant.inventory_qty}
            ]
        variants.append(entry)
    data = {
        "handle": payload.handle,
        "title": payload.title,
        "descriptionHtml": payload.description_html,
        "vendor": payload.vendor,
        "productType": payload.product_type,
        "tags": list(payload.tags),
        "seo": {"title": payload.seo_title, "description": payload.seo_description},
        "status": payload.status,
        "productOptions": product_options,
        "variants": variants,
        "files": list(files),
    }
    if payload.category_gid:
        data["category"] = payload.category_gid
    return data


def new_file(image: ImagePayload, resource_url: str) -> dict:
    return {
        "originalSource": resource_url,
        "alt": image.alt,
        "contentType": "IMAGE",
        "filename": marked_filename(image),
    }


def existing_file(image: ImagePayload, media_id: str) -> dict:
    return {"id": media_id, "alt": image.alt}


def money_text(amount: Decimal) -> str:
    return format(amount, "f")


def _unique(values) -> list[str]:
    return list(dict.fromkeys(values))
