"""Writes to the catalogue."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django_q.tasks import async_task
from PIL import Image

from catalog.cutout import Cutout, CutoutError, photo_cutout
from catalog.galleries.services import gallery_propose
from catalog.models import Category, Photo, Product, Variant
from catalog.photos.intake import display_name, photo_clean, size_check
from catalog.photos.qc import photo_qc
from catalog.photos.thumbs import PHOTO_THUMB_SIDE, jpeg_bytes, thumbnail
from studio.media import file_store_idempotent
from studio.models import Job
from studio.services import job_create

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
    return _photo_store(product=product, clean=clean, uploaded_by=uploaded_by, alt_text=alt_text, prepared=prepared)


def _photo_store(
    *, product: Product, clean, uploaded_by=None, alt_text: str = "", prepared: PreparedPhoto | None = None
) -> tuple[Photo, bool]:
    """Store a clean photo (with QC and cut-out when `prepared`, else unchecked for the queue to check).

    Files are content-addressed and written idempotently (studio.media): the same bytes
    reuse the same file. A failed save leaves its file for the media sweep, never deletes
    it: another product may hold the same photo under the same name.
    """
    photo = Photo(
        product=product,
        sha256=clean.sha256,
        size_bytes=len(clean.content),
        uploaded_by=uploaded_by,
        alt_text=alt_text,
        position=product.photos.count(),
    )
    if prepared is not None:
        photo.qc_verdict = prepared.report.verdict
        photo.qc_checks = prepared.report.as_json()
        photo.qc_checked_at = timezone.now()
        photo.mask_quality = prepared.cutout.quality if prepared.cutout else {"error": prepared.cutout_error}
    file_store_idempotent(photo.file, f"{clean.sha256}.{clean.extension}", clean.content)
    file_store_idempotent(photo.thumb, "thumb.jpg", jpeg_bytes(thumbnail(clean.image, PHOTO_THUMB_SIDE)))
    if prepared is not None and prepared.cutout is not None:
        file_store_idempotent(photo.mask, f"{clean.sha256}.png", prepared.cutout.png())
    try:
        with transaction.atomic():
            photo.save()
    except IntegrityError:
        # The same photo arrived twice at once; the other request stored it first (the same file).
        return Photo.objects.get(product=product, sha256=clean.sha256), False
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


class PhotoUploads(list):
    """The PhotoUpload of each file, in order, and the job checking the new photos (None if none is new)."""

    job: Job | None = None


def photos_upload(*, product: Product, files: Iterable[UploadedFile], uploaded_by=None) -> PhotoUploads:
    """Take several uploaded files in, each on its own: good ones are stored, bad ones reported at once.

    Intake runs here, so a refused file is known before the answer; quality checks and
    the cut-out of the new photos run in the background (one task per photo, a job for
    the progress bar). The size is checked before a file is read, so an oversized upload
    never sits in memory.
    """
    results = PhotoUploads()
    for upload in files:
        name = display_name(upload.name or "")
        try:
            if upload.size is not None:
                size_check(name=name, size=upload.size)
            upload.seek(0)
            content = upload.read(settings.ATELIER_PHOTO_MAX_BYTES + 1)
            size_check(name=name, size=len(content))  # the declared size may be wrong
            clean = photo_clean(content=content, filename=name)
        except ValidationError as error:
            results.append(PhotoUpload(filename=name, error=" ".join(error.messages)))
            continue
        photo = Photo.objects.filter(product=product, sha256=clean.sha256).first()
        created = photo is None
        if created:
            photo, created = _photo_store(product=product, clean=clean, uploaded_by=uploaded_by)
        results.append(PhotoUpload(filename=name, photo=photo, created=created))
    new = [result.photo.pk for result in results if result.created]
    if new:
        gallery_propose(product=product, submitted_by=uploaded_by)  # the new photos wait for the maker's say
        results.job = photos_check_start(photo_ids=new, product=product, requested_by=uploaded_by)
    return results


def photos_check_start(*, photo_ids: list[int], product: Product, requested_by=None) -> Job:
    """Queue quality checks and cut-outs of these photos, one task per photo, with a job for the progress bar."""
    count = len(photo_ids)
    job = job_create(
        kind="photo_check",
        label=f"Checking {count} new photo{'s' if count != 1 else ''} of {product.title}"[:200],
        total=count,
        created_by=requested_by if getattr(requested_by, "pk", None) else None,
    )
    for photo_id in photo_ids:
        transaction.on_commit(partial(async_task, "catalog.tasks.check_photo", job.pk, photo_id))
    return job


def photo_check(*, photo_id: int) -> Photo:
    """Quality checks and the cut-out of a stored photo (idempotent: a checked photo with a mask is left as it is)."""
    photo = Photo.objects.get(pk=photo_id)
    if not photo.qc_verdict:
        photo = photo_qc_refresh(photo_id=photo_id)
    if not photo.mask and not photo.mask_quality.get("error"):
        photo = photo_mask_backfill(photo_id=photo_id)
    return photo


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
            file_store_idempotent(photo.mask, f"{photo.sha256}.png", cutout.png())
            photo.mask_quality = cutout.quality
            photo.save(update_fields=["mask", "mask_quality"])
    return photo
