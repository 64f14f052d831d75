"""Writes to the catalogue."""
from __future__ import annotations

import hashlib
import io
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify
from PIL import Image, UnidentifiedImageError

from catalog.models import Category, Photo, Product, Variant


def category_get_or_create(*, name: str, shopify_taxonomy_id: str = "") -> Category:
    category, _ = Category.objects.get_or_create(
        slug=slugify(name)[:80], defaults={"name": name, "shopify_taxonomy_id": shopify_taxonomy_id}
    )
    return category


def _unique_handle(title: str) -> str:
    base = slugify(title)[:100] or "product"
    handle, n = base, 2
    while Product.objects.filter(handle=handle).exists():
        handle, n = f"{base}-{n}", n + 1
    return handle


@transaction.atomic
def product_create(
    *,
    title: str,
    maker,
    price: Decimal,
    category: Category | None = None,
    handle: str = "",
    variants: list[dict[str, Any]] | None = None,
    **facts: Any,
) -> Product:
    """Create a product and its variants; with no variants given, one default variant."""
    product = Product(title=title, maker=maker, price=price, category=category, handle=handle or _unique_handle(title), **facts)
    product.full_clean()
    product.save()
    for position, spec in enumerate(variants or [{"sku": product.handle.upper()[:64]}]):
        variant = Variant(product=product, position=position, **spec)
        variant.full_clean()
        variant.save()
    return product


def photo_add(*, product: Product, content: bytes, filename: str = "photo.jpg", uploaded_by=None, alt_text: str = "") -> Photo:
    """Store a photo of the product; the same bytes twice give the same Photo.

    Only checks that the bytes are an image Pillow can read; the full intake
    (size and pixel limits, EXIF orientation, metadata stripping, QC) builds on it.
    """
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
            fmt = (image.format or "").lower()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError(f"{filename}: not an image we can read ({exc}).") from None
    digest = hashlib.sha256(content).hexdigest()
    existing = Photo.objects.filter(product=product, sha256=digest).first()
    if existing is not None:
        return existing
    ext = {"jpeg": "jpg", "png": "png", "webp": "webp"}.get(fmt, "jpg")
    photo = Photo(
        product=product,
        sha256=digest,
        size_bytes=len(content),
        uploaded_by=uploaded_by,
        alt_text=alt_text,
        position=product.photos.count(),
    )
    # A named ContentFile: Django reads the width/height fields from it while saving.
    photo.file.save(f"{digest}.{ext}", ContentFile(content, name=f"{digest}.{ext}"), save=False)
    photo.save()
    return photo
