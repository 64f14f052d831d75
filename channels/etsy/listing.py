"""What an Etsy listing is made of: the approved payload, the product's own facts, and the Etsy-only facts.

`context_for` reads what Etsy needs beyond the payload (who/when made, supply, taxonomy,
shipping profile, materials, readiness, personalisation) from the product and its
category; `listing_problems` checks it all before anything is sent, field by field,
with the same rules the review queue shows (catalog.listings.etsy_rules); `listing_form`
and `inventory_body` are the two request bodies.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from catalog.listings import etsy_rules
from catalog.models import Product
from channels.etsy.models import EtsyFacts
from channels.etsy.vocab import CUSTOM_PROPERTY_IDS, MAX_IMAGES
from channels.payload import ProductPayload

REQUIRED_FACTS = {
    "who_made": "who made it",
    "when_made": "when it was made",
    "is_supply": "whether it is a supply or a finished item",
    "taxonomy_id": "its Etsy category (taxonomy id)",
    "shipping_profile_id": "its Etsy shipping profile",
}
FACT_FIELDS = (*REQUIRED_FACTS, "personalisation_question", "personalisation_max_chars", "personalisation_required")


@dataclass(frozen=True)
class EtsyContext:
    product_id: int
    who_made: str = ""
    when_made: str = ""
    is_supply: bool | None = None
    taxonomy_id: int | None = None
    shipping_profile_id: int | None = None
    materials: tuple[str, ...] = ()
    made_to_order: bool = False
    lead_time_days: int = 0
    personalisation_question: str = ""
    personalisation_max_chars: int = 0
    personalisation_required: bool = False
    sources: dict = field(default_factory=dict, compare=False)  # fact → "product" | "category"


def effective_facts(*, product: Product) -> tuple[dict, dict]:
    """Each Etsy fact as it applies to the product (its own, else its category's), and where it came from."""
    own = EtsyFacts.objects.filter(product=product).first()
    category = EtsyFacts.objects.filter(category_id=product.category_id).first() if product.category_id else None
    values, sources = {}, {}
    for name in FACT_FIELDS:
        for origin, facts in (("product", own), ("category", category)):
            value = getattr(facts, name, None) if facts is not None else None
            if _is_set(name, value):
                values[name], sources[name] = value, origin
                break
        else:
            values[name] = None
    return values, sources


def _is_set(name: str, value) -> bool:
    if name == "is_supply":
        return value is not None  # False (a finished item) is a set answer
    if isinstance(value, bool):
        return value
    return value not in (None, "", 0)


def context_for(*, handle: str) -> EtsyContext:
    product = Product.objects.select_related("category").get(handle=handle)
    values, sources = effective_facts(product=product)
    return EtsyContext(
        product_id=product.pk,
        who_made=values["who_made"] or "",
        when_made=values["when_made"] or "",
        is_supply=values["is_supply"],
        taxonomy_id=values["taxonomy_id"],
        shipping_profile_id=values["shipping_profile_id"],
        materials=tuple(str(m).strip() for m in (product.materials or []) if str(m).strip()),
        made_to_order=product.made_to_order,
        lead_time_days=product.lead_time_days,
        personalisation_question=values["personalisation_question"] or "",
        personalisation_max_chars=values["personalisation_max_chars"] or 0,
        personalisation_required=bool(values["personalisation_required"]),
        sources=sources,
    )


def missing_facts(context: EtsyContext) -> dict[str, str]:
    return {name: words for name, words in REQUIRED_FACTS.items() if getattr(context, name) in (None, "")}


def listing_problems(payload: ProductPayload, context: EtsyContext) -> dict[str, list[str]]:
    """Every reason Etsy would refuse this listing, per field, found before calling it."""
    problems: dict[str, list[str]] = {}

    def add(name: str, messages: list[str]) -> None:
        if messages:
            problems.setdefault(name, []).extend(messages)

    for name, words in missing_facts(context).items():
        add(name, [f"Etsy needs {words}: set it for the product or its category."])
    add("title", etsy_rules.title_problems(payload.title))
    add("tags", etsy_rules.tag_problems(list(payload.tags)))
    add("materials", etsy_rules.material_problems(list(context.materials)))
    if len(payload.options) > len(CUSTOM_PROPERTY_IDS):
        add(
            "variants",
            [f"Etsy lists at most {len(CUSTOM_PROPERTY_IDS)} variation options; this has {len(payload.options)}."],
        )
    if len(payload.images) > MAX_IMAGES:
        add("images", [f"Etsy takes at most {MAX_IMAGES} images; the approved gallery has {len(payload.images)}."])
    for variant in payload.variants:
        if not Decimal("0.20") <= variant.price <= Decimal("50000"):
            add("price", [f"{variant.sku}: Etsy prices run from 0.20 to 50,000."])
    if context.personalisation_question and not 1 <= context.personalisation_max_chars <= 1024:
        add("personalisation_max_chars", ["Say how many characters the buyer may write (1 to 1024)."])
    return problems


def plain_description(description_html: str) -> str:
    """Etsy's description is plain text: paragraphs and list items become lines."""
    text = re.sub(r"(?i)<\s*(br|/p|/li|/ul|/ol)\s*/?>", "\n", description_html)
    text = re.sub(r"(?i)<\s*li[^>]*>", "• ", text)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.strip() for line in text.splitlines())).strip()


