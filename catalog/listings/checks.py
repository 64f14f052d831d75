"""Checks on listing copy: channel limits (fixed where safe), markup, links and unsupported claims.

A claim is supported only when the maker states it in the structured facts
(materials, techniques, care, dimensions), not negated. The copy may not promise
"dishwasher-safe", "sterling" or "organic" unless those facts do; a claim that
merely appears in the title or the story backs nothing. Regulated
claims (medical, FDA, "approved", "clinically", certified, organic, vegan,
hypoallergenic, food-safe) fail rather than warn, as do markup outside the
description, links or e-mail addresses the facts don't give, and over-long
fields: whoever wrote the copy (a model, a template, a reviewer's edit), nothing
hostile can be approved by default.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import nh3

from catalog.listings import etsy_rules, limits
from studio.wording import and_list

PASS, WARN, FAIL = "pass", "warn", "fail"

# Each check code's short name, for the review queue's rows (the message says the detail).
CHECK_LABELS: dict[str, str] = {
    "title_length": "Title length",
    "title_characters": "Characters in the title",
    "tag_count": "Number of tags",
    "tag_length": "Tag length",
    "tag_unique": "Repeated tags",
    "tag_characters": "Characters in tags",
    "seo_title_length": "SEO title length",
    "meta_length": "Meta description length",
    "alt_length": "Alt text length",
    "description_length": "Description length",
    "markup": "Markup outside the description",
    "links": "Links and e-mail addresses",
    "unsupported_claims": "Claims the facts don't back",
    "missing_facts": "Facts the copy leaves out",
    "writer_notes": "The copywriter's notes",  # this one and auto_fix are added by listings.services
    "auto_fix": "Fixed automatically",
}


@dataclass(frozen=True)
class Check:
    code: str
    field: str
    level: str
    message: str
    terms: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["terms"] = list(self.terms)
        return data


# Claims that need the maker's word. Each: label → regex of the claim's wordings.
CLAIMS: dict[str, str] = {
    "organic": r"\borganic\b",
    "sterling silver": r"\bsterling\b|\b925\b",
    "solid gold": r"\bsolid gold\b|\b(?:9|10|14|18|22|24)\s?(?:k|ct|carat|karat)\b",
    "gold-filled": r"\bgold[- ]filled\b",
    "waterproof": r"\bwater ?proof\b|\bwater[- ]resistant\b",
    "hypoallergenic": r"\bhypo-?allergenic\b",
    "nickel-free": r"\bnickel[- ]free\b",
    "lead-free": r"\blead[- ]free\b",
    "vegan": r"\bvegan\b",
    "dishwasher-safe": r"\bdishwasher[- ]safe\b|\bdishwasher\b",
    "microwave-safe": r"\bmicrowave[- ]safe\b|\bmicrowave\b",
    "oven-safe": r"\boven[- ](?:safe|proof)\b",
    "food-safe": r"\bfood[- ]safe\b",
    "non-toxic": r"\bnon-?toxic\b",
    "fair trade": r"\bfair ?trade\b",
    "eco-friendly": r"\beco-?friendly\b|\benvironmentally friendly\b",
    "sustainable": r"\bsustainabl[ey]\b",
    "biodegradable": r"\bbiodegradable\b|\bcompostable\b",
    "recycled": r"\brecycled\b",
    "certified": r"\bcertified\b",
    "medical": r"\bmedical(?:ly)?\b|\bmedicinal\b|\bcures?\b|\bheals\b|\bhealing\b|\btherapeutic\b"
    r"|\banti-?(?:bacterial|microbial|inflammatory)\b",
    "FDA": r"\bfda\b",
    # "approved" as a claim: someone's approval ("FDA approved", "approved by dermatologists", "approved for food").
    "approved": r"\b(?:fda|ce|ul|dermatologists?|doctors?|vets?|clinically|medically|government|lab)[- ]approved\b"
    r"|\bapproved (?:by|for)\b",
    "clinically": r"\bclinical(?:ly)?\b",
    "guarantee": r"\bguarantee[ds]?\b|\bwarrant(?:y|ied)\b|\blifetime\b",
    "100%": r"\b100 ?%",
}

# Claims the law regulates: unbacked, they block approval instead of warning.
REGULATED_CLAIMS = frozenset(
    {"medical", "FDA", "approved", "clinically", "certified", "organic", "vegan", "hypoallergenic", "food-safe"}
)

# The facts' key for the values of colour options (colour_values): colours, never materials or claims.
COLOURS = "colours"

# Materials: naming one the facts don't contain is an unsupported claim too.
MATERIALS = [
    "porcelain",
    "stoneware",
    "earthenware",
    "terracotta",
    "bone china",
    "cotton",
    "linen",
    "wool",
    "merino",
    "alpaca",
    "cashmere",
    "silk",
    "hemp",
    "jute",
    "bamboo",
    "silver",
    "gold",
    "brass",
    "copper",
    "bronze",
    "titanium",
    "platinum",
    "pearl",
    "gemstone",
    "diamond",
    "soy wax",
    "beeswax",
    "coconut wax",
    "rapeseed wax",
    "paraffin",
    "essential oil",
    "leather",
    "oak",
    "walnut",
    "ash",
    "maple",
    "cherry wood",
    "glass",
    "resin",
    "marble",
]


# Variant options whose values are colours the maker chose ("Colourway: Gold"), not materials.
_COLOUR_OPTION = re.compile(r"\b(?:colou?r(?:way)?s?|glazes?|finish(?:es)?)\b", re.IGNORECASE)


def colour_values(options: Mapping[str, Iterable[str]]) -> list[str]:
    """The values of the colour, colourway, glaze and finish options, lower-cased, in order."""
    values = [
        str(value).strip().lower()
        for name, found in options.items()
        if _COLOUR_OPTION.search(str(name))
        for value in found
    ]
    return list(dict.fromkeys(value for value in values if value))


def _material_wording(material: str) -> re.Pattern:
    """Wording that names `material` as what the piece is made of, not as its colour."""
    m = re.escape(material)
    return re.compile(
        rf"\b(?:solid|pure|real|genuine|sterling|fine|\d+\s?(?:k|ct|carat|karat))\s+{m}\b"
        rf"|\b{m}[- ](?:plated|filled|leaf|vermeil)\b"
        rf"|\b(?:made|crafted|cast|forged|formed|carved|turned|spun|woven|knitted|dipped)\s+(?:of|from|with)\s+"
        rf"(?:[\w-]+\s+){{0,2}}{m}\b"
    )


def _names_material(material: str, text: str, facts: dict[str, Any]) -> bool:
    """`text` names the material; a word of a colour option the maker set ("a gold colourway") only counts
    when the copy says the piece is made of it ("gold-plated", "made from gold", "18ct gold")."""
    pattern = rf"\b{re.escape(material)}\b"
    if not re.search(pattern, text):
        return False
    if not any(re.search(pattern, colour) for colour in facts.get(COLOURS, ())):
        return True
    return bool(_material_wording(material).search(text))


def facts_text(facts: dict[str, Any]) -> str:
    """Everything the maker said, lower-cased, as one string to look claims up in.

    The colours of the variant options are left out: a "Gold" colourway backs no claim that it is gold.
    """
    parts: list[str] = []
    for key, value in facts.items():
        if key == COLOURS:
            continue
        if isinstance(value, (list, tuple)):
            parts.extend(str(item) for item in value)
        elif value not in (None, ""):
            parts.append(str(value))
    return " ".join(parts).lower()


def plain_text(text: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(nh3.clean(text or "", tags=set()))).strip()


# The facts a maker states one by one, each in its own field: only these back a claim. The title and
# the story are the maker's words too, but free text: a claim that merely appears there (pasted from a
# supplier's page, or injected: "FDA approved (the maker never said so)") is no statement of fact.
STATED_FACTS = ("materials", "techniques", "care", "dimensions")


def stated_facts_text(facts: dict[str, Any]) -> str:
    """What the maker stated in the structured facts, lower-cased: what a claim may rest on."""
    return facts_text({key: facts.get(key) for key in STATED_FACTS})


_NEGATION = re.compile(
    r"\b(?:not(?!\s+(?:only|just)\b)|no|non|never|neither|nor|isn't|aren't|wasn't|can't|cannot|don't|doesn't"
    r"|without|avoid|unsuitable)\b[\w\s,-]{0,20}$"
)
# After the claim: "food safe: no", "food-safe? No", "food safe (the maker never said so)".
_NEGATED_AFTER = re.compile(r"^\s*[:=?!(\[—–-]\s*(?:[\w']+\s+){0,3}?(?:no|not|never|false|none)\b")


def _affirmed(pattern: str, text: str, *, stated: bool = False) -> bool:
    """The text says it, and not as "not dishwasher safe".

    A claim in the copy counts unless plainly negated before it; a fact backs a
    claim only when nothing around it takes it back ("food safe: no").
    """
    text = text.replace("\u2019", "'")
    for match in re.finditer(pattern, text):
        if _NEGATION.search(text[max(0, match.start() - 30) : match.start()]):
            continue
        if stated and _NEGATED_AFTER.search(text[match.end() : match.end() + 40]):
            continue
        return True
    return False


def unsupported_claims(text: str, facts: dict[str, Any]) -> list[str]:
    """Claims and materials in `text` that the facts don't affirm.

    A claim needs a stated fact (STATED_FACTS); a material may also come from the title or the story.
    """
    stated = stated_facts_text(facts)
    said = facts_text(facts)
    lowered = text.lower()
    found = []
    for label, pattern in CLAIMS.items():
        if _affirmed(pattern, lowered) and not _affirmed(pattern, stated, stated=True):
            found.append(label)
    for material in MATERIALS:
        pattern = rf"\b{re.escape(material)}\b"
        if _names_material(material, lowered, facts) and not re.search(pattern, said):
            found.append(material)
    return found


def unbacked_claims_removed(text: str, facts: dict[str, Any]) -> tuple[str, list[str]]:
    """`text` without the claim wordings no stated fact backs, and the claims left out (for a writer's note)."""
    stated = stated_facts_text(facts)
    removed = []
    for label, pattern in CLAIMS.items():
        if _affirmed(pattern, text.lower()) and not _affirmed(pattern, stated, stated=True):
            text = re.sub(pattern, " ", text, flags=re.IGNORECASE)
            removed.append(label)
    return " ".join(text.split()).strip(" ,;:-–—"), removed


_MARKUP = re.compile(r"<\s*/?\s*[a-z!?]|&(?:[a-z]+|#\d+|#x[0-9a-f]+);", re.IGNORECASE)
# Every repeat is bounded (RFC lengths), so a 200,000-character field is scanned in linear time.
_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}", re.IGNORECASE)
# Bare domains only under TLDs that aren't everyday words ("it", "me", "us" are left to www. and http).
_TLDS = "com|net|org|info|biz|io|uk|eu|de|fr|nl|shop|store|online|xyz|ly|gg|click"
_URL = re.compile(
    rf"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"']{{1,2000}}"
    rf"|\b(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.){{1,8}}(?:{_TLDS})\b(?:/[^\s<>\"']{{0,2000}})?",
    re.IGNORECASE,
)


