"""The gallery draft kind, registered with approvals in CatalogConfig.ready()."""

from __future__ import annotations

from typing import Any

from approvals.registry import DraftKind
from catalog.models import Gallery

PHOTO, STAGED = "photo", "staged"


def gallery_snapshot(gallery: Gallery) -> dict[str, Any]:
    """The exact files, in order: what the reviewer sees is what a channel receives."""
    return {"images": [dict(entry) for entry in gallery.images]}


def gallery_blockers(snapshot: dict[str, Any]) -> list[str]:
    images = snapshot.get("images") or []
    if not images:
        return ["A gallery needs at least one image."]
    sources = [entry.get("source") for entry in images if isinstance(entry, dict)]
    if PHOTO in sources and sources[0] != PHOTO:
        return ["Lead with a real photo of the piece: staged images may only follow the maker's own photos."]
    return []


def gallery_summary(snapshot: dict[str, Any]) -> str:
    images = [entry for entry in snapshot.get("images") or [] if isinstance(entry, dict)]
    photos = sum(entry.get("source") == PHOTO for entry in images)
    staged = len(images) - photos
    parts = [f"{photos} photo{'' if photos == 1 else 's'}"] if photos else []
    parts += [f"{staged} staged"] if staged else []
    return f"{len(images)} image{'' if len(images) == 1 else 's'}: {', '.join(parts)}" if images else "No images"


def gallery_retry(*, draft: Gallery, note: str, user):
    from catalog.galleries.services import gallery_propose  # services import this module

    gallery_propose(product=draft.product, submitted_by=user)


GALLERY = DraftKind(
    name="gallery",
    label="Gallery",
    model=Gallery,
    snapshot=gallery_snapshot,
    owner=lambda gallery: gallery.product.maker,
    subject=lambda gallery: f"{gallery.product.title} · gallery",
    subject_key=lambda gallery: f"product:{gallery.product_id}",
    blockers=gallery_blockers,
    retry=gallery_retry,
    template="catalog/kinds/gallery.html",
    summary=gallery_summary,
    thumbnail=lambda snapshot: next(
        (e.get("thumb") or e.get("image", "") for e in snapshot.get("images") or [] if isinstance(e, dict)), ""
    ),
)
