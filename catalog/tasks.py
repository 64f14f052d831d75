"""Background tasks of the catalogue: thin wrappers that take ids and call services.

They may run twice (the ORM broker re-runs a task whose worker died), so each
unit of work is idempotent: listing_write returns the same pending version for
the same facts and instructions.
"""

from __future__ import annotations

import logging

from catalog.listings.services import ListingWriteError, listing_batch_collect, listing_batch_submit, listing_write
from catalog.models import Photo
from catalog.services import photo_check
from studio.services import job_advance, job_start

logger = logging.getLogger(__name__)


def write_listings(
    job_id: int, product_ids: list[int], instructions: str = "", requested_by_id: int | None = None
) -> dict:
    """Write listing copy for a chunk of a job's products; one failure doesn't stop the rest."""
    job_start(job_id=job_id)
    written = failed = 0
    for product_id in product_ids:
        try:
            listing_write(product_id=product_id, instructions=instructions, requested_by_id=requested_by_id)
        except ListingWriteError as exc:
            failed += 1
            job_advance(
                job_id=job_id,
                failed=1,
                error=f"{exc.subject or f'Product {product_id}'}: {exc}",
                unit=f"product:{product_id}",
            )
        except Exception as exc:  # a bug for one product must not cost the others their copy
            logger.exception("Listing copy for product %s failed unexpectedly", product_id)
            failed += 1
            job_advance(
                job_id=job_id,
                failed=1,
                error=f"Product {product_id}: unexpected error ({type(exc).__name__}: {exc})",
                unit=f"product:{product_id}",
            )
        else:
            written += 1
            job_advance(job_id=job_id, done=1, unit=f"product:{product_id}")
    return {"job": job_id, "written": written, "failed": failed}


def submit_listing_batch(
    job_id: int, product_ids: list[int], instructions: str = "", requested_by_id: int | None = None
) -> dict:
    """Send a big job to the copywriter as one batch (Claude's Message Batches); a scheduled poll collects it."""
    batch_id = listing_batch_submit(
        job_id=job_id, product_ids=product_ids, instructions=instructions, requested_by_id=requested_by_id
    )
    return {"job": job_id, "batch": batch_id}


def poll_listing_batch(
    job_id: int,
    batch_id: str,
    product_ids: list[int],
    instructions: str = "",
    requested_by_id: int | None = None,
    polls: int = 0,
) -> dict:
    """Check the job's batch; when it ended, turn its results into drafts. Re-schedules itself while it runs."""
    outcome = listing_batch_collect(
        job_id=job_id,
        batch_id=batch_id,
        product_ids=product_ids,
        instructions=instructions,
        requested_by_id=requested_by_id,
        polls=polls,
    )
    return {"job": job_id, "batch": batch_id, **outcome}


def stage_images(job_id: int, staged_ids: list[int], reseed: bool = True) -> dict:
    """Stage a chunk of a job's (photo, look) pairs; a failed image is reported, the rest go on."""
    from catalog.staging.services import StagingFailed, staged_image_mark_failed, staged_image_render

    job_start(job_id=job_id)
    staged = failed = 0
    for staged_id in staged_ids:
        unit = f"staged:{staged_id}"
        try:
            staged_image_render(staged_id=staged_id, reseed=reseed)
        except StagingFailed as exc:
            failed += 1
            job_advance(job_id=job_id, failed=1, error=f"Image {staged_id}: {exc}", unit=unit)
        except Exception as exc:  # one broken photo must not cost the batch its other images
            logger.exception("Staging image %s failed unexpectedly", staged_id)
            failed += 1
            message = f"unexpected error ({type(exc).__name__}: {exc})"
            staged_image_mark_failed(staged_id=staged_id, message=message)
            job_advance(job_id=job_id, failed=1, error=f"Image {staged_id}: {message}", unit=unit)
        else:
            staged += 1
            job_advance(job_id=job_id, done=1, unit=unit)
    return {"job": job_id, "staged": staged, "failed": failed}


def check_photo(job_id: int, photo_id: int) -> dict:
    """Quality checks and the cut-out of one uploaded photo; may run twice (the unit counts once)."""
    job_start(job_id=job_id)
    unit = f"photo:{photo_id}"
    try:
        photo = photo_check(photo_id=photo_id)
    except Photo.DoesNotExist:
        job_advance(job_id=job_id, failed=1, unit=unit, error=f"Photo {photo_id} was deleted before it was checked.")
        return {"job": job_id, "photo": photo_id, "checked": False}
    except Exception as exc:  # one photo's failure is shown on the job; the others go on
        logger.exception("Checking photo %s failed", photo_id)
        job_advance(job_id=job_id, failed=1, unit=unit, error=f"Photo {photo_id}: {type(exc).__name__}: {exc}")
        raise
    job_advance(job_id=job_id, done=1, unit=unit)
    return {"job": job_id, "photo": photo_id, "checked": True, "verdict": photo.qc_verdict}
