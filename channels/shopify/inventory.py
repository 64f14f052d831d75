"""Setting stock on Shopify: SKUs to inventory items, and the `inventorySetQuantities` input and answer.

Atelier is the source of truth for stock, so quantities are set absolutely (never
adjusted by a delta) and the compare-and-swap check is opted out of, as Shopify's
documentation advises for a system that owns the figure. How one opts out moved
between API versions:

- up to 2025-10: `ignoreCompareQuantity: true` on the input;
- from 2026-01: `changeFromQuantity: null` on each quantity (2026-04 makes the field
  mandatory and drops the old pair).

Shopify's SKU search matches words, not whole values, so the variants it returns
are filtered to exact SKUs here. A SKU may belong to several variants (Shopify
doesn't enforce uniqueness): each of them is set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from channels.shopify.errors import ShopifyError

SKUS_PER_QUERY = 20
LEVELS_PER_ITEM = 5
ALONE_PAGE = 50  # a SKU asked for alone, after longer SKUs that start like it filled a shared page
CHANGE_FROM_VERSION = "2026-01"  # changeFromQuantity arrives; ignoreCompareQuantity is deprecated
REASON = "correction"  # one of Shopify's reasons for a set; the studio counted its own stock


@dataclass
class StockItem:
    """One variant's inventory item on Shopify and its available quantity per location."""

    sku: str
    item_id: str
    available: dict[str, int] = field(default_factory=dict)  # location gid → available


def sku_search(skus: Iterable[str]) -> str:
    """Shopify search syntax for any of these SKUs, each quoted (SKUs may hold spaces or colons)."""
    return " OR ".join(f'sku:"{_escaped(sku)}"' for sku in skus)


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def stock_items(data: Mapping, wanted: set[str]) -> list[StockItem]:
    items = []
    for node in (data.get("productVariants") or {}).get("nodes") or []:
        sku, item = node.get("sku"), node.get("inventoryItem")
        if sku not in wanted or not item:
            continue
        available = {}
        for level in (item.get("inventoryLevels") or {}).get("nodes") or []:
            for quantity in level.get("quantities") or []:
                if quantity.get("name") == "available":
                    available[level["location"]["id"]] = int(quantity["quantity"])
        items.append(StockItem(sku=sku, item_id=item["id"], available=available))
    return items


def page_full(data: Mapping, first: int) -> bool:
    return len((data.get("productVariants") or {}).get("nodes") or []) >= first


def location_for(item: StockItem, configured: str | None) -> str:
    """Where to set this item: the configured location, or the one location it is stocked at."""
    if configured:
        return configured
    if len(item.available) == 1:
        return next(iter(item.available))
    if not item.available:
        raise ShopifyError(f"SKU {item.sku} isn't stocked at any Shopify location; set SHOPIFY_LOCATION_GID.")
    raise ShopifyError(
        f"SKU {item.sku} is stocked at {len(item.available)} Shopify locations; "
        "set SHOPIFY_LOCATION_GID to the one Atelier's stock is for."
    )


def set_input(quantities: list[dict], *, api_version: str) -> dict:
    """The InventorySetQuantitiesInput for absolute `available` quantities, CAS opted out for this version."""
    new_style = api_version == "unstable" or api_version >= CHANGE_FROM_VERSION
    entries = [{**quantity, "changeFromQuantity": None} if new_style else dict(quantity) for quantity in quantities]
    data = {"name": "available", "reason": REASON, "quantities": entries}
    if not new_style:
        data["ignoreCompareQuantity"] = True
    return data


def quantities_after(result: Mapping | None, before: Mapping[tuple[str, str], int]) -> dict[tuple[str, str], int]:
    """(item, location) → available after the set: Shopify's changes, or the level read before when unchanged.

    Shopify lists only the quantities that moved; one already at the target has no change.
    """
    after = dict(before)
    group = (result or {}).get("inventoryAdjustmentGroup") or {}
    for change in group.get("changes") or []:
        if change.get("name") != "available":
            continue
        key = ((change.get("item") or {}).get("id"), (change.get("location") or {}).get("id"))
        if change.get("quantityAfterChange") is not None:
            after[key] = int(change["quantityAfterChange"])
        elif key in before:
            after[key] = before[key] + int(change.get("delta") or 0)
    return after
