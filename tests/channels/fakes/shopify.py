"""A fake Shopify GraphQL Admin API on loopback, for the real ShopifyAPI client to talk to.

    with FakeShopify(maximum_available=1000, restore_rate=100) as shop:
        client = ShopifyClient(shop.shop_domain, shop.access_token, shop.api_version, base_url=shop.base_url)

What it implements, enough to hold the client to Shopify's behaviour:

- the operations the client sends, told apart by operation name:
  `productByIdentifier`, `stagedUploadsCreate` (targets pointing at its own
  `/upload/<token>`, which takes the multipart POST or a PUT), `productSet`
  (upsert by handle, list semantics for variants and files, userErrors for
  invalid input), `orders` (cursor pagination, `updated_at:>=` search) and `order`;
- the cost model: a leaky bucket on an injectable clock; every answer carries
  `extensions.cost`, and a request the bucket can't afford gets Shopify's
  THROTTLED error with HTTP 200;
- the access-token header (401 without the right one);
- fault injection (`inject(Fault(...))`): 5xx, 429 with Retry-After, a delay
  longer than the client's timeout, applying a write and then dropping the
  connection or answering 500, malformed JSON;
- a record of every request, for assertions.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import itertools
import json
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.channels.fakes import close, serve

TAXONOMY = re.compile(r"^gid://shopify/TaxonomyCategory/[a-z]{2}(-\d+)*$")
PRODUCT_SET_KEYS = {
    "id",
    "handle",
    "title",
    "descriptionHtml",
    "vendor",
    "productType",
    "tags",
    "seo",
    "status",
    "category",
    "productOptions",
    "variants",
    "files",
    "metafields",
    "collections",
    "giftCard",
    "templateSuffix",
    "requiresSellingPlan",
    "redirectNewHandle",
    "claimOwnership",
    "combinedListingRole",
    "giftCardTemplateSuffix",
}
VARIANT_KEYS = {
    "id",
    "sku",
    "price",
    "compareAtPrice",
    "optionValues",
    "inventoryItem",
    "inventoryQuantities",
    "inventoryPolicy",
    "barcode",
    "file",
    "metafields",
    "position",
    "requiresComponents",
    "taxable",
    "taxCode",
    "showUnitPrice",
}
FILE_KEYS = {"id", "originalSource", "alt", "contentType", "duplicateResolutionMode", "filename"}
OPTION_KEYS = {"id", "name", "position", "values", "linkedMetafield"}
UPDATED_AT_SEARCH = re.compile(r"updated_at:(>=?)'?([0-9TZ:+.\-]+)'?")
SKU_TERM = re.compile(r'sku:"((?:[^"\\]|\\.)*)"')
INVENTORY_REASONS = {
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_canceled",
    "movement_created",
    "movement_received",
    "movement_updated",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
}


class FakeClock:
    """A clock that moves only when someone sleeps on it; records every sleep."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self._now += max(0.0, seconds)


@dataclass
class Fault:
    """What to do to the next matching request instead of (or on top of) answering it.

    kind: "status" (answer `status`, optionally with Retry-After, without applying),
    "delay" (wait `delay` real seconds, then apply and answer), "drop" (close the
    connection unanswered), "apply_then_drop", "apply_then_status", "malformed".
    `operation` limits it to one GraphQL operation name, or "upload" for upload targets.
    """

    kind: str
    status: int = 500
    retry_after: str | None = None
    delay: float = 0.0
    operation: str | None = None


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    operation: str | None = None
    variables: dict = field(default_factory=dict)
    status: int | None = None
    throttled: bool = False
    cost: dict | None = None


class _Problem(Exception):
    """A top-level GraphQL error (invalid variables, unknown field): not charged."""


