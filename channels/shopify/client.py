"""The Shopify channel: publish approved products, read orders back (GraphQL Admin API).

A pure library layer: it takes ProductPayloads (built from approved snapshots by
the service layer) and gives back plain results; it knows no Django model.

Publishing is idempotent, so a task may run it twice, or again after a crash:

1. look the product up by handle (its variant ids by SKU, its images by hash);
2. upload only the images Shopify doesn't have yet: `stagedUploadsCreate`, then
   the bytes to the returned target;
3. `productSet(identifier: {handle}, synchronous: true)` with the whole product.

Step 3 upserts by handle, so whichever step a previous attempt died in (images
staged but productSet never sent, or productSet applied and its response lost),
running again ends with exactly one product in the approved state. Staged
uploads left behind by a dead attempt are temporary files Shopify expires.

Worst case for one call: (1 + max_retries) × (timeout + the longest wait), which
the publish task's timeout must exceed (DESIGN.md: SDK timeouts < task timeout).
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import itertools
import json
import logging
import random
import time
import urllib.error
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from channels.payload import ImagePayload, OrderOutOfRange, OrderPayload, ProductPayload
from channels.shopify import inventory, productset, queries, transport
from channels.shopify.errors import ShopifyAuthError, ShopifyError, ShopifyUnavailable, ShopifyUserError
from channels.shopify.orders import graphql_order_truncated, order_from_graphql
from channels.shopify.throttle import CostBudget

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_QUERY_COST = 1000  # Shopify refuses any single query that requests more
MAX_RETRY_AFTER = 60.0  # a longer Retry-After is left to the job layer's own retry
ORDER_LINES, ORDER_REFUNDS, REFUND_LINES = 20, 3, 10  # sizes of one page of the orders query
DETAIL_LINES, DETAIL_REFUNDS, DETAIL_REFUND_LINES = 100, 8, 25  # one large order, fetched alone


@dataclass(frozen=True)
class PublishResult:
    product_gid: str
    handle: str
    variant_gids: dict[str, str]  # SKU → ProductVariant gid
    media_gids: dict[str, str]  # image sha256 → Media gid
    uploaded: int  # images sent this time; 0 when Shopify had them all
    cost_used: float  # actual query cost of this publish, in points
    content_hash: str  # the payload's content_hash(): what is now on Shopify


@dataclass
class ClientStats:
    """Counters over the client's life, for logs and the bench."""

    requests: int = 0
    throttled: int = 0
    retries: int = 0
    cost_requested: float = 0.0
    cost_actual: float = 0.0
    paced_seconds: float = 0.0
    backoff_seconds: float = 0.0


class _Retry(Exception):
    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.delay = reason, delay


