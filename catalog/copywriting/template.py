"""The offline copywriter: listing copy composed from the maker's facts alone.

It can't invent a claim because every word is either the maker's own (title,
materials, techniques, dimensions, care, story, variant options) or comes from
a small phrase bank that makes no claim at all (tests hold every bank entry to
that). Phrasing varies by category, by the studio's brand voice and by a hash of
the product's handle, so a shop's listings don't read like a form letter, yet
the same facts always give the same copy.

What it can't do, it says in `notes`: missing facts, contradictions, reviewer
instructions it could not follow.
"""

from __future__ import annotations

import hashlib
import re

from catalog.copywriting.base import Copywriter, ListingBrief, ListingCopy, NoteReading
from catalog.copywriting.phrases import (
    ALT_SUFFIXES,
    CLOSERS,
    COLOUR_SENTENCES,
    GIFT_TAGS,
    HANDMADE_TAGS,
    KIND_TAGS,
    LEADING_ADJECTIVES,
    MINIMAL_OPENERS,
    MINIMAL_OPENERS_WITHOUT_MATERIALS,
    OPENERS,
    OPENERS_WITHOUT_MATERIALS,
    STORY_INTROS,
    TECHNIQUE_SENTENCES,
    VOICE_LEADS,
)
from catalog.copywriting.plan import NOTE_ASKS, kind_of, plan_for, read_note, words_of
from catalog.copywriting.text import (
    MATERIAL_TERMS,
    SENTENCE_END,
    SMALL_WORDS,
    TITLE_FORBIDDEN,
    as_tag,
    claims_in,
    clean,
    clip,
    escape,
    join_list,
    plain,
    title_case,
    unique,
    unquote,
    weight_label,
)
from catalog.listings import limits
from catalog.listings.checks import sanitise_description, unbacked_claims_removed, unsupported_links

# --- Patterns ----------------------------------------------------------------------

_NUMBER = r"\d+(?:[.,]\d+)?"
_MEASURE = re.compile(
    rf"{_NUMBER}(?:\s?(?:x|×|by)\s?{_NUMBER})*\s?(?:mm|cm|m|in|inch|inches|ml|cl|l|oz|g|kg)\b", re.IGNORECASE
)
_HANDMADE = re.compile(
    r"\bhand[- ]?(?:made|built|thrown|stitched|sewn|knitted|woven|dyed|poured|carved|forged|painted|spun|raised|"
    r"formed|crafted)\b"
    r"|\bby hand\b|\bwheel[- ]thrown\b"
)
_PARTICIPLE = re.compile(r"(?:ed|wn|ilt|ast|un|en|ought|bent|burnt|dyed|(?:^|-)(?:set|cut))$")
_NOT_PLAIN = re.compile(r"[<>]|&(?=#?\w+;)")
_COLOUR_KEYS = {"colour", "color", "colourway", "colorway", "colours", "colors", "glaze"}

STORY_MAX = 320
CARE_MAX = 400
FACT_MAX = 80  # one material, technique or option, as the API stores them; longer is cut, with an ellipsis
DIMENSIONS_MAX = 120  # Product.dimensions
OPTION_VALUES_MAX = 12


class _Picker:
    """Deterministic choices: the same handle always picks the same phrasing."""

    def __init__(self, key: str) -> None:
        self.digest = hashlib.blake2b(key.encode("utf-8", "replace"), digest_size=32).digest()

    def pick(self, slot: int, bank: tuple[str, ...]) -> str:
        return bank[self.digest[slot % 32] % len(bank)] if bank else ""

    def rotate(self, slot: int, items: tuple[str, ...]) -> list[str]:
        if not items:
            return []
        n = self.digest[slot % 32] % len(items)
        return list(items[n:] + items[:n])