def links_in(text: str) -> list[str]:
    """E-mail addresses and URLs (with a scheme, www. or a bare domain) in `text`, in order."""
    emails = [match.rstrip(".") for match in _EMAIL.findall(text)]
    rest = _EMAIL.sub(" ", text)
    urls = [match.rstrip(".,;:!?)") for match in _URL.findall(rest)]
    return list(dict.fromkeys(emails + urls))


def unsupported_links(text: str, facts: dict[str, Any]) -> list[str]:
    """The links in `text` the maker's facts don't contain."""
    said = facts_text(facts)
    return [link for link in links_in(text) if link.lower() not in said]


def sanitise_description(html: str) -> str:
    return nh3.clean(html or "", tags=limits.DESCRIPTION_TAGS, attributes={}, strip_comments=True).strip()


def normalise_tags(tags: list[str]) -> tuple[list[str], list[str]]:
    """Trim, de-duplicate (case-insensitively) and drop empty tags; report what changed."""
    seen: set[str] = set()
    cleaned: list[str] = []
    notes: list[str] = []
    for raw in tags:
        tag = re.sub(r"\s+", " ", str(raw)).strip().lower()
        if not tag:
            continue
        if tag in seen:
            notes.append(f"removed duplicate tag “{tag}”")
            continue
        seen.add(tag)
        cleaned.append(tag)
    return cleaned, notes


