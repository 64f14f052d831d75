"""The staged-image draft kind, registered with approvals in CatalogConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from approvals.registry import DraftKind
from catalog.models import StagedImage
from catalog.staging.check import CHECK_LABELS

ALT_TEXT_MAX = 125  # screen readers read about this much; Shopify and Etsy take more


def staged_snapshot(staged: StagedImage) -> dict[str, Any]:
    """What the reviewer sees and what gets published: the exact file (content-addressed)."""
    photo = staged.photo
    version = staged.look_version
    return {
        "image": staged.image.name,
        "sha256": staged.sha256,
        "width": staged.width,
        "height": staged.height,
        "photo": photo.pk,
        "photo_image": photo.file.name,
        "photo_thumb": photo.thumb.name or "",
        "photo_width": photo.width,
        "photo_height": photo.height,
        "photo_qc": photo.qc_verdict,
        "photo_qc_concerns": [concern.get("message", "") for concern in photo.qc_concerns][:3],
        "look": staged.look.name,
        "look_version": version.number if version else None,
        "stager": staged.stager,
        "seed": staged.seed,
        "fidelity": dict(staged.fidelity),
        "alt_text": _default_alt(staged),
        **_check_fields(staged),
    }


def _check_fields(staged: StagedImage) -> dict[str, Any]:
    """The staged-image check (catalog.staging.check) as the queue shows it: verdict, findings, measures, overlay."""
    details = staged.details or {}
    check = details.get("check")
    fields: dict[str, Any] = {
        "photo_number": staged.photo.position + 1,
        "thumb": details.get("thumb", ""),
        "preview": details.get("preview", ""),
        "staged_anyway": bool(details.get("stage_anyway")),
    }
    if check:
        fields.update(
            check_verdict=check.get("verdict", ""),
            checks=list(check.get("checks", [])),
            measures=dict(check.get("measures", {})),
            check_overlay=details.get("check_overlay", ""),
        )
    return fields


def _default_alt(staged: StagedImage) -> str:
    base = staged.photo.alt_text or staged.product.title
    return f"{base}, styled on {staged.look.name.lower()}"[:ALT_TEXT_MAX]


def fidelity_blockers(snapshot: dict[str, Any]) -> list[str]:
    """A staged image whose product pixels changed must never be approved: it would misrepresent the piece."""
    fidelity = snapshot.get("fidelity") or {}
    share = fidelity.get("identical_share")
    if share is None:
        return ["This image has no fidelity check: stage it again."]
    if share < 1.0:
        return [
            f"The product itself was altered: only {share * 100:.2f}% of its pixels are unchanged. "
            "Stage it again or reject it."
        ]
    return []


def staged_concerns(snapshot: dict[str, Any]) -> list[str]:
    """What the staged-image check flagged: the reviewer approves such an image only by saying "approve anyway"."""
    if "check_verdict" not in snapshot:
        return [
            "This image was staged before the staged-image check existed: nobody checked that the whole "
            "product survived. Stage it again, or look closely."
        ]
    return [check.get("message", "") for check in snapshot.get("checks", []) if check.get("level") in ("fail", "warn")]


def staged_summary(snapshot: dict[str, Any]) -> str:
    look = snapshot.get("look", "")
    number = snapshot.get("photo_number")
    flagged = [check.get("label", "") for check in snapshot.get("checks", []) if check.get("level") in ("fail", "warn")]
    head = f"Photo {number} in {look}" if number else str(look)
    return f"{head} · flagged: {', '.join(flagged)}" if flagged else f"{head} · check passed"


def clean_staged(staged: StagedImage, snapshot: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(snapshot)
    alt = " ".join(str(snapshot.get("alt_text", "")).split())
    if not alt:
        raise ValidationError("Alt text can't be empty: it is how the image is described to people who can't see it.")
    cleaned["alt_text"] = alt
    return cleaned


def staged_retry(*, draft: StagedImage, note: str, user):
    from catalog.staging.services import staged_image_retry  # services import this module's model

    return staged_image_retry(staged=draft, requested_by=user, note=note)


def staged_on_approved(staged: StagedImage, snapshot: dict[str, Any], *, user, options: dict[str, bool]) -> None:
    if options.get("add_to_gallery"):
        from catalog.galleries.services import gallery_add_approved  # galleries read this kind's snapshots

        gallery_add_approved(staged=staged, user=user)


STAGED_IMAGE = DraftKind(
    name="staged_image",
    label="Staged image",
    made_by_job="staging",  # catalog.staging.services.JOB_KIND
    job_unit="staged",  # catalog.tasks.stage_images counts "staged:<id>"
    model=StagedImage,
    snapshot=staged_snapshot,
    owner=lambda staged: staged.product.maker,
    subject=lambda staged: f"{staged.product.title} · photo {staged.photo.position + 1} · {staged.look.name}",
    subject_key=lambda staged: f"product:{staged.product_id}",
    editable_fields={"alt_text": ALT_TEXT_MAX},
    clean=clean_staged,
    blockers=fidelity_blockers,
    concerns=staged_concerns,
    thumbnail=lambda snapshot: snapshot.get("thumb") or snapshot.get("image", ""),
    summary=staged_summary,
    check_labels=CHECK_LABELS,
    retry=staged_retry,
    on_approved=staged_on_approved,
    approve_options={"add_to_gallery": "Add it to the product's gallery (the images channels receive)"},
    template="catalog/kinds/staged_image.html",
)