class TemplateCopywriter(Copywriter):
    """Facts-only listing copy: offline, deterministic, fast (no I/O inside write)."""

    # Said from the notes catalog.copywriting.plan understands, so the help can't promise more than it does.
    note_help = (
        "The offline writer can follow a note asking for: "
        + "; ".join(NOTE_ASKS)
        + ". Anything else stays in your note for the maker to change by hand."
    )

    def read_note(self, note: str) -> NoteReading:
        followed, passed_on = read_note(note)
        return NoteReading(followed=tuple(followed), passed_on=tuple(passed_on))

    def write(self, *, brief: ListingBrief) -> ListingCopy:
        facts = brief.facts()
        picker = _Picker(brief.handle or brief.title)
        plan = plan_for(brief)
        notes = plan.notes

        name, title_claims = unbacked_claims_removed(plain(brief.title), facts)
        if title_claims:
            name = name[:1].upper() + name[1:]
            notes.append(
                f"Left “{'”, “'.join(title_claims)}” out of the copy: the title says it, but a claim counts only "
                "when the materials, techniques or care state it."
            )
        if not re.search(r"\w", name):
            name = plain(brief.category) or "New piece"
            notes.append("The product has no usable title; the listing title is a placeholder to replace.")
        materials = unique(clip(clean(m), FACT_MAX, ellipsis=True) for m in brief.materials)
        techniques = unique(clip(clean(t), FACT_MAX, ellipsis=True) for t in brief.techniques)
        dimensions = clip(clean(brief.dimensions), DIMENSIONS_MAX, ellipsis=True)
        care = clean(brief.care)
        story, story_claims = _story_without_claims(unquote(clean(brief.story)), facts)
        if story_claims:
            notes.append(
                f"Left the story's sentences saying “{'”, “'.join(story_claims)}” out of the copy: a claim counts "
                "only when the materials, techniques or care state it."
            )
        # Only the structured facts decide "handmade"; the story and care are quoted, never mined.
        structured = " ".join([brief.title, brief.category, *brief.materials, *brief.techniques]).lower()
        handmade = plan.handmade and bool(_HANDMADE.search(structured))
        options, dropped = self._options(brief, facts)
        colours = unique(
            clean(str(value))
            for key, values in brief.options.items()
            if key.strip().lower() in _COLOUR_KEYS
            for value in values
        )
        safe_colours = [c for key, values in options.items() if key.strip().lower() in _COLOUR_KEYS for c in values]
        for value in dropped:
            notes.append(
                f"Left “{value}” out of the copy: as an option value it reads as a claim the facts don't make."
            )
        self._fact_notes(brief, materials, techniques, dimensions, care, name, notes)

        at_studio = f"at {clean(brief.studio_name)}" if _named_studio(brief.studio_name, facts) else "in our studio"
        title_material = _title_material(materials)
        head, title = self._title(name, title_material, techniques, dimensions, brief.made_to_order, plan)
        noun = _noun(name)

        description = self._description(
            brief,
            plan,
            picker,
            name=name,
            materials=materials,
            techniques=techniques,
            dimensions=dimensions,
            care=care,
            story=story,
            options=options,
            colours=safe_colours,
            at_studio=at_studio,
        )
        tags = self._tags(
            brief,
            plan,
            picker,
            name=name,
            noun=noun,
            material=title_material,
            materials=materials,
            techniques=techniques,
            colours=safe_colours,
            handmade=handmade,
        )
        return ListingCopy(
            title=title,
            description=description,
            tags=tags,
            seo_title=self._seo_title(head, brief.studio_name, facts),
            seo_description=self._seo_description(name, materials, techniques, dimensions, brief, plan),
            alt_texts=self._alt_texts(brief, head, title_material),
            category=self._category(brief, plan.kind),
            materials=materials,
            colours=colours,
            notes=unique(notes),
        )

    # --- Decisions ------------------------------------------------------------------

    def _options(self, brief: ListingBrief, facts: dict) -> tuple[dict[str, list[str]], list[str]]:
        """Variant options safe to name in the copy, and the values left out as claims."""
        safe: dict[str, list[str]] = {}
        dropped: list[str] = []
        for key, values in brief.options.items():
            label = clip(clean(str(key)), FACT_MAX, ellipsis=True)
            if claims_in(label, facts):  # the option's name makes the claim: none of its values is named
                dropped.append(label)
                continue
            kept = []
            for value in unique(clip(clean(str(v)), FACT_MAX, ellipsis=True) for v in values):
                if claims_in(value, facts):
                    dropped.append(value)
                else:
                    kept.append(value)
            if label and kept:
                safe[label] = kept
        return safe, dropped

    def _fact_notes(self, brief, materials, techniques, dimensions, care, name, notes: list[str]) -> None:
        if not materials:
            notes.append("Materials not given: the copy names none.")
        if not techniques:
            notes.append("Techniques not given: the copy doesn't say how it is made.")
        if not dimensions:
            notes.append("Dimensions not given: the copy gives no size.")
        if not care:
            notes.append("Care instructions not given.")
        if not brief.photos:
            notes.append("No photos yet, so no alt text.")
        if brief.made_to_order and not brief.lead_time_days:
            notes.append("Made to order, but no lead time is given: the copy promises no dispatch time.")
        if not brief.made_to_order and brief.lead_time_days:
            notes.append("A lead time is given but the product isn't made to order; the lead time is left out.")
        if brief.weight_grams == 0:
            notes.append("Weight is given as 0 g; left out.")
        if materials:
            in_title = set(MATERIAL_TERMS.findall(name.lower()))
            listed = set(MATERIAL_TERMS.findall(" ".join(materials).lower()))
            if in_title - listed:
                notes.append(
                    f"The title mentions {join_list(sorted(in_title - listed))} but the materials don't list it; check the facts."
                )

    # --- Parts of the copy ----------------------------------------------------------------

    def _title(self, name, material, techniques, dimensions, made_to_order, plan) -> tuple[str, str]:
        """(head, full title): 'Celadon Stoneware Mug' and 'Celadon Stoneware Mug – Wheel-Thrown, 9 cm'."""
        words = name.split()
        lowered = name.lower()
        tail: list[str] = []
        head = name
        named = set(MATERIAL_TERMS.findall(lowered))
        if material and not named & set(MATERIAL_TERMS.findall(material.lower())):
            if set(material.lower().split()) & set(lowered.split()):
                material = MATERIAL_TERMS.findall(material.lower())[-1]  # "speckled stoneware" in "Speckled bowl"
            connected = any(w.lower() in SMALL_WORDS or not w[-1].isalnum() for w in words)
            if len(words) <= 5 and not connected:
                lead = 0
                while lead < len(words) - 1 and words[lead].lower() in LEADING_ADJECTIVES:
                    lead += 1
                head = " ".join(words[:lead] + [material] + words[lead:])
            else:
                tail.append(material)
        head = title_case(head)
        if techniques and len(techniques[0]) <= 30 and techniques[0].lower() not in lowered:
            tail.append(techniques[0])
        measure = _MEASURE.search(dimensions)
        if measure:
            tail.append(re.sub(r"(\d)(?=[a-zA-Z])", r"\1 ", measure.group(0)))
        if made_to_order:
            tail.append("made to order")
        if plan.plain_title:
            tail = []
        head = clip(plain(head), limits.ETSY_TITLE_MAX)
        tail = [part for part in (title_case(plain(part)) for part in tail) if part]
        while tail:
            title = head + plan.separator + ", ".join(tail)
            if len(title) <= limits.ETSY_TITLE_MAX:
                return head, title
            tail.pop()
        return head, head

    def _description(
        self, brief, plan, picker, *, name, materials, techniques, dimensions, care, story, options, colours, at_studio
    ) -> str:
        voice, kind = plan.voice, plan.kind
        esc = escape
        slots = {"name": esc(name), "at_studio": esc(at_studio)}
        if materials and not all(m.lower() in name.lower() for m in materials):
            joined = esc(join_list(materials))
            slots.update(materials=joined, Materials=joined[:1].upper() + joined[1:])
            bank = MINIMAL_OPENERS if voice == "minimal" else OPENERS[kind]
        else:
            bank = MINIMAL_OPENERS_WITHOUT_MATERIALS if voice == "minimal" else OPENERS_WITHOUT_MATERIALS[kind]
        opening = picker.pick(2, bank).format(**slots)
        if ":" not in opening:
            opening = picker.pick(1, VOICE_LEADS[voice]) + opening
        if len(colours) > 1:
            opening += " " + picker.pick(3, COLOUR_SENTENCES[voice]).format(
                colours=esc(join_list(colours[:OPTION_VALUES_MAX]))
            )
        paragraphs = [opening]

        if techniques:
            how = esc(_how(techniques))
            sentence = picker.pick(4, TECHNIQUE_SENTENCES[voice]).format(
                how=how, How=how[:1].upper() + how[1:], at_studio=esc(at_studio)
            )
            if plan.short:
                paragraphs[0] += " " + sentence
            else:
                paragraphs.append(sentence)

        if story and plan.story:
            quoted, shortened = _story_excerpt(story, first_sentence_only=plan.short)
            if shortened:
                plan.notes.append("The maker's story was shortened to fit; the full story is in the product's facts.")
            paragraphs.append(f"{picker.pick(5, STORY_INTROS[voice])} “{esc(quoted)}”")

        if not plan.short:
            closers = CLOSERS[voice].get(kind, CLOSERS[voice].get("generic", ()))
            if not plan.gifts:
                closers = tuple(c for c in closers if not re.search(r"\bgi(?:ft|ve)", c))
            closer = picker.pick(6, closers)
            if closer:
                paragraphs.append(closer)

        details = []
        if materials:
            details.append(("Materials", join_list(materials)))
        if techniques:
            details.append(("Technique" if len(techniques) == 1 else "Techniques", join_list(techniques)))
        if dimensions:
            details.append(("Size", dimensions))
        if brief.weight_grams:
            details.append(("Weight", weight_label(brief.weight_grams)))
        for label, values in options.items():
            shown = values[:OPTION_VALUES_MAX]
            more = f" and {len(values) - len(shown)} more" if len(values) > len(shown) else ""
            label = label[:1].upper() + label[1:]
            if any(label.lower() == taken.lower() for taken, _ in details):
                label += " options"
            details.append((label, ", ".join(shown) + more))
        if care:
            details.append(("Care", clip(care, CARE_MAX, ellipsis=True)))
            if len(care) > CARE_MAX:
                plan.notes.append("The care instructions were cut short in the copy; check nothing important was lost.")
        if brief.made_to_order:
            days = brief.lead_time_days
            lead = f"please allow {days} day{'s' if days != 1 else ''} before dispatch" if days else "yes"
            details.append(("Made to order", lead))

        parts = [f"<p>{paragraph}</p>" for paragraph in paragraphs]
        if details:
            items = "".join(f"<li><strong>{esc(label)}:</strong> {esc(value)}</li>" for label, value in details)
            parts.append(f"<ul>{items}</ul>")
        return sanitise_description("".join(parts))

    def _tags(
        self, brief, plan, picker, *, name, noun, material, materials, techniques, colours, handmade
    ) -> list[str]:
        kind = plan.kind
        core = [name.lower()]
        if noun and material:
            core.append(f"{material.lower()} {noun}")
        if handmade:
            core.extend([f"handmade {noun}" if noun else "", "handmade"])
        category = [brief.category.lower()] + picker.rotate(7, KIND_TAGS[kind]) + ([noun] if noun else [])
        if handmade:
            category += list(HANDMADE_TAGS[kind])
        material_tags: list[str] = []
        for item in materials:
            material_tags.append(item)
            material_tags.extend(MATERIAL_TERMS.findall(item.lower()))
        colour_tags = []
        for colour in colours:
            colour_tags.append(f"{colour} {noun}" if noun else colour)
            colour_tags.append(colour)
        extras = ["made to order"] if brief.made_to_order else []
        gifts = (plan.example_gift_tags + picker.rotate(8, GIFT_TAGS[kind])) if plan.gifts else []
        groups = [category, material_tags, list(techniques), colour_tags, gifts, extras]

        tags: list[str] = []
        seen: set[str] = set()
        for text in core:  # what the thing is comes first, then one of each kind in turn
            tag = as_tag(text)
            if tag and tag not in seen:
                seen.add(tag)
                tags.append(tag)
        index = 0
        while len(tags) < limits.ETSY_TAGS_MAX and any(index < len(group) for group in groups):
            for group in groups:
                if index >= len(group) or len(tags) >= limits.ETSY_TAGS_MAX:
                    continue
                tag = as_tag(group[index])
                if tag and not plan.gifts and "gift" in tag:
                    continue
                if tag and tag not in seen:
                    seen.add(tag)
                    tags.append(tag)
            index += 1
        return tags

    def _seo_title(self, head: str, studio_name: str, facts: dict) -> str:
        if _named_studio(studio_name, facts):
            candidate = f"{head} | {clean(TITLE_FORBIDDEN.sub('', studio_name))}"
            if len(candidate) <= limits.SEO_TITLE_MAX:
                return candidate
        return clip(head, limits.SEO_TITLE_MAX)

    def _seo_description(self, name, materials, techniques, dimensions, brief, plan) -> str:
        sentences = [f"{name}, made from {join_list(materials)}." if materials else f"{name}."]
        if techniques:
            how = _how(techniques)
            sentences.append(how[:1].upper() + how[1:] + ".")
        if dimensions and len(dimensions) <= 60:
            sentences.append(dimensions[:1].upper() + dimensions[1:].rstrip(".") + ".")
        if brief.made_to_order:
            sentences.append("Made to order.")
        if _named_studio(brief.studio_name, brief.facts()):
            sentences.append(f"From {clean(brief.studio_name)}.")
        sentences = [_NOT_PLAIN.sub("", sentence) for sentence in sentences]  # the meta tag is plain text
        text = clip(sentences[0], limits.META_DESCRIPTION_MAX, ellipsis=True)
        for sentence in sentences[1:]:
            if len(text) + 1 + len(sentence) <= limits.META_DESCRIPTION_MAX:
                text += " " + sentence
        return text

    def _alt_texts(self, brief: ListingBrief, head: str, material: str) -> list[dict]:
        count = len(brief.photos)
        texts = []
        for position, photo in enumerate(brief.photos):
            variant = clean(TITLE_FORBIDDEN.sub("", photo.variant))
            if claims_in(variant, brief.facts()):
                variant = ""
            detail = f" in {variant}" if variant and variant.lower() not in head.lower() else ""
            if position == 0 and material and material.lower() not in head.lower():
                detail += f", {material}"
            suffix = ALT_SUFFIXES[min(position, 2)].format(number=position + 1, count=count)
            room = limits.ALT_TEXT_MAX - len(detail) - len(suffix)
            text = clip(head, max(room, 20)) + detail + suffix
            texts.append({"photo": photo.id, "text": clip(text, limits.ALT_TEXT_MAX)})
        return texts

    def _category(self, brief: ListingBrief, kind: str) -> str:
        names = [n for n in brief.categories if n]
        if brief.category in names:
            return brief.category
        lowered = {n: n.lower() for n in names}
        if brief.category:
            for n, low in lowered.items():
                if low == brief.category.lower():
                    return n
        if kind != "generic":
            for n in names:
                if kind_of(n) == kind:
                    return n
        words = words_of(" ".join([brief.title, *brief.materials, *brief.techniques]))
        for n in names:
            if words_of(n) & words:
                return n
        return ""


