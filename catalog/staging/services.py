"""Writes of staging: looks and their versions, staging jobs, staged-image drafts.

The stager (ATELIER_BACKENDS["stager"]) sees only pixels and a LookSpec and
returns a plain StagedResult; everything that touches the database happens here.
Each render is content-addressed on disk and submitted to the review queue as
the next version of its (photo, look) draft.
"""

from __future__ import annotations

import hashlib
import io
import logging
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_q.tasks import async_task
from PIL import Image

from approvals.services import review_submit
from catalog.models import Look, LookVersion, Photo, Product, StagedImage
from catalog.photos.thumbs import PREVIEW_QUALITY, PREVIEW_SIDE, jpeg_bytes, thumbnail_from_bytes
from catalog.staging.check import FAIL
from catalog.staging.looks import LookSpec, LookSpecError, starter_looks
from catalog.staging.pieces import pieces_expected
from studio.backends import backends
from studio.media import bytes_store_idempotent, file_store_idempotent
from studio.models import Job
from studio.services import job_create, job_finish
from studio.wording import job_label, names_phrase

logger = logging.getLogger(__name__)

JOB_KIND = "staging"
STAGE_ANYWAY = "stage_anyway"  # details flag: a manager chose to stage a photo whose cut-out failed its check
STAGING_CHUNK = 4  # images per django-q2 task: a diffusion render can take a minute on a CPU


class StagingFailed(Exception):
    """One image couldn't be staged; the message says why, for the maker."""


class CutoutUntrusted(StagingFailed):
    """The photo's cut-out failed its check: staging it would show a broken product. A manager may stage it anyway."""

    def __init__(self, check) -> None:
        self.check = check
        reasons = " ".join(f.message for f in check.findings if f.level == FAIL)
        super().__init__(f"Not staged: the cut-out of this photo can't be trusted. {reasons}")


# --- Looks ------------------------------------------------------------------------------


def look_spec_clean(spec: dict) -> dict:
    """The spec as the stagers will read it, or a ValidationError naming the field."""
    if not isinstance(spec, dict):
        raise ValidationError("A look's settings must be a JSON object.")
    try:
        return LookSpec.from_dict(spec).to_dict()
    except LookSpecError as error:
        raise ValidationError({"spec": f"{error.field}: {error.message}"}) from None


@transaction.atomic
def look_create(*, name: str, spec: dict, user=None, description: str = "", position: int = 0) -> Look:
    cleaned = look_spec_clean(spec)
    look = Look.objects.create(name=name.strip(), description=description, position=position)
    version = LookVersion.objects.create(look=look, number=1, spec=cleaned, created_by=user)
    look.current = version
    look.save(update_fields=["current"])
    return look


def look_update(*, look: Look, spec: dict, user=None) -> LookVersion:
    """Change a look's settings: a new version when they differ, the current one when not.

    Earlier versions stay, so every staged image keeps the settings that made it.
    """
    cleaned = look_spec_clean(spec)
    with transaction.atomic():
        look = Look.objects.select_for_update().get(pk=look.pk)
        if look.current is not None and look.current.spec == cleaned:
            return look.current
        latest = look.versions.order_by("-number").first()
        version = LookVersion.objects.create(
            look=look, number=(latest.number + 1) if latest else 1, spec=cleaned, created_by=user
        )
        look.current = version
        look.save(update_fields=["current"])
    return version


def looks_ensure_starters() -> list[Look]:
    """A studio with no looks gets the starter looks, so staging works from the first photo."""
    if Look.objects.exists():
        return []
    try:
        with transaction.atomic():
            return [
                look_create(name=name, spec=spec, position=index) for index, (name, spec) in enumerate(starter_looks())
            ]
    except IntegrityError:  # two first-ever requests at once: the other one made them
        return []


# --- Staging jobs ----------------------------------------------------------------------