class FakeShopify:
    shop_domain = "atelier-test.myshopify.com"
    location_gid = "gid://shopify/Location/1"

    def __init__(
        self,
        *,
        access_token: str = "shpat_fake_0123456789abcdef",
        api_version: str = "2025-07",
        maximum_available: float = 1000.0,
        restore_rate: float = 100.0,
        clock=time.monotonic,
        staged_cost: int = 5,
        mutation_cost: int = 10,
    ) -> None:
        self.access_token, self.api_version = access_token, api_version
        self.maximum_available, self.restore_rate, self.clock = float(maximum_available), float(restore_rate), clock
        self.staged_cost, self.mutation_cost = staged_cost, mutation_cost
        self._available, self._refilled_at = float(maximum_available), clock()
        self._lock = threading.RLock()
        self._ids = itertools.count(1001)
        self._stop = threading.Event()
        self.faults: deque[Fault] = deque()
        self.requests: list[Recorded] = []
        self.products: dict[str, dict] = {}  # handle → product
        self.staged: dict[str, dict] = {}  # token → staged upload
        self.orders: dict[str, dict] = {}  # numeric id → order
        self.inventory_sets: list[dict] = []  # each applied inventorySetQuantities input
        self._server: ThreadingHTTPServer | None = None

    # --- Life cycle -------------------------------------------------------------------

    def start(self) -> FakeShopify:
        fake = self

        class Handler(_Handler):
            shop = fake

        self._server = serve(Handler)
        return self

    def stop(self) -> None:
        self._stop.set()
        close(self._server)
        self._server = None

    def __enter__(self) -> FakeShopify:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def graphql_path(self) -> str:
        return f"/admin/api/{self.api_version}/graphql.json"

    # --- Test helpers -----------------------------------------------------------------

    def inject(self, *faults: Fault) -> None:
        with self._lock:
            self.faults.extend(faults)

    def set_available(self, points: float) -> None:
        with self._lock:
            self._available, self._refilled_at = float(points), self.clock()

    def product_count(self) -> int:
        return len(self.products)

    def product(self, handle: str) -> dict | None:
        return self.products.get(handle)

    def add_product(self, handle: str, stock: dict[str, int]) -> dict:
        """A product already on the shop, with one variant per SKU and its available quantity."""
        with self._lock:
            product = {
                "id": f"gid://shopify/Product/{next(self._ids)}",
                "handle": handle,
                "title": handle,
                "variants": [self._new_variant(quantity) | {"sku": sku} for sku, quantity in stock.items()],
                "media": [],
                "writes": 0,
            }
            self.products[handle] = product
            return product

    def variant_by_sku(self, sku: str) -> dict | None:
        return next((v for p in self.products.values() for v in p["variants"] if v.get("sku") == sku), None)

    def available(self, sku: str) -> int | None:
        variant = self.variant_by_sku(sku)
        return None if variant is None else variant["inventoryQuantity"]

    def operations(self) -> list[str | None]:
        return [r.operation for r in self.requests if r.path == self.graphql_path]

    @property
    def throttled_count(self) -> int:
        return sum(r.throttled for r in self.requests)

    def uploads(self) -> list[dict]:
        return [s for s in self.staged.values() if s["content"] is not None]

    # --- Cost model -------------------------------------------------------------------

    def _refill(self) -> None:
        now = self.clock()
        self._available = min(self.maximum_available, self._available + (now - self._refilled_at) * self.restore_rate)
        self._refilled_at = now

    def _cost(self, requested: float, actual: float | None) -> dict:
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": self.maximum_available,
                "currentlyAvailable": int(self._available),
                "restoreRate": self.restore_rate,
            },
        }

    def _answer(self, operation: str, variables: dict, record: Recorded) -> dict:
        """Charge, run, refund: the body of a 200 answer."""
        handlers = {
            "AtelierProductLookup": (self._lookup_cost, self._lookup),
            "AtelierStagedUploads": (lambda v: self.staged_cost, self._staged_uploads),
            "AtelierProductSet": (self._product_set_cost, self._product_set),
            "AtelierOrders": (self._orders_cost, self._orders),
            "AtelierOrder": (self._order_cost, self._order),
            "AtelierStockLevels": (self._stock_levels_cost, self._stock_levels),
            "AtelierInventorySet": (lambda v: self.mutation_cost, self._inventory_set),
        }
        if operation not in handlers:
            return {
                "errors": [{"message": f"Unknown operation {operation!r}", "extensions": {"code": "undefinedField"}}]
            }
        requested_of, run = handlers[operation]
        with self._lock:
            try:
                requested = requested_of(variables)
            except (KeyError, TypeError) as exc:
                return _problem(f"Variables don't match the operation: {exc!r}")
            if requested > 1000:
                return {
                    "errors": [
                        {
                            "message": f"Query cost is {requested}, which exceeds the single query max cost limit (1000).",
                            "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": 1000},
                        }
                    ]
                }
            self._refill()
            if self._available < requested:
                record.throttled = True
                return {
                    "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                    "extensions": {"cost": self._cost(requested, None)},
                }
            self._available -= requested
            try:
                data, actual = run(variables)
            except _Problem as problem:  # invalid input isn't charged
                self._available += requested
                return _problem(str(problem))
            except (KeyError, TypeError) as exc:
                self._available += requested
                return _problem(f"Variables don't match the operation: {exc!r}")
            self._available = min(self.maximum_available, self._available + requested - actual)
            return {"data": data, "extensions": {"cost": self._cost(requested, actual)}}

    # --- Products ---------------------------------------------------------------------

    def _lookup_cost(self, v: dict) -> int:
        return 2 + v["variants"] + v["media"]

    def _lookup(self, v: dict) -> tuple[dict, int]:
        product = self.products.get(v["identifier"].get("handle"))
        if product is None:
            return {"productByIdentifier": None}, 1
        node = self._product_node(product, v["variants"], v["media"], urls=True)
        return {"productByIdentifier": node}, 2 + len(node["variants"]["nodes"]) + len(node["media"]["nodes"])

    def _product_node(self, product: dict, variants: int, media: int, *, urls: bool = False) -> dict:
        return {
            "id": product["id"],
            "handle": product["handle"],
            "variants": {"nodes": [{"id": x["id"], "sku": x["sku"]} for x in product["variants"][:variants]]},
            "media": {
                "nodes": [
                    {"id": m["id"], "alt": m["alt"], **({"image": {"url": m["url"]}} if urls else {})}
                    for m in product["media"][:media]
                ]
            },
        }

    def _staged_uploads(self, v: dict) -> tuple[dict, int]:
        targets, errors = [], []
        for index, item in enumerate(v["input"]):
            if item.get("resource") != "IMAGE" or not str(item.get("mimeType", "")).startswith("image/"):
                errors.append({"field": ["input", str(index)], "message": "Only images can be staged here."})
                continue
            token = uuid.uuid4().hex
            filename = item["filename"]
            parameters = [
                {"name": "Content-Type", "value": item["mimeType"]},
                {"name": "success_action_status", "value": "201"},
                {"name": "acl", "value": "private"},
                {"name": "key", "value": f"tmp/{token}/{filename}"},
                {"name": "policy", "value": base64.b64encode(token.encode()).decode()},
            ]
            self.staged[token] = {
                "token": token,
                "filename": filename,
                "mime": item["mimeType"],
                "parameters": parameters,
                "resourceUrl": f"{self.base_url}/staged/{token}/{filename}",
                "content": None,
                "headers": None,
            }
            targets.append(
                {
                    "url": f"{self.base_url}/upload/{token}",
                    "resourceUrl": self.staged[token]["resourceUrl"],
                    "parameters": parameters,
                }
            )
        return {
            "stagedUploadsCreate": {"stagedTargets": [] if errors else targets, "userErrors": errors}
        }, self.staged_cost

    def _product_set_cost(self, v: dict) -> int:
        return self.mutation_cost + len(v["input"].get("variants") or [])

    def _product_set(self, v: dict) -> tuple[dict, int]:
        data, handle = v["input"], v["identifier"].get("handle")
        _check_keys(data, PRODUCT_SET_KEYS, "ProductSetInput")
        for variant in data.get("variants") or []:
            _check_keys(variant, VARIANT_KEYS, "ProductVariantSetInput")
        for file in data.get("files") or []:
            _check_keys(file, FILE_KEYS, "FileSetInput")
        for option in data.get("productOptions") or []:
            _check_keys(option, OPTION_KEYS, "OptionSetInput")
        existing = self.products.get(handle)
        errors = self._product_errors(data, existing)
        cost = self._product_set_cost(v)
        if errors:
            return {"productSet": {"product": None, "userErrors": errors}}, cost
        product = existing or {
            "id": f"gid://shopify/Product/{next(self._ids)}",
            "handle": handle,
            "variants": [],
            "media": [],
            "writes": 0,
        }
        product.update(
            {
                "title": data.get("title", product.get("title")),
                "descriptionHtml": data.get("descriptionHtml", product.get("descriptionHtml", "")),
                "vendor": data.get("vendor", product.get("vendor", "")),
                "productType": data.get("productType", product.get("productType", "")),
                "tags": list(data.get("tags", product.get("tags", []))),
                "seo": dict(data.get("seo", product.get("seo", {}))),
                "status": data.get("status", product.get("status", "ACTIVE")),
                "category": data.get("category", product.get("category")),
                "options": [
                    {"name": o["name"], "values": [x["name"] for x in o["values"]]} for o in data["productOptions"]
                ],
            }
        )
        old_variants = {x["id"]: x for x in product["variants"]}
        product["variants"] = []
        for entry in data.get("variants") or []:
            variant = old_variants.get(entry.get("id")) or self._new_variant(0)
            variant.update(
                {
                    "sku": entry.get("sku"),
                    "price": entry["price"],
                    "optionValues": [(o["optionName"], o["name"]) for o in entry["optionValues"]],
                }
            )
            for level in entry.get("inventoryQuantities") or []:
                variant["inventoryQuantity"] = level["quantity"]
            product["variants"].append(variant)
        old_media = {m["id"]: m for m in product["media"]}
        product["media"] = []
        for entry in data.get("files") or []:
            if "id" in entry:
                media = old_media[entry["id"]]
                media["alt"] = entry.get("alt", media["alt"])
            else:
                staged = self._staged_by_url(entry["originalSource"])
                filename = entry.get("filename") or staged["filename"]
                media_id = next(self._ids)
                media = {
                    "id": f"gid://shopify/MediaImage/{media_id}",
                    "alt": entry.get("alt", ""),
                    "url": f"{self.base_url}/cdn/shop/files/{filename}?v={media_id}",
                    "sha256": hashlib.sha256(staged["content"]).hexdigest(),
                }
            product["media"].append(media)
        product["writes"] += 1
        self.products[handle] = product
        node = self._product_node(product, v["variants"], v["media"])
        return {"productSet": {"product": node, "userErrors": []}}, cost

    def _new_variant(self, quantity: int) -> dict:
        return {
            "id": f"gid://shopify/ProductVariant/{next(self._ids)}",
            "inventoryItemId": f"gid://shopify/InventoryItem/{next(self._ids)}",
            "inventoryQuantity": quantity,  # available at the shop's one location
        }

    # --- Inventory --------------------------------------------------------------------

    def _stock_levels_cost(self, v: dict) -> int:
        return 2 + v["first"] * (3 + 2 * v["levels"])

    def _stock_levels(self, v: dict) -> tuple[dict, int]:
        """productVariants(query: 'sku:"A" OR sku:"B"'): Shopify matches words, so a SKU's prefix finds it too."""
        terms = [re.sub(r"\\(.)", r"\1", term) for term in SKU_TERM.findall(v["query"])]
        if not terms or v["first"] > 250:
            raise _Problem("productVariants needs a sku: search and first ≤ 250")
        found = [
            variant
            for product in self.products.values()
            for variant in product["variants"]
            if any((variant.get("sku") or "").startswith(term) for term in terms)
        ][: v["first"]]
        nodes = [
            {
                "id": variant["id"],
                "sku": variant.get("sku"),
                "inventoryItem": {
                    "id": variant["inventoryItemId"],
                    "inventoryLevels": {
                        "nodes": [
                            {
                                "location": {"id": self.location_gid},
                                "quantities": [{"name": "available", "quantity": variant["inventoryQuantity"]}],
                            }
                        ][: v["levels"]]
                    },
                },
            }
            for variant in found
        ]
        return {"productVariants": {"nodes": nodes}}, 2 + 3 * len(nodes)

    def _inventory_set(self, v: dict) -> tuple[dict, int]:
        data = v["input"]
        new_style = self.api_version == "unstable" or self.api_version >= "2026-01"
        required_cas = self.api_version == "unstable" or self.api_version >= "2026-04"
        input_keys = {"name", "reason", "referenceDocumentUri", "quantities"}
        quantity_keys = {"inventoryItemId", "locationId", "quantity"}
        if not required_cas:
            input_keys |= {"ignoreCompareQuantity"}
            quantity_keys |= {"compareQuantity"}
        if new_style:
            quantity_keys |= {"changeFromQuantity"}
        _check_keys(data, input_keys, "InventorySetQuantitiesInput")
        for quantity in data["quantities"]:
            _check_keys(quantity, quantity_keys, "InventoryQuantityInput")
            if not isinstance(quantity["quantity"], int) or isinstance(quantity["quantity"], bool):
                raise _Problem("InventoryQuantityInput.quantity must be an Int")
        errors = []

        def error(index: int, name: str, message: str, code: str) -> None:
            errors.append({"field": ["input", "quantities", str(index), name], "message": message, "code": code})

        if data["name"] not in ("available", "on_hand"):
            errors.append(
                {
                    "field": ["input", "name"],
                    "message": "The quantity name must be available or on_hand.",
                    "code": "INVALID_NAME",
                }
            )
        if data["reason"] not in INVENTORY_REASONS:
            errors.append({"field": ["input", "reason"], "message": "The reason is invalid.", "code": "INVALID_REASON"})
        items = {v2["inventoryItemId"]: v2 for p in self.products.values() for v2 in p["variants"]}
        for index, quantity in enumerate(data["quantities"]):
            variant = items.get(quantity["inventoryItemId"])
            if variant is None:
                error(
                    index,
                    "inventoryItemId",
                    "The specified inventory item could not be found.",
                    "INVALID_INVENTORY_ITEM",
                )
                continue
            if quantity["locationId"] != self.location_gid:
                error(index, "locationId", "The specified location could not be found.", "INVALID_LOCATION")
            if abs(quantity["quantity"]) > 1_000_000_000:
                error(
                    index, "quantity", "The quantity can't be higher than 1,000,000,000.", "INVALID_QUANTITY_TOO_HIGH"
                )
            if required_cas and "changeFromQuantity" not in quantity:
                error(index, "changeFromQuantity", "changeFromQuantity is required.", "CHANGE_FROM_QUANTITY_REQUIRED")
            elif "changeFromQuantity" in quantity and new_style:
                expected = quantity["changeFromQuantity"]
                if expected is not None and expected != variant["inventoryQuantity"]:
                    error(index, "changeFromQuantity", "The quantity has changed.", "CHANGE_FROM_QUANTITY_STALE")
            elif not data.get("ignoreCompareQuantity"):
                if "compareQuantity" not in quantity:
                    error(
                        index,
                        "compareQuantity",
                        "The compareQuantity argument must be given to each quantity or ignored using ignoreCompareQuantity.",
                        "COMPARE_QUANTITY_REQUIRED",
                    )
                elif quantity["compareQuantity"] != variant["inventoryQuantity"]:
                    error(
                        index,
                        "compareQuantity",
                        "The compareQuantity value does not match persisted value.",
                        "COMPARE_QUANTITY_STALE",
                    )
        if errors:
            return {
                "inventorySetQuantities": {"inventoryAdjustmentGroup": None, "userErrors": errors}
            }, self.mutation_cost
        changes = []
        for quantity in data["quantities"]:
            variant = items[quantity["inventoryItemId"]]
            delta = quantity["quantity"] - variant["inventoryQuantity"]
            variant["inventoryQuantity"] = quantity["quantity"]
            if delta:
                changes.append(
                    {
                        "name": "available",
                        "delta": delta,
                        "quantityAfterChange": quantity["quantity"],
                        "item": {"id": quantity["inventoryItemId"]},
                        "location": {"id": quantity["locationId"]},
                    }
                )
        self.inventory_sets.append(data)
        group = {"reason": data["reason"], "changes": changes} if changes else None
        return {"inventorySetQuantities": {"inventoryAdjustmentGroup": group, "userErrors": []}}, self.mutation_cost

    def _product_errors(self, data: dict, existing: dict | None) -> list[dict]:
        errors = []

        def error(path: list[str], message: str, code: str = "INVALID_INPUT") -> None:
            errors.append({"field": ["input", *path], "message": message, "code": code})

        if not str(data.get("title", existing and existing.get("title")) or "").strip():
            error(["title"], "Title can't be blank", "BLANK")
        if len(data.get("tags") or []) > 250:
            error(["tags"], "Tags can't exceed 250 per product", "INVALID_INPUT")
        if data.get("status", "ACTIVE") not in ("ACTIVE", "DRAFT", "ARCHIVED"):
            error(["status"], "Status is invalid")
        if data.get("category") is not None and not TAXONOMY.match(data["category"]):
            error(["category"], "Category does not exist", "INVALID_INPUT")
        options = {o["name"]: {x["name"] for x in o["values"]} for o in data.get("productOptions") or []}
        if not options:
            error(["productOptions"], "Product options are required when variants are given", "INVALID_INPUT")
        known_variants = {x["id"] for x in (existing or {}).get("variants", [])}
        seen_skus: set[str] = set()
        for index, variant in enumerate(data.get("variants") or []):
            path = ["variants", str(index)]
            try:
                if Decimal(str(variant["price"])) < 0:
                    error([*path, "price"], "Price must be greater than or equal to 0")
            except (InvalidOperation, KeyError):
                error([*path, "price"], "Price is invalid")
            sku = variant.get("sku")
            if sku and sku in seen_skus:
                error([*path, "sku"], f"SKU '{sku}' is used by another variant of this product", "DUPLICATED_INPUT")
            seen_skus.add(sku)
            if "id" in variant and variant["id"] not in known_variants:
                error([*path, "id"], "Variant does not exist on this product", "PRODUCT_VARIANT_DOES_NOT_EXIST")
            values = {o["optionName"]: o["name"] for o in variant.get("optionValues") or []}
            if set(values) != set(options) or any(values[n] not in options[n] for n in values):
                error([*path, "optionValues"], "Option values don't match the product's options", "INVALID_VARIANT")
            for level in variant.get("inventoryQuantities") or []:
                if level.get("locationId") != self.location_gid:
                    error([*path, "inventoryQuantities"], "Location does not exist", "INVALID_INPUT")
        if len(data.get("variants") or []) > 100:
            error(["variants"], "Products can have at most 100 variants", "INVALID_INPUT")
        known_media = {m["id"] for m in (existing or {}).get("media", [])}
        for index, file in enumerate(data.get("files") or []):
            if "id" in file and file["id"] not in known_media:
                error(["files", str(index), "id"], "File does not exist", "FILE_DOES_NOT_EXIST")
            elif "id" not in file and not self._staged_by_url(file.get("originalSource", "")):
                error(
                    ["files", str(index), "originalSource"],
                    "Staged upload not found or never uploaded",
                    "INVALID_INPUT",
                )
        return errors

    def _staged_by_url(self, url: str) -> dict | None:
        for staged in self.staged.values():
            if staged["resourceUrl"] == url and staged["content"] is not None:
                return staged
        return None

    def receive_upload(self, token: str, content: bytes, fields: dict[str, str] | None, headers: dict) -> int:
        with self._lock:
            staged = self.staged.get(token)
            if staged is None:
                return 404
            if fields is not None and any(fields.get(p["name"]) != p["value"] for p in staged["parameters"]):
                return 403  # a POST must carry every signed parameter, as Google Cloud Storage checks
            staged["content"], staged["headers"] = content, headers
            return 201

    # --- Orders -----------------------------------------------------------------------

    def add_order(
        self,
        *,
        lines: list[tuple[str | None, int, str]],
        updated_at: datetime,
        created_at: datetime | None = None,
        refunds: list[list[tuple[int, int]]] = (),
        cancelled: bool = False,
        currency: str = "GBP",
    ) -> dict:
        """An order with `lines` (sku, quantity, unit price) and `refunds` (line index, quantity)."""
        with self._lock:
            number = next(self._ids)
            line_items = [
                {"id": str(next(self._ids)), "sku": sku, "quantity": qty, "price": price} for sku, qty, price in lines
            ]
            order = {
                "id": str(number),
                "name": f"#{number}",
                "currency": currency,
                "created_at": created_at or updated_at,
                "updated_at": updated_at,
                "cancelled_at": updated_at if cancelled else None,
                "line_items": line_items,
                "refunds": [
                    {
                        "id": str(next(self._ids)),
                        "created_at": updated_at,
                        "lines": [(line_items[i]["id"], qty) for i, qty in refund],
                    }
                    for refund in refunds
                ],
            }
            self.orders[order["id"]] = order
            return order

    def order_webhook(self, order_id: str) -> dict:
        """The REST JSON Shopify would send to orders/updated for this order."""
        order = self.orders[order_id]
        return {
            "id": int(order["id"]),
            "name": order["name"],
            "currency": order["currency"],
            "created_at": _iso(order["created_at"]),
            "updated_at": _iso(order["updated_at"]),
            "cancelled_at": _iso(order["cancelled_at"]) if order["cancelled_at"] else None,
            "line_items": [
                {"id": int(x["id"]), "sku": x["sku"], "quantity": x["quantity"], "price": x["price"]}
                for x in order["line_items"]
            ],
            "refunds": [
                {
                    "id": int(r["id"]),
                    "created_at": _iso(r["created_at"]),
                    "refund_line_items": [{"line_item_id": int(i), "quantity": q} for i, q in r["lines"]],
                }
                for r in order["refunds"]
            ],
        }

    @staticmethod
    def _per_order(v: dict) -> int:
        return 3 + v["lines"] * 3 + v["refunds"] * (3 + v["refundLines"] * 2)

    def _orders_cost(self, v: dict) -> int:
        return 2 + v["first"] * self._per_order(v)

    def _order_cost(self, v: dict) -> int:
        return self._per_order(v)

    def _orders(self, v: dict) -> tuple[dict, int]:
        chosen = sorted(self.orders.values(), key=lambda o: (o["updated_at"], int(o["id"])))
        match = UPDATED_AT_SEARCH.search(v.get("query") or "")
        if match:
            since = datetime.fromisoformat(match.group(2).replace("Z", "+00:00"))
            chosen = [
                o for o in chosen if o["updated_at"] > since or (match.group(1) == ">=" and o["updated_at"] == since)
            ]
        if v.get("after"):
            after = base64.b64decode(v["after"]).decode()
            ids = [o["id"] for o in chosen]
            chosen = chosen[ids.index(after) + 1 :] if after in ids else []
        page, rest = chosen[: v["first"]], chosen[v["first"] :]
        nodes = [self._order_node(o, v) for o in page]
        return {
            "orders": {
                "pageInfo": {
                    "hasNextPage": bool(rest),
                    "endCursor": base64.b64encode(page[-1]["id"].encode()).decode() if page else None,
                },
                "nodes": nodes,
            }
        }, 2 + sum(self._node_cost(n) for n in nodes)

    def _order(self, v: dict) -> tuple[dict, int]:
        order = self.orders.get(v["id"].rsplit("/", 1)[-1])
        node = self._order_node(order, v) if order else None
        return {"order": node}, self._node_cost(node) if node else 1

    @staticmethod
    def _node_cost(node: dict) -> int:
        return (
            3
            + 3 * len(node["lineItems"]["nodes"])
            + sum(3 + 2 * len(r["refundLineItems"]["nodes"]) for r in node["refunds"])
        )

    def _order_node(self, order: dict, v: dict) -> dict:
        return {
            "id": f"gid://shopify/Order/{order['id']}",
            "name": order["name"],
            "createdAt": _iso(order["created_at"]),
            "updatedAt": _iso(order["updated_at"]),
            "cancelledAt": _iso(order["cancelled_at"]) if order["cancelled_at"] else None,
            "currencyCode": order["currency"],
            "lineItems": {
                "pageInfo": {"hasNextPage": len(order["line_items"]) > v["lines"]},
                "nodes": [
                    {
                        "id": f"gid://shopify/LineItem/{x['id']}",
                        "sku": x["sku"],
                        "quantity": x["quantity"],
                        "originalUnitPriceSet": {"shopMoney": {"amount": x["price"]}},
                    }
                    for x in order["line_items"][: v["lines"]]
                ],
            },
            "refunds": [
                {
                    "refundLineItems": {
                        "pageInfo": {"hasNextPage": len(r["lines"]) > v["refundLines"]},
                        "nodes": [
                            {"quantity": q, "lineItem": {"id": f"gid://shopify/LineItem/{i}"}}
                            for i, q in r["lines"][: v["refundLines"]]
                        ],
                    }
                }
                for r in order["refunds"][: v["refunds"]]
            ],
        }

    # --- Faults -----------------------------------------------------------------------

    def _take_fault(self, operation: str | None) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.operation is None or fault.operation == operation:
                    self.faults.remove(fault)
                    return fault
        return None


