"""Products made publishable the way a person would: listing copy and a staged image, each approved.

Staged images are made without the stager (a Look, its LookVersion and a
StagedImage row holding a small real PNG), so these tests don't depend on the
staging backends. Listing copy comes from the offline template copywriter.
"""

from __future__ import annotations

import hashlib
import io
import random

from django.core.files.base import ContentFile
from PIL import Image

from approvals.models import ReviewItem, ReviewState
from approvals.selectors import review_items_for_draft
from approvals.services import review_decide, review_submit
from catalog.listings.services import listing_write
from catalog.models import ListingDraft, Look, LookVersion, Photo, Product, StagedImage

FIDELITY = {"identical_share": 1.0, "pixels_compared": 100, "max_abs_diff": 0, "erosion_px": 2}
# What catalog.staging.check stores for an image that passed every finding (the stager is not run here).
CHECK_PASSED = {"verdict": "pass", "checks": [], "measures": {}}


PHOTO_SIZE, STAGED_SIZE = (12, 10), (16, 16)


def png_bytes(seed: int, size: tuple[int, int] = PHOTO_SIZE) -> bytes:
    """A small, real PNG whose pixels (and so sha256) depend on `seed`."""
    rng = random.Random(seed)
    image = Image.new("RGB", size)
    image.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(size[0] * size[1])])
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def photo_add(product: Product, *, seed: int, position: int = 0) -> Photo:
    content = png_bytes(seed, PHOTO_SIZE)
    photo = Photo(
        product=product, sha256=hashlib.sha256(content).hexdigest(), size_bytes=len(content), position=position
    )
    photo.file.save("photo.png", ContentFile(content), save=False)
    photo.width, photo.height = PHOTO_SIZE
    photo.save()
    return photo


def look_add(name: str = "Test oak table", position: int = 0) -> Look:
    look, created = Look.objects.get_or_create(name=name, defaults={"position": position})
    if created:
        version = LookVersion.objects.create(look=look, number=1, spec={"backdrop": {"kind": "oak"}})
        look.current = version
        look.save(update_fields=["current"])
    return look


def staged_add(product: Product, *, photo: Photo, look: Look | None = None, seed: int) -> StagedImage:
    """A ready staged image of `photo` (not yet submitted for review)."""
    look = look or look_add()
    content = png_bytes(seed, STAGED_SIZE)
    staged = StagedImage(
        product=product,
        photo=photo,
        look=look,
        look_version=look.current,
        status=StagedImage.Status.READY,
        sha256=hashlib.sha256(content).hexdigest(),
        stager="tests.fixed",
        seed=seed,
        fidelity=dict(FIDELITY),
        details={"check": dict(CHECK_PASSED)},
    )
    staged.image.save("staged.png", ContentFile(content), save=False)
    staged.width, staged.height = STAGED_SIZE
    staged.save()
    return staged


def approve(draft, *, user, edits: dict | None = None) -> ReviewItem:
    """Submit the draft's current content (or take its pending version) and approve it as `user`."""
    item = review_submit(draft=draft)
    if item.state != ReviewState.PENDING:
        return item
    return review_decide(item_id=item.pk, user=user, approve=True, seen_hash=item.snapshot_hash, edits=edits)


def pending_item(draft) -> ReviewItem:
    return review_items_for_draft(draft=draft).get(state=ReviewState.PENDING)


def listing_approve(product: Product, *, user, instructions: str = "", edits: dict | None = None) -> ListingDraft:
    """Write the listing copy with the template copywriter and approve that version."""
    draft = listing_write(product_id=product.pk, instructions=instructions)
    item = pending_item(draft)
    review_decide(item_id=item.pk, user=user, approve=True, seen_hash=item.snapshot_hash, edits=edits)
    return ListingDraft.objects.get(pk=draft.pk)


def make_publishable(product: Product, *, user, seed: int = 1, title: str | None = None) -> dict:
    """An original photo, an approved staged image of it and approved listing copy (title edited if given)."""
    photo = photo_add(product, seed=seed)
    staged = staged_add(product, photo=photo, seed=seed + 1000)
    approve(staged, user=user)
    draft = listing_approve(product, user=user, edits={"title": title} if title else None)
    return {"photo": photo, "staged": staged, "listing": draft}