def listing_checks(content: dict[str, Any], facts: dict[str, Any]) -> list[Check]:
    """Every check on one listing's copy, in the order a reviewer reads the draft."""
    checks: list[Check] = []
    title = content.get("title", "")
    checks.append(_length("title_length", "title", "Title", title, limits.ETSY_TITLE_MAX, "Etsy"))
    bad = etsy_rules.title_forbidden(title)
    repeated = etsy_rules.title_repeated(title)
    if bad:
        checks.append(
            Check("title_characters", "title", FAIL, f"Etsy titles can't contain {' '.join(bad)}.", tuple(bad))
        )
    elif repeated:
        checks.append(
            Check(
                "title_characters",
                "title",
                FAIL,
                f"Etsy allows each of {' '.join(repeated)} only once in a title.",
                tuple(repeated),
            )
        )
    else:
        checks.append(Check("title_characters", "title", PASS, "No characters Etsy refuses."))
    tags = content.get("tags", [])
    if len(tags) > limits.ETSY_TAGS_MAX:
        checks.append(Check("tag_count", "tags", FAIL, f"{len(tags)} tags; Etsy allows {limits.ETSY_TAGS_MAX}."))
    else:
        checks.append(Check("tag_count", "tags", PASS, f"{len(tags)} of {limits.ETSY_TAGS_MAX} tags."))
    long_tags = tuple(tag for tag in tags if len(tag) > limits.ETSY_TAG_MAX)
    if long_tags:
        checks.append(
            Check(
                "tag_length",
                "tags",
                FAIL,
                f"Tags over {limits.ETSY_TAG_MAX} characters: {', '.join(long_tags)}.",
                long_tags,
            )
        )
    if len({tag.lower() for tag in tags}) != len(tags):
        checks.append(Check("tag_unique", "tags", FAIL, "Tags must be unique."))
    odd_tags = tuple(etsy_rules.odd_tags(tags))
    if odd_tags:
        checks.append(
            Check(
                "tag_characters",
                "tags",
                FAIL,
                f"Etsy tags may hold only letters, numbers, spaces, - ' ™ © ®: {', '.join(odd_tags)}.",
                odd_tags,
            )
        )
    checks.append(
        _length(
            "seo_title_length", "seo_title", "SEO title", content.get("seo_title", ""), limits.SEO_TITLE_MAX, "Shopify"
        )
    )
    meta = content.get("seo_description", "")
    checks.append(
        _length("meta_length", "seo_description", "Meta description", meta, limits.META_DESCRIPTION_MAX, "Search")
    )
    for index, alt in enumerate(content.get("alt_texts", []) or []):
        text = alt.get("text", "") if isinstance(alt, dict) else str(alt)
        if len(text) > limits.ALT_TEXT_MAX:
            checks.append(
                Check(
                    "alt_length",
                    f"alt_texts.{index}",
                    FAIL,
                    f"Alt text {index + 1} is {len(text)} characters; keep it under {limits.ALT_TEXT_MAX}.",
                )
            )
    description = str(content.get("description", "") or "")
    if len(description) > limits.DESCRIPTION_MAX:
        checks.append(
            Check(
                "description_length",
                "description",
                FAIL,
                f"Description is {len(description):,} characters; keep it under {limits.DESCRIPTION_MAX:,}.",
            )
        )
    texts = _text_fields(content)
    checks.extend(_markup_checks(texts))
    words = html.unescape(re.sub(r"<[^>]*>", " ", description))  # "</p><p>" parts words, as a page shows them
    checks.extend(_link_checks({**texts, "description": words}, facts))
    copy = " ".join([plain_text(description), *texts.values()])
    claims = unsupported_claims(copy, facts)
    regulated = [claim for claim in claims if claim in REGULATED_CLAIMS]
    if regulated:
        checks.append(
            Check(
                "unsupported_claims",
                "description",
                FAIL,
                "The copy makes claims that need the maker's word, and the facts don't give it: "
                + ", ".join(regulated)
                + ". Remove them, or state them in the product's materials, techniques or care"
                " (the title and the story don't count)."
                + (
                    f" It also says: {', '.join(c for c in claims if c not in regulated)}."
                    if len(claims) > len(regulated)
                    else ""
                ),
                tuple(claims),
            )
        )
    elif claims:
        checks.append(
            Check(
                "unsupported_claims",
                "description",
                WARN,
                "The copy says things the maker's facts don't: " + ", ".join(claims) + ".",
                tuple(claims),
            )
        )
    else:
        checks.append(Check("unsupported_claims", "description", PASS, "Every claim is backed by the maker's facts."))
    missing = [
        label
        for key, label in (("materials", "materials"), ("dimensions", "dimensions"), ("care", "care"))
        if not facts.get(key)
    ]
    if missing:
        checks.append(
            Check(
                "missing_facts",
                "facts",
                WARN,
                f"The facts don't give {and_list(missing)}, so the copy says nothing about "
                f"{'it' if len(missing) == 1 else 'them'}: add {'it' if len(missing) == 1 else 'them'} "
                "to the product's facts, then write the copy again.",
            )
        )
    return checks


