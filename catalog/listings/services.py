"""Writes of listing copy: brief the copywriter, check and tidy its copy, queue it for review.

The copywriter (ATELIER_BACKENDS["copywriter"]) only ever sees a ListingBrief of
plain facts and returns a ListingCopy; everything that touches the database
happens here. A draft reaches the review queue whole or not at all.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from approvals.models import ReviewState
from approvals.selectors import review_items_for
from approvals.services import review_submit
from catalog.copywriting.base import BatchCopywriter, Copywriter, ListingBrief, ListingCopy, PhotoFact
from catalog.listings import limits
from catalog.listings.checks import PASS, WARN, Check, listing_checks, normalise_tags, sanitise_description
from catalog.listings.kind import LISTING_COPY, product_facts, variant_options
from catalog.models import Category, ListingDraft, Product
from studio.backends import backends
from studio.models import Job
from studio.redaction import redact
from studio.services import job_advance, job_create, job_finish, job_start, studio_profile_get
from studio.wording import job_label, names_phrase

logger = logging.getLogger(__name__)

JOB_KIND = "listing_copy"
BATCH_CHUNK = 25  # products per django-q2 task: progress moves often, a task stays well inside Q_TIMEOUT
EXAMPLES_MAX = 3
EXAMPLE_FIELDS = ("title", "description", "tags", "seo_title", "seo_description")


class ListingWriteError(Exception):
    """Listing copy couldn't be written for one product; the message says why."""

    def __init__(self, message: str, *, subject: str = "") -> None:
        super().__init__(message)
        self.subject = subject


def brief_for(product: Product, *, instructions: str = "") -> ListingBrief:
    """Everything the copywriter may know about `product`, as plain data (six small queries)."""
    profile = studio_profile_get()
    options = variant_options(product)
    photos = tuple(
        PhotoFact(id=pk, variant=variant_title or "")
        for pk, variant_title in product.photos.order_by("position", "id").values_list("pk", "variant__title")
    )
    return ListingBrief(
        title=product.title,
        handle=product.handle,
        category=product.category.name if product.category_id else "",
        materials=_strings(product.materials),
        techniques=_strings(product.techniques),
        dimensions=product.dimensions,
        weight_grams=product.weight_grams,
        care=product.care,
        story=product.story,
        made_to_order=product.made_to_order,
        lead_time_days=product.lead_time_days,
        price=str(product.price),
        currency=profile.currency,
        options={key: tuple(values) for key, values in options.items()},
        photos=photos,
        studio_name=profile.name,
        brand_voice=profile.brand_voice,
        examples=_approved_examples(product),
        categories=tuple(Category.objects.order_by("name").values_list("name", flat=True)),
        instructions=instructions,
    )


def _strings(value: Any) -> tuple[str, ...]:
    """A JSON list of facts as strings; a lone string (a hand-edited row) is one fact, not its letters."""
    if isinstance(value, str):
        value = [value]
    return tuple(str(item) for item in value or () if str(item).strip())


def _approved_examples(product: Product) -> tuple[dict[str, Any], ...]:
    """The maker's last approved listings (other products), as the reviewer approved them.

    One query through the review queue's selector rather than approved_content()
    per draft, which would cost a query for each of the maker's drafts.
    """
    items = (
        review_items_for(product.maker, state=ReviewState.APPROVED, kind=LISTING_COPY.name)
        .filter(owner_id=product.maker_id)
        .exclude(subject_key=f"product:{product.pk}")
        .order_by("-decided_at", "-id")[:EXAMPLES_MAX]
    )
    return tuple(
        {name: item.approved_snapshot.get(name) for name in EXAMPLE_FIELDS}
        for item in items
        if isinstance(item.approved_snapshot, dict)
    )