def _price(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def listing_form(payload: ProductPayload, context: EtsyContext, *, readiness_state_id: int, create: bool) -> dict:
    """createDraftListing's (or updateListing's) form: tags and materials go as one comma-separated value each."""
    form = {
        "title": payload.title,
        "description": plain_description(payload.description_html),
        "who_made": context.who_made,
        "when_made": context.when_made,
        "is_supply": bool(context.is_supply),
        "taxonomy_id": context.taxonomy_id,
        "shipping_profile_id": context.shipping_profile_id,
        "tags": list(payload.tags),
        "materials": list(context.materials),
    }
    if create:
        form["price"] = _price(min(v.price for v in payload.variants))
        form["quantity"] = max(1, min(999, sum(max(0, v.inventory_qty) for v in payload.variants)))
        form["readiness_state_id"] = readiness_state_id
    return form


def inventory_body(
    payload: ProductPayload, *, readiness_state_id: int, quantities: dict[str, int] | None = None
) -> dict:
    """updateListingInventory's body: the whole products array, one product per variant, one offering each."""
    properties = list(zip(CUSTOM_PROPERTY_IDS, payload.options, strict=False))
    prices_vary = len({v.price for v in payload.variants}) > 1
    products = []
    for variant in payload.variants:
        quantity = (quantities or {}).get(variant.sku, variant.inventory_qty)
        products.append(
            {
                "sku": variant.sku,
                "property_values": [
                    {"property_id": property_id, "property_name": name, "value_ids": [], "values": [value]}
                    for (property_id, name), value in zip(properties, variant.option_values, strict=False)
                ],
                "offerings": [
                    {
                        "price": _price(variant.price),
                        "quantity": max(0, min(999, int(quantity))),
                        "is_enabled": True,
                        "readiness_state_id": readiness_state_id,
                    }
                ],
            }
        )
    property_ids = [property_id for property_id, _ in properties]
    return {
        "products": products,
        "price_on_property": property_ids if prices_vary else [],
        "quantity_on_property": property_ids,
        "sku_on_property": property_ids,
    }


def personalisation_questions(context: EtsyContext) -> list[dict]:
    if not context.personalisation_question:
        return []
    return [
        {
            "question_text": context.personalisation_question[:255],
            "question_type": "text_input",
            "required": context.personalisation_required,
            "max_allowed_characters": context.personalisation_max_chars,
        }
    ]


def choose_readiness(definitions: list[dict], *, made_to_order: bool, lead_time_days: int) -> int | None:
    """The shop's processing profile for this product: its readiness state, and the processing days that hold
    the maker's lead time (ready to ship: the shortest profile)."""
    state = "made_to_order" if made_to_order else "ready_to_ship"
    candidates = [d for d in definitions if d.get("readiness_state") == state]
    if not candidates:
        return None
    days = max(1, lead_time_days) if made_to_order else 1
    holding = [d for d in candidates if d.get("min_processing_days", 0) <= days <= d.get("max_processing_days", 0)]
    pool = holding or candidates
    best = min(pool, key=lambda d: (abs(d.get("max_processing_days", 0) - days), d.get("max_processing_days", 0)))
    return int(best["readiness_state_id"])