def staging_needed(*, photos: list[Photo], looks: list[Look]) -> list[tuple[Photo, Look]]:
    """The (photo, look) pairs that are new or changed since they were last staged, in order.

    A pair needs staging when it was never staged, its last render failed, the look has a newer version than
    the one it was staged with, or the photo's cut-out changed since. Anything else is already in the queue
    (or approved) exactly as staging it again would make it.
    """
    staged = {
        (row.photo_id, row.look_id): row
        for row in StagedImage.objects.filter(photo__in=photos, look__in=looks).only(
            "photo_id", "look_id", "status", "image", "look_version_id", "details"
        )
    }
    needed = []
    for photo in photos:
        for look in looks:
            row = staged.get((photo.pk, look.pk))
            if (
                row is None
                or not row.image
                or row.status in (StagedImage.Status.FAILED, StagedImage.Status.QUEUED)
                or row.look_version_id != look.current_id
                or (row.details or {}).get("mask", photo.mask.name) != photo.mask.name
            ):
                needed.append((photo, look))
    return needed


def staging_start(*, products: list[Product], looks: list[Look], requested_by=None) -> Job:
    """Stage the photos of `products` into each of `looks`, as one job with a progress bar.

    Only new or changed (photo, look) pairs are staged (staging_needed); "Stage again" on one image
    restages it on purpose. Callers check access first (views pass only products the user may change).
    Each pair is one unit of the job; a pair that fails is reported and can be retried, and the rest of
    the batch goes on.
    """
    looks = [look for look in looks if look.current_id]
    photos = list(Photo.objects.filter(product__in=products).order_by("product_id", "position", "id"))
    with transaction.atomic():
        needed = staging_needed(photos=photos, looks=looks)
        # One row per (photo, look), made in one statement; a pair staged before keeps its row.
        StagedImage.objects.bulk_create(
            [StagedImage(photo=photo, look=look, product_id=photo.product_id) for photo, look in needed],
            ignore_conflicts=True,
        )
        rows = {
            (photo_id, look_id): pk
            for pk, photo_id, look_id in StagedImage.objects.filter(photo__in=photos, look__in=looks).values_list(
                "pk", "photo_id", "look_id"
            )
        }
        staged_ids = [rows[photo.pk, look.pk] for photo, look in needed]
        StagedImage.objects.filter(pk__in=staged_ids).exclude(status=StagedImage.Status.STAGING).update(
            status=StagedImage.Status.QUEUED, error=""
        )
        count, pairs = len(staged_ids), len(photos) * len(looks)
        unchanged = pairs - count
        staged_products = {photo.product_id for photo, _ in needed}
        names = names_phrase(p.title for p in products if p.pk in staged_products) or names_phrase(
            p.title for p in products
        )
        job = job_create(
            kind=JOB_KIND,
            label=job_label(
                f"Stage {count} image{'' if count == 1 else 's'} for {names or 'no products'}"
                + (f" ({unchanged} already staged)" if count and unchanged else "")
            ),
            total=count,
            created_by=requested_by,
        )
        if not count:
            if not looks:
                reason = "No looks were chosen."
            elif not photos:
                reason = "These products have no photos yet."
            else:
                reason = f"Nothing new to stage: all {unchanged} pairs are staged as they are (use “Stage again”)."
            return job_finish(job_id=job.pk, message=reason)
        _enqueue(job_id=job.pk, staged_ids=staged_ids)
    return job


def staged_image_retry(*, staged: StagedImage, requested_by=None, note: str = "", anyway: bool = False) -> Job:
    """Stage one (photo, look) again with the next seed: a new composition to review.

    anyway=True stages it even though its photo's cut-out failed the check (callers let only managers choose
    that); the image then carries the check's findings into the review queue.
    """
    with transaction.atomic():
        row = StagedImage.objects.select_for_update().get(pk=staged.pk)
        row.status, row.error, row.seed = StagedImage.Status.QUEUED, "", row.seed + 1
        if anyway:
            row.details = {**(row.details or {}), STAGE_ANYWAY: True}
        row.save(update_fields=["status", "error", "seed", "details", "updated_at"])
        label = f"Stage anyway: {staged}" if anyway else f"Stage again: {staged}"
        job = job_create(kind=JOB_KIND, label=label, total=1, created_by=requested_by)
        _enqueue(job_id=job.pk, staged_ids=[staged.pk], reseed=False)
    return job


def _enqueue(*, job_id: int, staged_ids: list[int], reseed: bool = True) -> None:
    options = {}
    if settings.ATELIER_STAGING_CLUSTER:
        options["cluster"] = settings.ATELIER_STAGING_CLUSTER
    for start in range(0, len(staged_ids), STAGING_CHUNK):
        chunk = staged_ids[start : start + STAGING_CHUNK]
        transaction.on_commit(partial(async_task, "catalog.tasks.stage_images", job_id, chunk, reseed, **options))