def listing_write(*, product_id: int, instructions: str = "", requested_by_id: int | None = None) -> ListingDraft:
    """Write the product's listing copy and put it in the review queue as the next version.

    The copywriter runs outside any transaction (an API call may take seconds and
    must not hold the database's write lock); storing the draft and submitting
    it happen in one transaction. Running it again with the same facts and
    instructions gives the same copy, so it returns the same pending version.
    Raises ListingWriteError (and marks the draft failed) when the copywriter fails.
    """
    product = Product.objects.select_related("category", "maker").filter(pk=product_id).first()
    if product is None:
        raise ListingWriteError("This product no longer exists.", subject=f"Product {product_id}")
    requested_by = get_user_model().objects.filter(pk=requested_by_id).first() if requested_by_id else None
    brief = brief_for(product, instructions=instructions)

    writer = ""
    try:
        backend = _copywriter()
        writer = _writer_name(backend)
        copy = backend.write(brief=brief)
        if not isinstance(copy, ListingCopy):
            raise TypeError(f"it returned {type(copy).__name__} instead of ListingCopy")
    except Exception as exc:
        name = writer.rsplit(".", 1)[-1] or "copywriter"
        reason = redact(str(exc).strip()) or type(exc).__name__
        message = f"The copywriter ({name}) couldn't write this listing: {reason}"[:500]
        logger.warning("Listing copy for product %s failed: %s", product.pk, message, exc_info=True)
        _draft_failed(product=product, message=message)
        raise ListingWriteError(message, subject=product.title) from exc
    return _listing_store(product=product, brief=brief, copy=copy, writer=writer, requested_by=requested_by)


def _listing_store(
    *, product: Product, brief: ListingBrief, copy: ListingCopy, writer: str, requested_by
) -> ListingDraft:
    """Tidy and check a copywriter's copy, store it on the draft and submit it for review, in one transaction."""
    instructions = brief.instructions
    content, fixes = _tidy(copy, brief)
    checks = listing_checks(content, product_facts(product))
    for field, messages in fixes.items():
        checks.append(
            Check("auto_fix", field, PASS, "Fixed automatically: " + "; ".join(messages) + ".", tuple(messages))
        )
    notes = [str(note) for note in copy.notes if str(note).strip()]
    if notes:
        checks.append(Check("writer_notes", "notes", WARN, "The copywriter notes: " + " ".join(notes), tuple(notes)))
    category = Category.objects.filter(name=content["category"]).first() if content["category"] else None

    with transaction.atomic():
        draft, _ = ListingDraft.objects.select_for_update().get_or_create(product=product)
        draft.product = product
        draft.status = ListingDraft.Status.READY
        draft.title = content["title"]
        draft.description = content["description"]
        draft.tags = content["tags"]
        draft.seo_title = content["seo_title"]
        draft.seo_description = content["seo_description"]
        draft.alt_texts = content["alt_texts"]
        draft.suggested_category = category
        draft.materials = content["materials"]
        draft.colours = content["colours"]
        draft.checks = [check.as_dict() for check in checks]
        draft.writer = writer
        draft.instructions = instructions
        draft.error = ""
        draft.save()
        review_submit(draft=draft, submitted_by=requested_by)
    return draft


def _draft_failed(*, product: Product, message: str) -> None:
    """Say on the draft why the last attempt failed; its content and any pending version stay as they were."""
    with transaction.atomic():
        draft, _ = ListingDraft.objects.select_for_update().get_or_create(product=product)
        draft.status = ListingDraft.Status.FAILED
        draft.error = message
        draft.save(update_fields=["status", "error", "updated_at"])


