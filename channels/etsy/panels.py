"""What the Etsy channel adds to other pages: the product's Etsy panel (facts form, what Etsy would refuse,
per field, and the product's Etsy reviews) and, for managers, the connection's state in the catalogue."""

from __future__ import annotations

from catalog.models import Product
from channels.etsy.client import field_errors
from channels.etsy.errors import HEADLINE
from channels.etsy.forms import EtsyFactsForm
from channels.etsy.listing import FACT_FIELDS, REQUIRED_FACTS, context_for, effective_facts, listing_problems
from channels.etsy.tokens import account_get
from channels.etsy.vocab import WHEN_MADE, WHO_MADE
from channels.models import ChannelListing, Review
from channels.registry import channels
from channels.services import NotPublishable, payload_for
from studio import panels
from studio.permissions import CHANGE, VIEW, can, is_manager

LABELS = {
    "who_made": "Who made it",
    "when_made": "When it was made",
    "is_supply": "Supply or finished item",
    "taxonomy_id": "Etsy category",
    "shipping_profile_id": "Shipping profile",
    "title": "Title",
    "tags": "Tags",
    "materials": "Materials",
    "variants": "Variants",
    "images": "Images",
    "price": "Price",
    "readiness": "Processing profile",
    "personalisation_max_chars": "Personalisation",
    "": "Etsy",
}


def _etsy_enabled() -> bool:
    return "etsy" in channels.configured and channels.get("etsy").enabled


def _product_etsy(request, product: Product) -> dict | None:
    if not _etsy_enabled() or not can(request.user, VIEW, product):
        return None
    values, sources = effective_facts(product=product)
    problems: dict[str, list[str]] = {}
    try:
        payload = payload_for(product=product)
    except (NotPublishable, ValueError):
        payload = None  # the publishing panel already says what approval is missing
    if payload is not None:
        problems = listing_problems(payload, context_for(handle=product.handle))
    else:
        problems = {
            name: [f"Etsy needs {words}."] for name, words in REQUIRED_FACTS.items() if values[name] in (None, "")
        }
    listing = ChannelListing.objects.filter(product=product, channel="etsy").first()
    refused = field_errors({"error": listing.error}) if listing is not None and listing.error else {}
    if "" in refused:
        refused[""] = [message for message in refused[""] if message != HEADLINE]
        if not refused[""]:
            del refused[""]
    shown = {"who_made": dict(WHO_MADE), "when_made": dict(WHEN_MADE)}
    facts = [
        {
            "name": name,
            "label": LABELS.get(name, name),
            "value": shown[name].get(values[name], values[name]) if name in shown else values[name],
            "source": sources.get(name, ""),
        }
        for name in FACT_FIELDS
        if name in REQUIRED_FACTS
    ]
    return {
        "product": product,
        "facts": facts,
        "problems": [(LABELS.get(name, name), messages) for name, messages in problems.items()],
        "refused": [(LABELS.get(name, name.replace("_", " ")), messages) for name, messages in refused.items()],
        "form": EtsyFactsForm(product=product) if can(request.user, CHANGE, product) else None,
        "reviews": list(Review.objects.filter(product=product, channel="etsy")[:10]),
        "personalisation": values.get("personalisation_question") or "",
    }


def _etsy_connection(request, obj) -> dict | None:
    if not is_manager(request.user) or not _etsy_enabled():
        return None
    return {"account": account_get()}


panels.register(
    panels.Panel(
        slot=panels.PRODUCT,
        name="etsy",
        template="channels/etsy/product_etsy.html",
        context=_product_etsy,
        order=41,
    )
)
panels.register(
    panels.Panel(
        slot="catalogue_notes",
        name="etsy_connection",
        template="channels/etsy/connection_note.html",
        context=_etsy_connection,
    )
)