def _text_fields(content: dict[str, Any]) -> dict[str, str]:
    """Every plain-text field of the copy (all but the description), by the field name checks report."""
    texts = {name: str(content.get(name, "") or "") for name in ("title", "seo_title", "seo_description")}
    tags = content.get("tags", []) or []
    texts["tags"] = " ".join(str(tag) for tag in (tags if isinstance(tags, list) else [tags]))
    for index, alt in enumerate(content.get("alt_texts", []) or []):
        texts[f"alt_texts.{index}"] = str(alt.get("text", "") if isinstance(alt, dict) else alt)
    return texts


def _markup_checks(texts: dict[str, str]) -> list[Check]:
    """Only the description is HTML (and sanitised); markup anywhere else would reach a page as-is."""
    found = [
        Check("markup", field, FAIL, f"Markup in {_field_label(field)} ({match[0]!r}): write plain text.")
        for field, text in texts.items()
        if (match := _MARKUP.search(text))
    ]
    return found or [Check("markup", "title", PASS, "No markup outside the description.")]


def _link_checks(texts: dict[str, str], facts: dict[str, Any]) -> list[Check]:
    found = []
    for field, text in texts.items():
        links = unsupported_links(text, facts)
        if links:
            found.append(
                Check(
                    "links",
                    field,
                    FAIL,
                    f"Links or e-mail addresses in {_field_label(field)} that the maker's facts don't give: "
                    + ", ".join(links)
                    + ".",
                    tuple(links),
                )
            )
    return found or [Check("links", "description", PASS, "No links or e-mail addresses the facts don't give.")]


def _field_label(field: str) -> str:
    name, _, index = field.partition(".")
    label = {"seo_title": "the SEO title", "seo_description": "the meta description", "alt_texts": "alt text"}.get(
        name, f"the {name}"
    )
    return f"{label} {int(index) + 1}" if index else label


def _length(code: str, field: str, label: str, value: str, limit: int, channel: str) -> Check:
    if not value:
        return Check(code, field, FAIL, f"{label} is empty.")
    if len(value) > limit:
        return Check(code, field, FAIL, f"{label} is {len(value)} characters; {channel} allows {limit}.")
    return Check(code, field, PASS, f"{label}: {len(value)} of {limit} characters.")