# --- Helpers ----------------------------------------------------------------------------


def _named_studio(name: str, facts: dict) -> bool:
    """Whether the copy may name the studio: a real name that makes no claim and gives no link the facts don't."""
    cleaned = clean(name)
    if not cleaned or cleaned.lower() == "my studio":
        return False
    return not claims_in(cleaned, facts) and not unsupported_links(cleaned, facts)


def _title_material(materials: list[str]) -> str:
    """The material a title can name: 'stoneware' from 'stoneware clay', 'sterling silver' whole."""
    for item in materials:
        lowered = item.lower()
        terms = MATERIAL_TERMS.findall(lowered)
        if not terms:
            continue
        words = item.split()
        if len(words) <= 2 and lowered.endswith(terms[-1]) and len(item) <= 20:
            return item
        return terms[0]
    return ""


# How many come together ("set of three", "pair"): never the thing itself, so never a tag's noun.
_QUANTITY_WORDS = frozenset(
    "set sets pair pairs pack packs box duo trio dozen one two three four five six seven eight nine ten "
    "eleven twelve".split()
)
_PREPOSITIONS = frozenset("off on by in with from at over under through to for into until onto inside".split())
# Nouns that end like a method ("slip casting") but name a part: "made with a trimmed foot ring".
_ING_NOUNS = frozenset("ring rings earring earrings string strings spring springs wing wings sling lining".split())
# A technique that starts by counting ("one band hammer-textured", "about forty dips per pair") takes no article.
_COUNTING = frozenset(
    "a an the one two three four five six seven eight nine ten twelve twenty thirty forty fifty hundred "
    "about around some each every several many".split()
)