def _tidy(copy: ListingCopy, brief: ListingBrief) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The copy as plain fields, with the fixes that are always safe; returns (content, fixes by field)."""
    fixes: dict[str, list[str]] = {}

    description = sanitise_description(str(copy.description or ""))
    if description != str(copy.description or "").strip():
        fixes.setdefault("description", []).append("removed markup descriptions may not contain")

    raw_tags = copy.tags.split(",") if isinstance(copy.tags, str) else list(copy.tags or [])
    tags, tag_notes = normalise_tags([str(tag) for tag in raw_tags])
    fixes_tags = fixes.setdefault("tags", [])
    fixes_tags.extend(tag_notes)
    too_long = [tag for tag in tags if len(tag) > limits.ETSY_TAG_MAX]
    if too_long:
        tags = [tag for tag in tags if len(tag) <= limits.ETSY_TAG_MAX]
        fixes_tags.append(
            f"dropped tags over {limits.ETSY_TAG_MAX} characters: " + ", ".join(f"“{t}”" for t in too_long)
        )
    if len(tags) > limits.ETSY_TAGS_MAX:
        fixes_tags.append(f"kept the first {limits.ETSY_TAGS_MAX} of {len(tags)} tags")
        tags = tags[: limits.ETSY_TAGS_MAX]

    own_photos = set(brief.photo_ids)
    alt_texts, seen = [], set()
    for alt in copy.alt_texts or []:
        photo = alt.get("photo") if isinstance(alt, dict) else None
        if photo in own_photos and photo not in seen:
            seen.add(photo)
            alt_texts.append({"photo": photo, "text": " ".join(str(alt.get("text", "")).split())})
    if len(alt_texts) != len(copy.alt_texts or []):
        fixes.setdefault("alt_texts", []).append("dropped alt text that named no photo of this product")

    category = str(copy.category or "").strip()
    if category and category not in brief.categories:
        fixes.setdefault("category", []).append(f"“{category}” isn't one of the studio's categories; none suggested")
        category = ""

    content = {
        "title": " ".join(str(copy.title or "").split()),
        "description": description,
        "tags": tags,
        "seo_title": " ".join(str(copy.seo_title or "").split()),
        "seo_description": " ".join(str(copy.seo_description or "").split()),
        "alt_texts": alt_texts,
        "category": category,
        "materials": [" ".join(str(m).split()) for m in copy.materials or [] if str(m).strip()],
        "colours": [" ".join(str(c).split()) for c in copy.colours or [] if str(c).strip()],
    }
    return content, {field: messages for field, messages in fixes.items() if messages}


@transaction.atomic
def listing_write_batch(*, product_ids: list[int], requested_by, instructions: str = "") -> Job:
    """Write listing copy for many products in the background; the job shows the progress.

    Callers check access first (views restrict the ids to what the user may change).
    Tasks are enqueued when the job row is committed, in chunks of BATCH_CHUNK products.
    """
    ids = list(dict.fromkeys(int(pk) for pk in product_ids))
    count = len(ids)
    titles = dict(Product.objects.filter(pk__in=ids).values_list("pk", "title"))
    job = job_create(
        kind=JOB_KIND,
        label=job_label(f"Write listing copy for {names_phrase(titles.get(pk, '') for pk in ids) or 'no products'}"),
        total=count,
        created_by=requested_by,
    )
    if not ids:
        return job_finish(job_id=job.pk, message="No products were selected.")
    requested_by_id = requested_by.pk if requested_by is not None else None
    backend = _copywriter()
    if isinstance(backend, BatchCopywriter) and count >= backend.batch_threshold:
        transaction.on_commit(
            partial(async_task, "catalog.tasks.submit_listing_batch", job.pk, ids, instructions, requested_by_id)
        )
        return job
    chunk_size = backend.task_chunk or BATCH_CHUNK
    for start in range(0, count, chunk_size):
        chunk = ids[start : start + chunk_size]
        transaction.on_commit(
            partial(async_task, "catalog.tasks.write_listings", job.pk, chunk, instructions, requested_by_id)
        )
    return job


def listing_rewrite(*, draft: ListingDraft, note: str, user) -> Job:
    """The listing-copy kind's retry hook: write a new version that follows the reviewer's note."""
    return listing_write_batch(product_ids=[draft.product_id], requested_by=user, instructions=note)


# --- The batch path: one batch for a big job, polled until it ends ------------------------
# A BatchCopywriter takes jobs of `batch_threshold` products or more as one batch (a
# provider's batch API is cheaper, and slower). Each result then goes through the same
# store path as listing_write (_tidy, checks, review_submit).


def _batch_schedule_name(job_id: int) -> str:
    return f"listing-copy-batch:{job_id}"


def _batch_custom_id(product_id: int) -> str:
    return f"product-{product_id}"


def _writer_name(backend) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def _copywriter() -> Copywriter:
    return backends["copywriter"]


def _batch_briefs(product_ids: list[int], instructions: str) -> tuple[dict[int, Product], dict[str, ListingBrief]]:
    products = Product.objects.select_related("category", "maker").in_bulk(product_ids)
    briefs = {
        _batch_custom_id(pk): brief_for(products[pk], instructions=instructions) for pk in product_ids if pk in products
    }
    return products, briefs


def _batch_fail(*, job_id: int, product: Product, message: str) -> None:
    _draft_failed(product=product, message=message)
    job_advance(job_id=job_id, failed=1, error=f"{product.title}: {message}", unit=f"product:{product.pk}")


def _batch_fail_all(*, job_id: int, product_ids: list[int], message: str) -> None:
    products = Product.objects.in_bulk(product_ids)
    for pk in product_ids:
        if pk in products:
            _batch_fail(job_id=job_id, product=products[pk], message=message)
        else:
            job_advance(
                job_id=job_id, failed=1, error=f"Product {pk}: This product no longer exists.", unit=f"product:{pk}"
            )


def listing_batch_submit(
    *, job_id: int, product_ids: list[int], instructions: str = "", requested_by_id: int | None = None
) -> str | None:
    """Send the job's products to the copywriter as one batch and schedule the first poll; returns the batch id.

    Runs in a task. Idempotent as far as it can be: a job that is finished or
    already has its poll scheduled is not submitted again.
    """
    from django_q.models import Schedule

    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.is_finished or Schedule.objects.filter(name=_batch_schedule_name(job_id)).exists():
        return None
    job_start(job_id=job_id)
    products, briefs = _batch_briefs(product_ids, instructions)
    for pk in product_ids:
        if pk not in products:
            job_advance(
                job_id=job_id, failed=1, error=f"Product {pk}: This product no longer exists.", unit=f"product:{pk}"
            )
    if not briefs:
        return None
    backend = _copywriter()
    try:
        if not isinstance(backend, BatchCopywriter):  # the setting changed since the job was queued
            raise ListingWriteError("it doesn't take batches; write these listings again")
        batch_id = backend.write_many(briefs)
    except Exception as exc:
        message = (
            f"The copywriter ({type(backend).__name__}) couldn't submit the batch: "
            f"{str(exc).strip() or type(exc).__name__}"
        )[:500]
        logger.warning("Listing copy batch for job %s failed: %s", job_id, message, exc_info=True)
        for pk in product_ids:
            if pk in products:
                _batch_fail(job_id=job_id, product=products[pk], message=message)
        return None
    submitted = [pk for pk in product_ids if pk in products]
    _batch_poll_later(
        backend,
        job_id=job_id,
        batch_id=batch_id,
        product_ids=submitted,
        instructions=instructions,
        requested_by_id=requested_by_id,
        polls=0,
    )
    return batch_id


def _batch_poll_later(
    backend: BatchCopywriter,
    *,
    job_id: int,
    batch_id: str,
    product_ids: list[int],
    instructions: str,
    requested_by_id: int | None,
    polls: int,
) -> None:
    """One ONCE schedule per job (django-q2 deletes it when it fires), so a re-run task can't fork the chain."""
    from django_q.models import Schedule
    from django_q.tasks import schedule

    name = _batch_schedule_name(job_id)
    with transaction.atomic():
        Schedule.objects.filter(name=name).delete()
        schedule(
            "catalog.tasks.poll_listing_batch",
            job_id,
            batch_id,
            list(product_ids),
            instructions,
            requested_by_id,
            polls,
            name=name,
            schedule_type=Schedule.ONCE,
            next_run=timezone.now() + timedelta(seconds=backend.batch_poll_seconds),
        )