class _Handler(BaseHTTPRequestHandler):
    shop: FakeShopify

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def _handle(self) -> None:
        shop = self.shop
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        record = Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        with shop._lock:
            shop.requests.append(record)
        if self.path.startswith("/upload/"):
            record.operation = "upload"
            fault = shop._take_fault("upload")
            return self._with_fault(fault, record, lambda: self._upload(body))
        if self.path != shop.graphql_path:
            return self._send(record, 404, b'{"errors":"Not Found"}')
        if self.headers.get("X-Shopify-Access-Token") != shop.access_token:
            return self._send(
                record,
                401,
                b'{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}',
            )
        try:
            request = json.loads(body)
            record.operation, record.variables = request.get("operationName"), request.get("variables") or {}
        except ValueError:
            return self._send(record, 400, b'{"errors":"Bad Request"}')
        fault = shop._take_fault(record.operation)

        def answer() -> tuple[int, bytes]:
            response = shop._answer(record.operation, record.variables, record)
            record.cost = (response.get("extensions") or {}).get("cost")
            return 200, json.dumps(response).encode()

        self._with_fault(fault, record, answer)

    def _with_fault(self, fault: Fault | None, record: Recorded, answer) -> None:
        if fault is None:
            return self._send(record, *answer())
        if fault.kind == "status":
            extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            return self._send(record, fault.status, b'{"errors":"Internal error"}', extra)
        if fault.kind == "drop":
            self.close_connection = True
            return None
        if fault.kind == "malformed":
            return self._send(record, 200, b'{"data": {"productSet": ')
        if fault.kind == "delay":
            self.shop._stop.wait(fault.delay)
            try:
                return self._send(record, *answer())
            except OSError:
                return None  # the client gave up long ago
        status, body = answer()  # apply_then_*: the write happened, the answer is lost
        if fault.kind == "apply_then_drop":
            record.status = None
            self.close_connection = True
            return None
        return self._send(record, fault.status, b'{"errors":"Internal error"}')

    def _upload(self, body: bytes) -> tuple[int, bytes]:
        token = self.path.split("/")[2]
        if self.command == "PUT":
            fields, content = None, body
        else:
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + self.headers.get("Content-Type", "").encode() + b"\r\n\r\n" + body
            )
            parts = list(message.iter_parts()) if message.is_multipart() else []
            if not parts or parts[-1].get_param("name", header="content-disposition") != "file":
                return 400, b"<Error>The file must be the last field</Error>"
            fields = {p.get_param("name", header="content-disposition"): p.get_content() for p in parts[:-1]}
            content = parts[-1].get_payload(decode=True)
        return self.shop.receive_upload(token, content, fields, {k.lower(): v for k, v in self.headers.items()}), b""

    def _send(self, record: Recorded, status: int, body: bytes, headers: dict | None = None) -> None:
        record.status = status
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def _problem(message: str) -> dict:
    return {"errors": [{"message": message, "extensions": {"code": "INVALID_VARIABLE"}}]}


def _check_keys(data: dict, allowed: set[str], type_name: str) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise _Problem(
            f"Variable $input of type {type_name}! was provided invalid value for "
            f"{', '.join(sorted(unknown))} (Field is not defined on {type_name})"
        )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


__all__ = ["FakeClock", "FakeShopify", "Fault", "Recorded", "utc", "timedelta"]