def _noun(name: str) -> str:
    """The thing itself, for tags: 'mug' from 'Celadon mug', 'bowls' from 'Dipping bowls, set of three'."""
    words = re.findall(r"[^\W\d_][\w'-]*", name.lower())
    for word in reversed(words):
        if len(word) >= 3 and word not in SMALL_WORDS and word not in _QUANTITY_WORDS:
            return word
    return ""


def _technique_kind(technique: str) -> str:
    """How a technique reads after "It is": a participle ('wheel-thrown', 'thrown off the hump'), a place or
    manner ('off the hump'), a made part ('pulled handle': made with a pulled handle) or a method ('raku')."""
    words = technique.lower().split()
    if not words:
        return "method"
    if words[0] in _PREPOSITIONS:
        return "manner"
    if words[0] in _COUNTING or words[0][:1].isdigit():
        return "part"  # 'made with one band hammer-textured'
    if _PARTICIPLE.search(words[-1]):
        return "participle"
    for word, following in zip(words, words[1:], strict=False):
        if _PARTICIPLE.search(word) and following in _PREPOSITIONS:
            return "participle"  # 'wheel-thrown off the hump', 'reduction fired to 1280°C'
    if len(words) > 1 and (not words[-1].endswith("ing") or words[-1] in _ING_NOUNS):
        return "part"  # 'pulled handle', 'trace chain'; 'lost-wax casting' stays a method
    return "method"


