"""Writes to the catalogue."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image

from catalog.cutout import Cutout, CutoutError, photo_cutout
from catalog.galleries.services import gallery_propose
from catalog.models import Category, Photo, Product, Variant
from catalog.photos.intake import display_name, photo_clean, size_check
from catalog.photos.qc import photo_qc

logger = logging.getLogger(__name__)


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
    product = Product(
        title=title, maker=maker, price=price, category=category, handle=handle or _unique_handle(title), **facts
    )
    product.full_clean()
    product.save()
    for position, spec in enumerate(variants or [{"sku": product.handle.upper()[:64]}]):
        variant = Variant(product=product, position=position, **spec)
        variant.full_clean()
        variant.save()
    return product


def photo_add(
    *,
    product: Product,
    content: bytes,
    filename: str = "photo.jpg",
    uploaded_by=None,
    alt_text: str = "",
    prepared: PreparedPhoto | None = None,
) -> Photo:
    """Take a photo in through intake and QC; the same photo twice gives the same Photo.

    Raises ValidationError, naming the file, when intake refuses it; nothing is stored then.
    """
    photo, _ = photo_intake(
        product=product,
        content=content,
        filename=filename,
        uploaded_by=uploaded_by,
        alt_text=alt_text,
        prepared=prepared,
    )
    return photo


@dataclass(frozen=True)
class PreparedPhoto:
    """What intake, QC and the cut-out made of one upload, before anything is stored."""

    clean: Any
    report: Any
    cutout: Cutout | None
    cutout_error: str


def photo_prepare(*, content: bytes, filename: str) -> PreparedPhoto:
    """The CPU-heavy half of intake: no database, so callers may run it in a pool
    (the demo seed does) before they open a transaction."""
    clean = photo_clean(content=content, filename=filename)
    return PreparedPhoto(clean, photo_qc(image=clean.image), *_cutout_or_reason(clean.image))


def photo_intake(
    *,
    product: Product,
    content: bytes,
    filename: str,
    uploaded_by=None,
    alt_text: str = "",
    prepared: PreparedPhoto | None = None,
) -> tuple[Photo, bool]:
    """The photo (new or the one already stored) and whether it was created.

    Intake cleans the bytes first (catalog.photos.intake), so the duplicate check
    compares cleaned photos: the same picture with and without GPS is one photo.
    QC runs here, synchronously, on a small copy; its report is stored with the row,
    and so is the cut-out (the product's mask). A photo the cut-out can't handle is
    still stored, without a mask, with the reason in mask_quality["error"].
    `prepared` is photo_prepare's result for these same bytes, when the caller made it already.
    """
    clean = prepared.clean if prepared is not None else photo_clean(content=content, filename=filename)
    existing = Photo.objects.filter(product=product, sha256=clean.sha256).first()
    if existing is not None:
        return existing, False
    if prepared is None:  # QC and the cut-out only for a photo we keep
        prepared = PreparedPhoto(clean, photo_qc(image=clean.image), *_cutout_or_reason(clean.image))
    report, cutout, cutout_error = prepared.report, prepared.cutout, prepared.cutout_error
    photo = Photo(
        product=product,
        sha256=clean.sha256,
        size_bytes=len(clean.content),
        uploaded_by=uploaded_by,
        alt_text=alt_text,
        position=product.photos.count(),
        qc_verdict=report.verdict,
        qc_checks=report.as_json(),
        qc_checked_at=timezone.now(),
        mask_quality=cutout.quality if cutout else {"error": cutout_error},
    )
    name = f"{clean.sha256}.{clean.extension}"
    try:
        with transaction.atomic():
            # A named ContentFile: Django reads the width/height fields from it while saving.
            photo.file.save(name, ContentFile(clean.content, name=name), save=False)
            if cutout is not None:
                photo.mask.save(f"{clean.sha256}.png", ContentFile(cutout.png()), save=False)
            photo.save()
    except IntegrityError:
        # The same photo arrived twice at once; the other request stored it first.
        _files_delete(photo)
        return Photo.objects.get(product=product, sha256=clean.sha256), False
    except BaseException:
        _files_delete(photo)
        raise
    return photo, True


def _cutout_or_reason(image: Image.Image) -> tuple[Cutout | None, str]:
    """The cut-out, or why there is none: a photo is never lost for want of a mask."""
    try:
        return photo_cutout(image=image), ""
    except CutoutError as error:
        return None, str(error)
    except Exception:  # a bug in the cut-out mustn't refuse a good photo; it is logged and shown
        logger.exception("cut-out failed")
        return None, "the cut-out failed on this photo; it can be made again later."


def _files_delete(photo: Photo) -> None:
    for stored in (photo.file, photo.mask):
        if stored.name:
            stored.delete(save=False)


@dataclass(frozen=True)
class PhotoUpload:
    """What became of one uploaded file: stored (new or already there) or refused, with why."""

    filename: str
    photo: Photo | None = None
    created: bool = False
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.photo is not None


def photos_upload(*, product: Product, files: Iterable[UploadedFile], uploaded_by=None) -> list[PhotoUpload]:
    """Take several uploaded files in, each on its own: good ones are stored, bad ones reported.

    The size is checked before a file is read, so an oversized upload never sits in memory.
    """
    results = []
    for upload in files:
        name = display_name(upload.name or "")
        try:
            if upload.size is not None:
                size_check(name=name, size=upload.size)
            upload.seek(0)
            content = upload.read(settings.ATELIER_PHOTO_MAX_BYTES + 1)
            size_check(name=name, size=len(content))  # the declared size may be wrong
            photo, created = photo_intake(product=product, content=content, filename=name, uploaded_by=uploaded_by)
        except ValidationError as error:
            results.append(PhotoUpload(filename=name, error=" ".join(error.messages)))
        else:
            results.append(PhotoUpload(filename=name, photo=photo, created=created))
    if any(result.created for result in results):
        gallery_propose(product=product, submitted_by=uploaded_by)  # the new photos wait for the maker's say
    return results


def photo_qc_refresh(*, photo_id: int) -> Photo:
    """Check a stored photo again (one stored before QC existed, or after the profiles changed)."""
    photo = Photo.objects.get(pk=photo_id)
    with photo.file.open("rb") as stored, Image.open(stored) as image:
        image.load()
        report = photo_qc(image=image, width=photo.width, height=photo.height)
    Photo.objects.filter(pk=photo.pk).update(
        qc_verdict=report.verdict, qc_checks=report.as_json(), qc_checked_at=timezone.now()
    )
    photo.refresh_from_db()
    return photo


def photo_mask_backfill(*, photo_id: int) -> Photo:
    """Cut out a photo stored before cut-outs existed (or whose cut-out failed then).

    Idempotent: a photo with a mask is returned as it is.
    """
    photo = Photo.objects.get(pk=photo_id)
    if photo.mask:
        return photo
    with photo.file.open("rb") as stored, Image.open(stored) as image:
        image.load()
        cutout, error = _cutout_or_reason(image.convert("RGB"))
    with transaction.atomic():
        photo = Photo.objects.select_for_update().get(pk=photo_id)
        if photo.mask:
            return photo
        if cutout is None:
            photo.mask_quality = {"error": error}
            photo.save(update_fields=["mask_quality"])
        else:
            photo.mask.save(f"{photo.sha256}.png", ContentFile(cutout.png()), save=False)
            photo.mask_quality = cutout.quality
            photo.save(update_fields=["mask", "mask_quality"])
    return photo
