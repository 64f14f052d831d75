"""Galleries: propose the next version of a product's gallery, and add an approved staged image to it.

A proposal keeps the order of the approved gallery, drops what no longer exists
(a deleted photo, a staged image no longer approved), follows a staged image
whose newer version was approved, and puts new original photos after the last
original already there. Staged images join only when a reviewer chose "add to
gallery" when approving them. Submitting the same content twice adds nothing
(the review queue keeps one version of identical content).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from approvals.models import ReviewItem, ReviewState
from approvals.selectors import approved_content, approved_items_for
from approvals.services import review_decide, review_submit
from catalog.galleries.kind import PHOTO, STAGED
from catalog.models import Gallery, Photo, Product, QCVerdict, StagedImage

Entry = dict[str, Any]


def _photo_entry(photo: Photo) -> Entry:
    return {
        "source": PHOTO,
        "id": photo.pk,
        "image": photo.file.name,
        "thumb": photo.thumb.name,
        "sha256": photo.sha256,
        "width": photo.width,
        "height": photo.height,
        "alt": photo.alt_text,
        "label": f"Photo {photo.position + 1}",
    }


def _staged_entry(staged: StagedImage, snapshot: dict[str, Any]) -> Entry:
    return {
        "source": STAGED,
        "id": staged.pk,
        "image": snapshot.get("image", ""),
        "thumb": snapshot.get("thumb", ""),
        "sha256": snapshot.get("sha256", ""),
        "width": snapshot.get("width", 0),
        "height": snapshot.get("height", 0),
        "alt": snapshot.get("alt_text", ""),
        "label": f"{snapshot.get('look') or staged.look.name} · photo {staged.photo.position + 1}",
    }


def _originals(product: Product) -> list[Entry]:
    """The maker's own photos that may go out (a photo that failed quality checks stays home), by position."""
    photos = product.photos.exclude(qc_verdict=QCVerdict.FAIL).order_by("position", "id")
    return [_photo_entry(photo) for photo in photos]


def _approved_staged(product: Product) -> dict[int, Entry]:
    staged = list(StagedImage.objects.filter(product=product).select_related("look", "photo"))
    approved = approved_items_for(drafts=staged)
    return {
        image.pk: _staged_entry(image, approved[image.pk].approved_snapshot) for image in staged if image.pk in approved
    }


def gallery_approved_images(*, product: Product) -> list[Entry] | None:
    """The approved gallery's images in order; None when no gallery was ever approved."""
    gallery = Gallery.objects.filter(product=product).first()
    snapshot = approved_content(draft=gallery) if gallery is not None else None
    return list(snapshot.get("images") or []) if snapshot is not None else None


def _proposal(product: Product, *, add: StagedImage | None = None) -> list[Entry]:
    base = gallery_approved_images(product=product) or []
    photos = {entry["id"]: entry for entry in _originals(product)}
    staged = _approved_staged(product)
    ordered: list[Entry] = []
    for entry in base:
        current = (photos if entry.get("source") == PHOTO else staged).pop(entry.get("id"), None)
        if current is not None:  # gone: a deleted photo, a staged image no longer approved
            ordered.append(current)
    last_photo = max((i for i, entry in enumerate(ordered) if entry["source"] == PHOTO), default=-1)
    ordered[last_photo + 1 : last_photo + 1] = list(photos.values())  # new originals after the originals
    if add is not None and add.pk in staged:  # not yet in the gallery (else it was updated in place above)
        ordered.append(staged[add.pk])
    return ordered


def gallery_propose(*, product: Product, submitted_by=None, add: StagedImage | None = None) -> ReviewItem | None:
    """Submit the next gallery version for review (or find the identical one already there); None if empty."""
    images = _proposal(product, add=add)
    if not images:
        return None
    with transaction.atomic():
        gallery, _ = Gallery.objects.select_for_update().get_or_create(product=product)
        gallery.images = images
        gallery.save(update_fields=["images", "updated_at"])
        return review_submit(draft=gallery, submitted_by=submitted_by)


def gallery_add_approved(*, staged: StagedImage, user) -> ReviewItem | None:
    """ "Add to gallery" when approving a staged image: the gallery with it, approved by the same reviewer.

    Runs inside the staged image's approval, so both are decided together or not at all.
    """
    item = gallery_propose(product=staged.product, submitted_by=user, add=staged)
    if item is None or item.state != ReviewState.PENDING:
        return item
    return review_decide(item_id=item.pk, user=user, approve=True, seen_hash=item.snapshot_hash)