def _made_with(part: str) -> str:
    """'made with a pulled handle', 'made with mitred corners', 'made with one band hammer-textured'."""
    words = part.lower().split()
    last = words[-1] if words else ""
    if words and (words[0] in _COUNTING or words[0][:1].isdigit()):
        return "made with " + part
    if last.endswith("s") and not last.endswith(("ss", "us", "is")):
        return "made with " + part  # plural: 'hand-formed ear wires'
    return f"made with {'an' if part[:1].lower() in 'aeiou' else 'a'} {part}"


def _how(techniques: list[str]) -> str:
    """'wheel-thrown and reduction fired', 'made off the hump', 'made with a pulled handle', 'made using raku'."""
    kinds = {t: _technique_kind(t) for t in techniques}
    done = [t for t in techniques if kinds[t] == "participle"]
    parts = list(done)  # one list: 'wheel-thrown, reduction fired and made with a pulled handle'
    parts.extend("made " + t for t in techniques if kinds[t] == "manner")
    parts.extend(_made_with(t) for t in techniques if kinds[t] == "part")
    using = [t for t in techniques if kinds[t] == "method"]
    if using:
        parts.append("made using " + join_list(using))
    return join_list(parts)


def _story_without_claims(story: str, facts: dict) -> tuple[str, list[str]]:
    """The story's sentences that make no claim the stated facts don't back, and the claims left out."""
    kept, left_out = [], []
    for sentence in SENTENCE_END.split(story):
        claims = claims_in(sentence, facts)
        if claims:
            left_out.extend(claim for claim in claims if claim not in left_out)
        else:
            kept.append(sentence)
    return " ".join(kept), left_out


def _story_excerpt(story: str, *, first_sentence_only: bool) -> tuple[str, bool]:
    sentences = SENTENCE_END.split(story)
    if first_sentence_only and len(sentences) > 1:
        story, shortened = sentences[0], True
    else:
        shortened = False
    if len(story) > STORY_MAX:
        kept = ""
        for sentence in SENTENCE_END.split(story):
            if len(kept) + len(sentence) + 1 > STORY_MAX:
                break
            kept = f"{kept} {sentence}".strip()
        story, shortened = (kept if kept else clip(story, STORY_MAX, ellipsis=True)), True
    return story, shortened and not first_sentence_only