# --- One render -----------------------------------------------------------------------------


def _initial_seed(photo: Photo, spec: dict) -> int:
    """Deterministic per photo and look: restaging the same pair gives the same picture."""
    salt = int(hashlib.sha256(f"{photo.sha256}:{spec.get('seed', 0)}".encode()).hexdigest()[:8], 16)
    return salt % (2**31)


def staged_image_render(*, staged_id: int, reseed: bool = True) -> StagedImage:
    """Render one (photo, look) with the configured stager and submit it for review.

    The run is idempotent: the same photo, look version and seed give the same
    bytes, the same file name and the same review version.
    """
    with transaction.atomic():
        # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of the look → current join.
        staged = (
            StagedImage.objects.select_for_update(of=("self",))
            .select_related("photo", "look__current", "product")
            .get(pk=staged_id)
        )
        version = staged.look.current
        if version is None:
            raise StagingFailed(f"The look {staged.look.name!r} has no settings yet.")
        if reseed or not staged.seed or staged.look_version_id != version.pk:
            staged.seed = _initial_seed(staged.photo, version.spec)
        staged.look_version = version
        staged.status = StagedImage.Status.STAGING
        staged.save(update_fields=["seed", "look_version", "status", "updated_at"])

    try:
        result, stager_name = _render(staged=staged, spec=version.spec)
    except CutoutUntrusted as error:
        staged_image_mark_failed(staged_id=staged.pk, message=str(error), check=error.check)
        raise
    except StagingFailed as error:
        staged_image_mark_failed(staged_id=staged.pk, message=str(error))
        raise
    return staged_image_store(staged_id=staged_id, result=result, stager_name=stager_name)


def staged_image_store(*, staged_id: int, result, stager_name: str, content: bytes | None = None) -> StagedImage:
    """Keep a render: the PNG under its content hash, the row updated, the version in the review queue.

    `content` is the render already encoded (encode_png(result.image)), when the caller did it in a pool.
    """
    from catalog.staging.base import encode_png  # lossless, no metadata: the product's bytes survive

    content = content if content is not None else encode_png(result.image)
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        staged = StagedImage.objects.select_for_update().get(pk=staged_id)
        staged.sha256 = digest
        # The same render already on disk (a re-run) is reused only if its bytes are whole.
        file_store_idempotent(staged.image, "staged.png", content)
        staged.stager = stager_name
        staged.fidelity = _plain(result.fidelity)
        anyway = bool((staged.details or {}).get(STAGE_ANYWAY))
        staged.details = _plain(result.details)
        if anyway:
            staged.details[STAGE_ANYWAY] = True
        if result.check is not None:
            staged.details["check"] = result.check.as_dict()
            staged.details["check_overlay"] = _store_picture(result.check.overlay, f"staged/checks/{digest}", "PNG")
        staged.details["thumb"] = _store_picture(thumbnail_from_bytes(content), f"staged/thumbs/{digest}", "JPEG")
        if (
            max(staged.width, staged.height) > PREVIEW_SIDE
        ):  # the review page's picture; smaller renders show as they are
            preview = thumbnail_from_bytes(content, PREVIEW_SIDE)
            staged.details["preview"] = _store_picture(preview, f"staged/previews/{digest}", "JPEG", PREVIEW_QUALITY)
        staged.details["mask"] = staged.photo.mask.name  # staging_needed: a new cut-out means a new image
        staged.status = StagedImage.Status.READY
        staged.error = ""
        staged.save()
        review_submit(draft=staged)
    return staged


def staged_image_prepare(*, staged: StagedImage):
    """The CPU-heavy half of a render, without database writes: (result, stager name).

    The demo seed runs it in a thread pool; `staged` needs photo, look and look_version loaded
    and its seed set.
    """
    return _render(staged=staged, spec=staged.look_version.spec)


def staged_seed_for(*, photo: Photo, version: LookVersion) -> int:
    return _initial_seed(photo, version.spec)


