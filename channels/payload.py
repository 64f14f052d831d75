"""What a channel publishes: plain, frozen values built from approved snapshots only.

The service layer turns an *approved* listing snapshot (never the live rows) into
a ProductPayload and hands it to a channel. The channel never sees a model, so
the one rule of DESIGN.md holds by construction: whatever is in the payload was
approved. `content_hash()` is what the service stores as "what was published",
to tell later whether the approved version changed since.

Validation here is structural only (types, option arity, identifiers that must
round-trip unchanged). Business limits (title length, tag count, duplicate SKUs,
negative prices) belong to the listing checks upstream and to the channel, which
answers with user errors.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

STATUSES = ("ACTIVE", "DRAFT")
MAX_OPTIONS = 3
# A spreadsheet treats a cell starting with one of these as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
HASH_VERSION = "atelier-product-payload-v1"


class ImageContentMismatch(ValueError):
    """The bytes of an image are not the ones that were approved (their SHA-256 differs)."""


@dataclass(frozen=True)
class ImagePayload:
    """One approved image. `content` is the bytes, a path, or a callable loading them lazily."""

    filename: str
    content: bytes | Path | Callable[[], bytes] = field(repr=False, compare=False)
    alt: str
    sha256: str
    mime: str

    def __post_init__(self) -> None:
        if len(self.sha256) != 64 or any(c not in "0123456789abcdef" for c in self.sha256):
            raise ValueError(f"Image {self.filename!r}: sha256 must be 64 lowercase hex digits.")
        if not self.mime.startswith("image/"):
            raise ValueError(f"Image {self.filename!r}: {self.mime!r} is not an image MIME type.")

    def read(self) -> bytes:
        """The bytes, checked against the approved hash: a file changed since approval is refused."""
        content = self.content
        if isinstance(content, Path):
            data = content.read_bytes()
        elif isinstance(content, (bytes, bytearray)):
            data = bytes(content)
        else:
            data = content()
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise ImageContentMismatch(f"Image {self.filename!r} no longer matches its approved version.")
        return data


@dataclass(frozen=True)
class VariantPayload:
    sku: str
    price: Decimal
    option_values: Sequence[str] = ()
    inventory_qty: int = 0
    # The maker's weight of one piece; only file exports state it (the publisher and content_hash leave it out).
    weight_grams: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.price, float) or not isinstance(self.price, (Decimal, int, str)):
            raise TypeError(
                f"Variant {self.sku!r}: price must be a Decimal (or str/int), not {type(self.price).__name__}."
            )
        object.__setattr__(self, "price", Decimal(self.price))
        object.__setattr__(self, "option_values", tuple(self.option_values))
        if self.sku.startswith(FORMULA_PREFIXES):
            raise ValueError(f"SKU {self.sku!r} may not start with {self.sku[0]!r}.")


@dataclass(frozen=True)
class ProductPayload:
    handle: str
    title: str
    description_html: str
    vendor: str
    product_type: str
    tags: Sequence[str]
    seo_title: str
    seo_description: str
    category_gid: str | None
    options: Sequence[str]
    variants: Sequence[VariantPayload]
    images: Sequence[ImagePayload] = ()
    status: str = "ACTIVE"

    def __post_init__(self) -> None:
        for name in ("tags", "options", "variants", "images"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if not self.handle or self.handle.strip() != self.handle or self.handle.startswith(FORMULA_PREFIXES):
            raise ValueError(f"Handle {self.handle!r} is not a usable product handle.")
        if self.status not in STATUSES:
            raise ValueError(f"Status must be one of {STATUSES}, not {self.status!r}.")
        if len(self.options) > MAX_OPTIONS:
            raise ValueError(f"A product has at most {MAX_OPTIONS} options; {self.handle!r} has {len(self.options)}.")
        if not self.variants:
            raise ValueError(f"Product {self.handle!r} has no variant.")
        if not self.options and len(self.variants) > 1:
            raise ValueError(f"Product {self.handle!r} has several variants but no option to tell them apart.")
        for variant in self.variants:
            if len(variant.option_values) != len(self.options):
                raise ValueError(
                    f"Variant {variant.sku!r} of {self.handle!r} has {len(variant.option_values)} option values "
                    f"for {len(self.options)} options."
                )

    def content_hash(self) -> str:
        """A stable SHA-256 of everything published; images count by their own SHA-256."""
        canonical = {
            "v": HASH_VERSION,
            "handle": self.handle,
            "title": self.title,
            "description_html": self.description_html,
            "vendor": self.vendor,
            "product_type": self.product_type,
            "tags": list(self.tags),
            "seo": [self.seo_title, self.seo_description],
            "category": self.category_gid,
            "options": list(self.options),
            "variants": [[v.sku, _price_text(v.price), list(v.option_values), v.inventory_qty] for v in self.variants],
            "images": [[i.sha256, i.alt, i.filename, i.mime] for i in self.images],
            "status": self.status,
        }
        encoded = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _price_text(price: Decimal) -> str:
    """12.5 and 12.50 are the same price, so they hash the same."""
    return format(price.normalize(), "f")


# --- Orders coming back from a channel ---------------------------------------------
# Every channel turns its orders into these, so recording them as sales knows no channel.


class OrderDataError(ValueError):
    """Order data that doesn't have the shape we rely on."""


class OrderOutOfRange(OrderDataError):
    """Order data of the right shape with values no real order has (10¹² units, a NaN or negative price,
    a NUL in a SKU, a date years ahead): never recorded; a webhook acknowledges and logs it, since a
    retry can't fix it."""


@dataclass(frozen=True)
class OrderLine:
    line_id: str
    sku: str | None
    quantity: int
    unit_price: Decimal
    refunded_quantity: int = 0
    personalisation: str = ""  # the buyer's text for a personalised piece (Etsy: the transaction's variations)


@dataclass(frozen=True)
class OrderPayload:
    order_id: str
    name: str
    created_at: datetime
    updated_at: datetime
    cancelled: bool
    currency: str
    lines: tuple[OrderLine, ...]
    keyed_by_line_id: bool = False  # sale lines keyed by the channel's line id (Etsy's transaction id), not position


@dataclass(frozen=True)
class RefundLine:
    line_id: str
    sku: str | None
    quantity: int


@dataclass(frozen=True)
class RefundPayload:
    refund_id: str
    order_id: str
    created_at: datetime
    lines: tuple[RefundLine, ...]