def listing_batch_collect(
    *,
    job_id: int,
    batch_id: str,
    product_ids: list[int],
    instructions: str = "",
    requested_by_id: int | None = None,
    polls: int = 0,
) -> dict[str, Any]:
    """Poll the job's batch; once it ended, store each result as a draft (or fail that product with the reason).

    Returns {"status": "waiting" | "collected" | "gave up" | "done", ...}. While the
    batch runs (or the copywriter's service can't be reached), the next poll is scheduled.
    """
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return {"status": "done"}
    backend = _copywriter()
    name = type(backend).__name__
    if not isinstance(backend, BatchCopywriter):  # the setting changed while the batch ran
        message = f"The copywriter ({name}) takes no batches, so batch {batch_id} can't be collected; write these listings again."
        _batch_fail_all(job_id=job_id, product_ids=product_ids, message=message)
        return {"status": "gave up"}
    try:
        ended = backend.batch_ended(batch_id)
    except Exception as exc:  # the service is unreachable for now: the batch carries on without us
        logger.warning("Polling listing copy batch %s failed: %s", batch_id, exc)
        ended = False
    if not ended:
        if polls + 1 >= backend.batch_max_polls:
            message = f"Batch {batch_id} of the copywriter ({name}) didn't finish in time; write these listings again."
            _batch_fail_all(job_id=job_id, product_ids=product_ids, message=message)
            return {"status": "gave up"}
        _batch_poll_later(
            backend,
            job_id=job_id,
            batch_id=batch_id,
            product_ids=product_ids,
            instructions=instructions,
            requested_by_id=requested_by_id,
            polls=polls + 1,
        )
        return {"status": "waiting", "polls": polls + 1}

    products, briefs = _batch_briefs(product_ids, instructions)
    try:
        results = backend.collect(batch_id, briefs=briefs)
    except Exception as exc:
        logger.warning("Collecting listing copy batch %s failed: %s", batch_id, exc)
        _batch_poll_later(
            backend,
            job_id=job_id,
            batch_id=batch_id,
            product_ids=product_ids,
            instructions=instructions,
            requested_by_id=requested_by_id,
            polls=polls + 1,
        )
        return {"status": "waiting", "polls": polls + 1, "error": str(exc)}

    requested_by = get_user_model().objects.filter(pk=requested_by_id).first() if requested_by_id else None
    writer = _writer_name(backend)
    written = failed = 0
    for pk in product_ids:
        product, custom_id = products.get(pk), _batch_custom_id(pk)
        if product is None:
            job_advance(
                job_id=job_id, failed=1, error=f"Product {pk}: This product no longer exists.", unit=f"product:{pk}"
            )
            failed += 1
            continue
        result = results.get(custom_id)
        if result is None:
            result = RuntimeError("the batch returned nothing for this listing")
        if not isinstance(result, ListingCopy):
            message = (
                f"The copywriter ({name}) couldn't write this listing: {str(result).strip() or type(result).__name__}"
            )
            _batch_fail(job_id=job_id, product=product, message=message[:500])
            failed += 1
            continue
        try:
            _listing_store(
                product=product, brief=briefs[custom_id], copy=result, writer=writer, requested_by=requested_by
            )
        except Exception as exc:  # a bug storing one listing must not cost the others theirs
            logger.exception("Storing batch listing copy for product %s failed", pk)
            job_advance(
                job_id=job_id,
                failed=1,
                error=f"{product.title}: unexpected error ({type(exc).__name__}: {exc})",
                unit=f"product:{pk}",
            )
            failed += 1
        else:
            job_advance(job_id=job_id, done=1, unit=f"product:{pk}")
            written += 1
    return {"status": "collected", "written": written, "failed": failed}