def _render(*, staged: StagedImage, spec: dict):
    photo = staged.photo
    try:
        look = LookSpec.from_dict(spec)
    except LookSpecError as error:
        raise StagingFailed(f"The look's settings are not valid ({error.field}: {error.message}).") from None
    try:
        # storage.open, not photo.file.open: a FieldFile shares one handle, and renders may run in threads.
        with photo.file.storage.open(photo.file.name, "rb") as stored, Image.open(stored) as opened:
            image = opened.convert("RGB")
        mask = _mask_for(photo, image)
    except OSError as error:
        raise StagingFailed(f"The photo could not be read ({error}).") from None
    from catalog.staging.base import Placement, StagingError
    from catalog.staging.check import staging_check

    pieces = photo_pieces_expected(photo)
    cutout_check = staging_check(photo=image, mask=mask, cutout_quality=photo.mask_quality, pieces_expected=pieces)
    if cutout_check.verdict == FAIL and not (staged.details or {}).get(STAGE_ANYWAY):
        raise CutoutUntrusted(cutout_check)
    stager = backends["stager"]
    try:
        result = stager.stage(image=image, mask=mask, look=look, seed=staged.seed)
    except StagingError as error:
        raise StagingFailed(str(error)) from None
    placement = (result.details or {}).get("placement")
    result.check = staging_check(
        photo=image,
        mask=mask,
        staged=result.image,
        placement=Placement.from_dict(placement) if placement else None,
        cutout=cutout_check,
    )
    return result, f"{type(stager).__module__}.{type(stager).__name__}"


def photo_pieces_expected(photo: Photo) -> int:
    """How many separate pieces a photo of this product may show: 2 for a pair, N for a set of N (pieces.py).

    Read from the product's title and facts and the photo's variant (or, for a photo of no one variant,
    any of the product's variants); the maker's story is prose ("pairs well with…") and is left out.
    """
    product = photo.product
    variants = [photo.variant] if photo.variant_id else list(product.variants.all())
    texts = [product.title, product.dimensions, *map(str, product.materials), *map(str, product.techniques)]
    for variant in variants:
        texts += [variant.title, *map(str, (variant.options or {}).values())]
    return pieces_expected(texts)


def _mask_for(photo: Photo, image: Image.Image) -> Image.Image:
    """The photo's stored cut-out; a photo stored before cut-outs existed gets one now."""
    if photo.mask:
        with photo.mask.storage.open(photo.mask.name, "rb") as stored, Image.open(stored) as opened:
            return opened.convert("L")
    from catalog.services import photo_mask_backfill

    photo = photo_mask_backfill(photo_id=photo.pk)
    if not photo.mask:
        raise StagingFailed(f"This photo has no cut-out: {photo.mask_error or 'no product was found in it'}.")
    with photo.mask.open("rb") as stored, Image.open(stored) as opened:
        return opened.convert("L")


def staged_image_mark_failed(*, staged_id: int, message: str, check=None) -> None:
    """The row failed, with the reason; a cut-out that failed its check keeps the check and its overlay."""
    with transaction.atomic():
        staged = StagedImage.objects.select_for_update().get(pk=staged_id)
        staged.status, staged.error = StagedImage.Status.FAILED, message[:2000]
        details = dict(staged.details or {})
        if check is not None:
            overlay = io.BytesIO()
            check.overlay.save(overlay, format="PNG")
            name = hashlib.sha256(overlay.getvalue()).hexdigest()
            details["cutout_check"] = check.as_dict()
            details["cutout_overlay"] = _store_picture(check.overlay, f"staged/checks/cutout-{name}", "PNG")
        else:
            details.pop("cutout_check", None)
            details.pop("cutout_overlay", None)
        staged.details = details
        staged.save(update_fields=["status", "error", "details", "updated_at"])


def _store_picture(image: Image.Image | None, stem: str, format: str, quality: int | None = None) -> str:
    """Keep a derived picture (a thumbnail, a check's overlay) under a content-derived name; its storage name."""
    from django.core.files.storage import default_storage

    if image is None:
        return ""
    if format == "JPEG":
        content = jpeg_bytes(image) if quality is None else jpeg_bytes(image, quality)
    else:
        buffer = io.BytesIO()
        image.save(buffer, format=format)
        content = buffer.getvalue()
    name = f"{stem}.{'jpg' if format == 'JPEG' else 'png'}"
    return bytes_store_idempotent(default_storage, name, content)


def _plain(value):
    """A dataclass or dict as plain JSON-able data."""
    from dataclasses import asdict, is_dataclass

    if is_dataclass(value):
        value = asdict(value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, float):
        return round(value, 6)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)
