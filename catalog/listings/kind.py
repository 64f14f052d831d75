"""The listing-copy draft kind, registered with approvals in CatalogConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from approvals.registry import DraftKind
from catalog.listings import limits
from catalog.listings.checks import (
    CHECK_LABELS,
    COLOURS,
    FAIL,
    colour_values,
    listing_checks,
    normalise_tags,
    sanitise_description,
)
from catalog.models import ListingDraft, Product
from studio.backends import backends

COPY_FIELDS = ["title", "description", "tags", "seo_title", "seo_description", "alt_texts"]


def product_facts(product: Product) -> dict[str, Any]:
    """The maker's facts, the only ground truth the copy may rest on."""
    return {
        "title": product.title,
        "category": product.category.name if product.category_id else "",
        "materials": list(product.materials),
        "techniques": list(product.techniques),
        "dimensions": product.dimensions,
        "weight_grams": product.weight_grams,
        "care": product.care,
        "story": product.story,
        "made_to_order": product.made_to_order,
        COLOURS: colour_values(variant_options(product)),
    }


def variant_options(product: Product) -> dict[str, list[str]]:
    """Option name → the values the product's variants offer, in variant order: {"colourway": ["celadon"]}."""
    options: dict[str, list[str]] = {}
    for found in product.variants.order_by("position", "sku").values_list("options", flat=True):
        if not isinstance(found, dict):
            continue
        for key, value in found.items():
            if value in (None, ""):
                continue
            values = options.setdefault(str(key), [])
            if str(value) not in values:
                values.append(str(value))
    return options


def listing_snapshot(draft: ListingDraft) -> dict[str, Any]:
    return {
        "title": draft.title,
        "description": draft.description,
        "tags": list(draft.tags),
        "seo_title": draft.seo_title,
        "seo_description": draft.seo_description,
        "alt_texts": list(draft.alt_texts),
        "category": draft.suggested_category.name if draft.suggested_category_id else "",
        "materials": list(draft.materials),
        "colours": list(draft.colours),
        "checks": list(draft.checks),
        "writer": draft.writer,
    }


def clean_listing(draft: ListingDraft, snapshot: dict[str, Any]) -> dict[str, Any]:
    """A reviewer's edit, made safe: sanitised HTML, tidy tags, checks re-run."""
    cleaned = dict(snapshot)
    cleaned["description"] = sanitise_description(str(snapshot.get("description", "")))
    tags = snapshot.get("tags", [])
    if isinstance(tags, str):
        tags = tags.split(",")
    if not isinstance(tags, list):
        raise ValidationError("Tags must be a list or comma-separated text.")
    cleaned["tags"], _ = normalise_tags(tags)
    for name in ("title", "seo_title", "seo_description"):
        cleaned[name] = " ".join(str(snapshot.get(name, "")).split())
    cleaned["checks"] = [check.as_dict() for check in listing_checks(cleaned, product_facts(draft.product))]
    return cleaned


def listing_blockers(snapshot: dict[str, Any]) -> list[str]:
    return [check["message"] for check in snapshot.get("checks", []) if check.get("level") == FAIL]


def listing_retry_help() -> str:
    """The configured copywriter's own words on which notes it can follow."""
    return backends["copywriter"].note_help


def listing_retry_reading(note: str) -> list[str]:
    """The reviewer's own note as the configured copywriter will take it: what it follows, what it passes on."""
    reading = backends["copywriter"].read_note(note)
    if reading.whole:
        return ["The writer reads your whole note for the new version."]
    sentences = []
    if reading.followed:
        sentences.append("The writer will follow: " + ", ".join(reading.followed) + ".")
    if reading.passed_on:
        quoted = ", ".join(f"“{part}”" for part in reading.passed_on)
        if reading.followed:
            sentences.append(f"It can't act on {quoted}: that stays in your note for the maker to change by hand.")
        else:
            sentences.append(
                f"The writer can't act on {quoted}, so a new version would not change for it: "
                "your note goes to the maker to change by hand (or edit the copy yourself)."
            )
    return sentences


def listing_retry(*, draft: ListingDraft, note: str, user):
    """Rejected with "try again": write a new version that follows the note (a background job)."""
    from catalog.listings.services import listing_rewrite  # services import this module

    return listing_rewrite(draft=draft, note=note, user=user)


LISTING_COPY = DraftKind(
    name="listing_copy",
    label="Listing copy",
    model=ListingDraft,
    snapshot=listing_snapshot,
    owner=lambda draft: draft.product.maker,
    subject=lambda draft: draft.product.title,
    subject_key=lambda draft: f"product:{draft.product_id}",
    editable_fields={
        "title": limits.ETSY_TITLE_MAX,
        "description": None,  # the listing check says what is too long (limits.DESCRIPTION_MAX)
        "tags": None,
        "seo_title": limits.SEO_TITLE_MAX,
        "seo_description": limits.META_DESCRIPTION_MAX,
    },
    rich_text={"description": frozenset(limits.DESCRIPTION_TAGS)},
    clean=clean_listing,
    blockers=listing_blockers,
    retry=listing_retry,
    retry_help=listing_retry_help,
    retry_reading=listing_retry_reading,
    template="catalog/kinds/listing_copy.html",
    summary=lambda snapshot: str(snapshot.get("title") or ""),
    check_labels=CHECK_LABELS,
    diff_ignored=frozenset({"writer"}),  # which copywriter wrote it is no change a shopper sees
    made_by_job="listing_copy",  # catalog.listings.services.JOB_KIND
)