class _Secret:
    """Keeps the token out of reprs, tracebacks' locals and debug dumps of the client."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def __repr__(self) -> str:
        return "<hidden>"

    __str__ = __repr__

    def reveal(self) -> str:
        return self._value


class ShopifyClient:
    """One shop's Admin API, through the ShopifyAPI package's Session and GraphQL client.

    `base_url` replaces `https://{shop}` (tests: `http://127.0.0.1:PORT`);
    `location_gid` is where stock of newly created variants is set (none: stock untouched).
    `sleep` and `clock` are injectable so tests can run on a fake clock.
    """

    def __init__(
        self,
        shop_domain: str,
        access_token: str,
        api_version: str,
        *,
        timeout: float = 20,
        max_retries: int = 5,
        min_available: float = 10.0,
        default_cost: float = 50.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        base_url: str | None = None,
        location_gid: str | None = None,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        rng: random.Random | None = None,
    ) -> None:
        if not access_token:
            raise ValueError("An access token is required.")
        self.shop_domain, self._base_url = transport.check_settings(shop_domain, api_version, base_url)
        self.api_version = api_version
        self._token = _Secret(access_token)
        self.timeout, self.max_retries = timeout, max_retries
        self.location_gid = location_gid
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self._sleep, self._random = sleep, rng or random.Random()
        self.budget = CostBudget(clock=clock, default_cost=default_cost, min_available=min_available)
        self.stats = ClientStats()

    def __repr__(self) -> str:
        return f"ShopifyClient(shop_domain={self.shop_domain!r}, api_version={self.api_version!r})"

    # --- Publishing -------------------------------------------------------------------

    def publish(self, payload: ProductPayload) -> PublishResult:
        """Create or update the product with this handle so it is exactly the payload."""
        images = list(payload.images)
        found, spent = self._graphql(
            "AtelierProductLookup",
            queries.PRODUCT_LOOKUP,
            {
                "identifier": {"handle": payload.handle},
                "variants": productset.connection_size(len(payload.variants)),
                "media": productset.connection_size(len(images)),
            },
        )
        remote = found.get("productByIdentifier")
        on_shopify = productset.remote_media_ids(remote, images)
        planned = [(image, (on_shopify.get(image.sha256) or [None]).pop(0)) for image in images]
        missing = [image for image, media_id in planned if media_id is None]
        sources: Iterator[str] = iter(())
        if missing:
            staged, cost = self._stage(missing)
            spent, sources = spent + cost, iter(staged)
        files = [
            productset.existing_file(image, media_id) if media_id else productset.new_file(image, next(sources))
            for image, media_id in planned
        ]

        data, cost = self._graphql(
            "AtelierProductSet",
            queries.PRODUCT_SET,
            {
                "identifier": {"handle": payload.handle},
                "input": productset.product_input(
                    payload,
                    variant_ids=productset.remote_variant_ids(remote),
                    files=files,
                    location_gid=self.location_gid,
                ),
                "variants": productset.connection_size(len(payload.variants)),
                "media": productset.connection_size(len(images)),
            },
        )
        spent += cost
        result = data.get("productSet") or {}
        _raise_user_errors(result.get("userErrors"))
        product = result.get("product")
        if not product:
            raise ShopifyError(f"productSet returned no product for {payload.handle!r}.")
        media = [node["id"] for node in product["media"]["nodes"]]
        if len(media) != len(images):
            log.warning("Shopify returned %d media for %d images of %s", len(media), len(images), payload.handle)
            media = []
        return PublishResult(
            product_gid=product["id"],
            handle=product["handle"],
            variant_gids={node["sku"]: node["id"] for node in product["variants"]["nodes"] if node.get("sku")},
            media_gids={image.sha256: gid for image, gid in zip(images, media)},
            uploaded=len(missing),
            cost_used=spent,
            content_hash=payload.content_hash(),
        )

    def _stage(self, images: list[ImagePayload]) -> tuple[list[str], float]:
        """Upload images through staged uploads; returns their resource URLs for productSet."""
        contents = [image.read() for image in images]  # refuses bytes that aren't the approved ones, before any upload
        data, cost = self._graphql(
            "AtelierStagedUploads",
            queries.STAGED_UPLOADS,
            {
                "input": [
                    {
                        "filename": productset.marked_filename(image),
                        "mimeType": image.mime,
                        "resource": "IMAGE",
                        "httpMethod": "POST",
                        "fileSize": str(len(content)),
                    }
                    for image, content in zip(images, contents, strict=True)
                ]
            },
        )
        staged = data.get("stagedUploadsCreate") or {}
        _raise_user_errors(staged.get("userErrors"))
        targets = staged.get("stagedTargets") or []
        if len(targets) != len(images):
            raise ShopifyError(f"stagedUploadsCreate returned {len(targets)} targets for {len(images)} images.")
        for image, content, target in zip(images, contents, targets, strict=True):
            self._retrying("staged upload", functools.partial(self._upload_once, image, content, target))
        return [target["resourceUrl"] for target in targets], cost

    def _upload_once(self, image: ImagePayload, content: bytes, target: dict) -> None:
        try:
            transport.upload_staged(
                url=target["url"],
                parameters=target.get("parameters") or [],
                method="POST",
                content=content,
                filename=productset.marked_filename(image),
                mime=image.mime,
                timeout=self.timeout,
            )
        except urllib.error.HTTPError as exc:
            raise self._http_failure(exc, "staged upload", target_is_shopify=False) from None
        except (OSError, http.client.HTTPException) as exc:
            raise _Retry(_describe(exc)) from None

    # --- Stock ------------------------------------------------------------------------

    def set_stock(self, levels: Mapping[str, int]) -> dict[str, int]:
        """Set each SKU's `available` quantity (at SHOPIFY_LOCATION_GID, or the one location it is stocked at).

        Returns SKU → the available quantity Shopify reports after the update; SKUs
        Shopify doesn't have are left out. Refusals (userErrors) raise ShopifyUserError.
        """
        wanted = {sku: max(0, int(quantity)) for sku, quantity in levels.items() if sku}
        skus = list(wanted)
        items: list[inventory.StockItem] = []
        batches = [
            skus[start : start + inventory.SKUS_PER_QUERY] for start in range(0, len(skus), inventory.SKUS_PER_QUERY)
        ]
        while batches:
            batch = batches.pop(0)
            first = 2 * len(batch) + 5 if len(batch) > 1 else inventory.ALONE_PAGE
            data, _ = self._graphql(
                "AtelierStockLevels",
                queries.STOCK_LEVELS,
                {"first": first, "query": inventory.sku_search(batch), "levels": inventory.LEVELS_PER_ITEM},
            )
            found = inventory.stock_items(data, set(batch))
            items.extend(found)
            missing = [sku for sku in batch if sku not in {item.sku for item in found}]
            if missing and len(batch) > 1 and inventory.page_full(data, first):
                batches.extend([sku] for sku in missing)  # longer SKUs sharing a prefix filled the page: ask alone
        if not items:
            return {}
        targets = [(item, inventory.location_for(item, self.location_gid)) for item in items]
        before = {(item.item_id, location): item.available.get(location, 0) for item, location in targets}
        data, _ = self._graphql(
            "AtelierInventorySet",
            queries.INVENTORY_SET,
            {
                "input": inventory.set_input(
                    [
                        {"inventoryItemId": item.item_id, "locationId": location, "quantity": wanted[item.sku]}
                        for item, location in targets
                    ],
                    api_version=self.api_version,
                )
            },
        )
        result = data.get("inventorySetQuantities") or {}
        _raise_user_errors(result.get("userErrors"))
        after = inventory.quantities_after(result, before)
        reported: dict[str, int] = {}
        for item, location in targets:  # a SKU on several variants reports its lowest figure
            quantity = after[(item.item_id, location)]
            reported[item.sku] = min(quantity, reported.get(item.sku, quantity))
        return reported

    # --- Orders -----------------------------------------------------------------------

    def orders_since(self, updated_at_min: datetime | None, *, page_size: int = 100) -> Iterator[OrderPayload]:
        """Orders updated at or after `updated_at_min` (all when None), oldest update first.

        `>=` rather than `>`: Shopify's search compares whole seconds, and an order
        updated in the same second as the last one seen must not be skipped; the
        consumer is idempotent, so seeing one again is harmless. The page size is
        capped so one page stays under Shopify's single-query cost limit. Without
        the read_all_orders scope Shopify only returns the last 60 days.
        """
        search = None
        if updated_at_min is not None:
            if updated_at_min.tzinfo is None:
                raise ValueError("updated_at_min must be timezone-aware.")
            search = f"updated_at:>='{updated_at_min.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}'"
        per_order = 3 + ORDER_LINES * 3 + ORDER_REFUNDS * (3 + REFUND_LINES * 2)
        return self._order_pages(search, max(1, min(page_size, 250, MAX_QUERY_COST // per_order)))

    def _order_pages(self, search: str | None, first: int) -> Iterator[OrderPayload]:
        after = None
        while True:
            data, _ = self._graphql(
                "AtelierOrders",
                queries.ORDERS,
                {
                    "first": first,
                    "after": after,
                    "query": search,
                    "lines": ORDER_LINES,
                    "refunds": ORDER_REFUNDS,
                    "refundLines": REFUND_LINES,
                },
            )
            connection = data["orders"]
            for node in connection["nodes"]:
                if graphql_order_truncated(node, refunds_limit=ORDER_REFUNDS):
                    node = self._order_in_full(node["id"])
                try:
                    order = order_from_graphql(node)
                except OrderOutOfRange as error:  # one impossible order must not stop the pull for good
                    log.warning("Shopify order %s skipped: %s", node.get("name") or node.get("id"), error)
                    continue
                yield order
            if not connection["pageInfo"]["hasNextPage"]:
                return
            after = connection["pageInfo"]["endCursor"]

    def _order_in_full(self, order_gid: str) -> dict:
        data, _ = self._graphql(
            "AtelierOrder",
            queries.ORDER,
            {
                "id": order_gid,
                "lines": DETAIL_LINES,
                "refunds": DETAIL_REFUNDS,
                "refundLines": DETAIL_REFUND_LINES,
            },
        )
        node = data.get("order")
        if node is None or graphql_order_truncated(node, refunds_limit=DETAIL_REFUNDS):
            raise ShopifyError(f"Order {order_gid} has more lines or refunds than the sync reads; import it by hand.")
        return node

    # --- Requests, pacing and retries -------------------------------------------------

    def execute(self, operation: str, query: str, variables: dict | None = None) -> dict:
        """Run any named GraphQL operation with the same pacing and retries; returns `data`."""
        return self._graphql(operation, query, variables or {})[0]

    def _graphql(self, operation: str, query: str, variables: dict) -> tuple[dict, float]:
        return self._retrying(operation, lambda: self._graphql_once(operation, query, variables))

    def _graphql_once(self, operation: str, query: str, variables: dict) -> tuple[dict, float]:
        wait, reserved = self.budget.reserve(operation)
        try:
            if wait > 0:
                log.debug("Shopify %s: waiting %.2f s for the cost budget", operation, wait)
                self.stats.paced_seconds += wait
                self._sleep(wait)
            return self._send(operation, query, variables)
        finally:
            self.budget.settle(reserved)

    def _send(self, operation: str, query: str, variables: dict) -> tuple[dict, float]:
        self.stats.requests += 1
        try:
            text = transport.post_graphql(
                shop_domain=self.shop_domain,
                api_version=self.api_version,
                token=self._token.reveal(),
                base_url=self._base_url,
                query=query,
                variables=variables,
                operation=operation,
                timeout=self.timeout,
            )
        except urllib.error.HTTPError as exc:
            raise self._http_failure(exc, operation, target_is_shopify=True) from None
        except (OSError, http.client.HTTPException) as exc:
            raise _Retry(_describe(exc)) from None
        try:
            body = json.loads(text)
        except ValueError:
            raise _Retry("malformed JSON in the response") from None
        if not isinstance(body, dict):
            raise _Retry("unexpected JSON in the response")
        cost = (body.get("extensions") or {}).get("cost") or {}
        status = self.budget.observe(operation, cost)
        errors = body.get("errors")
        if not errors:
            actual = float(cost.get("actualQueryCost") or 0)
            self.stats.cost_actual += actual
            self.stats.cost_requested += float(cost.get("requestedQueryCost") or 0)
            return body.get("data") or {}, actual
        errors = errors if isinstance(errors, list) else [errors]
        codes = {str((e.get("extensions") or {}).get("code")) for e in errors if isinstance(e, dict)}
        messages = "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
        if "THROTTLED" in codes:
            self.stats.throttled += 1
            # With cost data the next attempt's reserve() waits exactly for the refill; without, back off.
            raise _Retry("THROTTLED", delay=0.0 if status is not None else None)
        if codes & {"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"}:
            raise _Retry(messages)
        if "ACCESS_DENIED" in codes:
            raise ShopifyAuthError(f"Shopify denied {operation} for {self.shop_domain}: {messages}")
        raise ShopifyError(f"Shopify rejected {operation}: {messages}")

    def _http_failure(self, exc: urllib.error.HTTPError, operation: str, *, target_is_shopify: bool) -> Exception:
        status, retry_after = exc.code, _seconds(exc.headers.get("Retry-After") if exc.headers else None)
        with contextlib.suppress(Exception):
            exc.close()
        if status == 429:
            if retry_after is not None and retry_after > MAX_RETRY_AFTER:
                return ShopifyUnavailable(
                    f"Shopify asked to wait {retry_after:.0f} s ({operation}).", retry_after=retry_after
                )
            return _Retry("HTTP 429", delay=retry_after)
        if status >= 500:
            return _Retry(f"HTTP {status}", delay=retry_after)
        if target_is_shopify and status in (401, 403):
            return ShopifyAuthError(f"Shopify refused the access token for {self.shop_domain} (HTTP {status}).")
        return ShopifyError(
            f"HTTP {status} from {'Shopify' if target_is_shopify else 'the upload target'} ({operation})."
        )

    def _retrying(self, operation: str, attempt: Callable[[], T]) -> T:
        for number in itertools.count(1):
            try:
                return attempt()
            except _Retry as retry:
                if number > self.max_retries:
                    raise ShopifyUnavailable(
                        f"Shopify {operation} on {self.shop_domain} failed {number} times; last: {retry.reason}."
                    ) from None
                delay = retry.delay if retry.delay is not None else self._backoff(number)
                self.stats.retries += 1
                log.info(
                    "Shopify %s on %s: %s; retry %d of %d in %.2f s",
                    operation,
                    self.shop_domain,
                    retry.reason,
                    number,
                    self.max_retries,
                    delay,
                )
                if delay > 0:
                    self.stats.backoff_seconds += delay
                    self._sleep(delay)
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int) -> float:
        """Exponential, capped, with 'equal jitter': half fixed, half random, so workers spread out."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return ceiling / 2 + self._random.random() * ceiling / 2


def _raise_user_errors(errors) -> None:
    if errors:
        raise ShopifyUserError(
            [str(error.get("message", "")) for error in errors],
            fields=[error.get("field") for error in errors],
        )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.URLError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
    if isinstance(exc, TimeoutError):
        return "timed out"
    return type(exc).__name__


def _seconds(value: str | None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None
