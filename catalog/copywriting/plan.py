"""What the template copywriter decides before it writes: phrase bank, voice, length, what to leave out.

The decisions come from the brief alone: the category (or, failing that, the
title and materials), the studio's brand voice, the maker's approved listings,
and the reviewer's note on a rejected version. Instructions it can't follow are
named in the notes, never guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from catalog.copywriting.base import ListingBrief
from catalog.copywriting.phrases import KIND_WORDS, VOICE_WORDS
from catalog.copywriting.text import as_tag, claims_in, clean, clip, strip_tags, unique

# "never twee", "not playful": a voice named only to be refused.
_NEGATED_VOICE = re.compile(r"\b(?:not|no|never|avoid|without|less|don't|isn't)\b[^.,;:]*$")


def _any(*phrases: str) -> str:
    return r"\b(?:" + "|".join(phrases) + r")\b"


_NEGATED = _any(
    "no",
    "not",
    "without",
    "drop",
    "remove",
    "skip",
    "omit",
    "leave out",
    "lose",
    "cut",
    "don't",
    "do not",
    "never",
    "less",
)
# What a reviewer's note can ask of this writer: (action, what the reviewer is told it follows, pattern).
# The note box's help and the reading of a note as it is typed both come from this list.
_INSTRUCTIONS: list[tuple[str, str, re.Pattern]] = [
    (
        "no_story",
        "leave out the story",
        re.compile(
            _NEGATED
            + ".*"
            + _any("story", "stories", "anecdote", "backstory")
            + "|"
            + _any("story", "anecdote")
            + ".*"
            + _any("out", "remove", "drop")
        ),
    ),
    ("no_gifts", "no gift tags", re.compile(_NEGATED + ".*" + _any("gifts?"))),
    ("no_handmade", "don't say handmade", re.compile(_NEGATED + ".*" + _any("hand-?made"))),
    (
        "plain_title",
        "a plainer title",
        re.compile(
            _any("title")
            + ".*"
            + _any("short", "shorter", "simpler", "plain", "plainer", "just the name")
            + "|"
            + _any("shorter title", "simpler title", "plain title")
        ),
    ),
    (
        "short",
        "shorter copy",
        re.compile(
            _any(
                "shorter",
                "too long",
                "less text",
                "less wordy",
                "wordy",
                "more concise",
                "concise",
                "brief",
                "briefer",
                "trim",
                "cut (?:it )?down",
                "tighter",
            )
        ),
    ),
    (
        "long",
        "longer copy (only as long as the facts allow)",
        re.compile(
            _any(
                "longer",
                "more detail",
                "more details",
                "more detailed",
                "too short",
                "expand",
                "elaborate",
                "more words",
                "say more",
            )
        ),
    ),
    ("no_exclamation", "no exclamation marks", re.compile(r"\bexclamation")),
    (
        "voice:warm",
        "a warmer tone",
        re.compile(
            _any("warm", "warmer", "friendly", "friendlier", "cosy", "cosier", "cozy", "cozier", "gentler", "softer")
        ),
    ),
    (
        "voice:playful",
        "a more playful tone",
        re.compile(_any("playful", "fun", "funnier", "cheeky", "lighter", "lively", "livelier", "cheerful")),
    ),
    (
        "voice:minimal",
        "a plainer tone",
        re.compile(
            _any(
                "minimal",
                "plainer",
                "simpler",
                "calmer",
                "quieter",
                "understated",
                "less fluff",
                "no fluff",
                "less flowery",
            )
        ),
    ),
    (
        "voice:classic",
        "a more formal tone",
        re.compile(_any("formal", "more formal", "neutral", "classic", "professional", "straightforward")),
    ),
]
_VOICE_PATTERNS = {voice: re.compile(_any(*map(re.escape, words))) for voice, words in VOICE_WORDS.items()}
_CLAUSE_SPLIT = re.compile(r"[.;!?\n]+|,|\band\b|\bbut\b|\balso\b|\bplease\b")


@dataclass
class Plan:
    """How to write one listing; `notes` collects what the reviewer should know."""

    kind: str
    voice: str
    short: bool = False
    story: bool = True
    gifts: bool = True
    handmade: bool = True
    plain_title: bool = False
    separator: str = " – "
    example_gift_tags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def plan_for(brief: ListingBrief) -> Plan:
    """Phrase bank by category, tone by brand voice, then the maker's examples and the reviewer's note on top."""
    plan = Plan(kind=kind_for(brief), voice=voice_of(brief.brand_voice))
    if brief.examples:
        _learn_from_examples(brief, plan)
    if brief.instructions.strip():
        _follow(brief.instructions, plan)
    return plan


def _learn_from_examples(brief: ListingBrief, plan: Plan) -> None:
    """The maker's approved listings set the title separator, the length and gift phrases."""
    titles = [str(example.get("title") or "") for example in brief.examples]
    counts = {sep: sum(sep in t for t in titles) for sep in (" – ", " | ", " - ", ", ")}
    best = max(counts, key=lambda sep: counts[sep])
    if counts[best]:
        plan.separator = best
    lengths = [len(strip_tags(str(example.get("description") or ""))) for example in brief.examples]
    lengths = [n for n in lengths if n]
    if lengths and sum(lengths) / len(lengths) < 350:
        plan.short = True
    facts = brief.facts()
    for example in brief.examples:
        for tag in example.get("tags", []) or []:
            tag = as_tag(str(tag))
            if tag and "gift" in tag and not claims_in(tag, facts):
                plan.example_gift_tags.append(tag)


NOTE_ASKS: tuple[str, ...] = tuple(ask for _, ask, _ in _INSTRUCTIONS)


def _read_clauses(instructions: str) -> tuple[list[str], list[str]]:
    """The note clause by clause: the actions a template can take, and the clauses it can't act on."""
    actions: list[str] = []
    ignored: list[str] = []
    for clause in _CLAUSE_SPLIT.split(clean(instructions)):
        text = clause.strip(" -–'\"“”").lower()
        if len(re.sub(r"\W", "", text)) < 2:
            continue
        matched = [action for action, _, pattern in _INSTRUCTIONS if pattern.search(text)]
        if any(action.startswith("no_") or action == "plain_title" for action in matched):
            # "a simpler title", "no story, less fluff": about one part, not the length or tone.
            matched = [action for action in matched if not action.startswith("voice:") and action != "short"]
        if not matched:
            ignored.append(clip(clause.strip(), 80))
        actions.extend(matched)
    return actions, ignored


def read_note(instructions: str) -> tuple[list[str], list[str]]:
    """What the writer will do with a note (in the words of NOTE_ASKS), and the parts it will leave alone."""
    actions, ignored = _read_clauses(instructions)
    asks = dict((action, ask) for action, ask, _ in _INSTRUCTIONS)
    if "short" in actions and "long" in actions:  # the writer keeps the usual length
        actions = [action for action in actions if action not in ("short", "long")]
    voices = [action for action in actions if action.startswith("voice:")]
    actions = [action for action in actions if not action.startswith("voice:") or action == voices[0]]
    return unique([asks[action] for action in actions]), ignored


def _follow(instructions: str, plan: Plan) -> None:
    """Clause by clause: what a template can do (shorter, no story, a tone) it does; the rest goes in the notes."""
    followed: list[str] = []
    voices: list[str] = []
    wants_short = wants_long = False
    matched, ignored = _read_clauses(instructions)
    for action in matched:
        if action == "no_story":
            plan.story = False
            followed.append("left out the story")
        elif action == "no_gifts":
            plan.gifts = False
            followed.append("no gift tags")
        elif action == "no_handmade":
            plan.handmade = False
            followed.append("doesn't say handmade")
        elif action == "plain_title":
            plan.plain_title = True
            followed.append("a plainer title")
        elif action == "short":
            wants_short = True
        elif action == "long":
            wants_long = True
        elif action == "no_exclamation":
            followed.append("no exclamation marks")
        elif action.startswith("voice:"):
            voices.append(action.split(":", 1)[1])
    if wants_short and wants_long:
        plan.notes.append("The note asks for both shorter and longer copy; kept the usual length.")
    elif wants_short:
        plan.short = True
        followed.append("a shorter description")
    elif wants_long:
        plan.short = False
        plan.notes.append(
            "Asked for more detail, but this writer adds nothing beyond the product's facts: "
            "add the story, care or dimensions to the product for a fuller description."
        )
    if voices:
        plan.voice = voices[0]
        followed.append(f"a {voices[0]} tone")
    if followed:
        plan.notes.append("Followed the reviewer's note: " + ", ".join(unique(followed)) + ".")
    if ignored:
        plan.notes.append(
            "Couldn't follow "
            + ", ".join(f"“{text}”" for text in ignored)
            + ": this writer only uses the product's facts. Edit the draft, or add the fact to the product."
        )


def words_of(text: str) -> set[str]:
    words = set(re.findall(r"[a-z]+", text.lower()))
    return words | {w[:-1] for w in words if len(w) > 3 and w.endswith("s")}


def kind_of(text: str) -> str:
    words = words_of(text)
    scores = {kind: len(words & keywords) for kind, keywords in KIND_WORDS.items()}
    best = max(scores, key=lambda kind: scores[kind])
    return best if scores[best] else "generic"


def kind_for(brief: ListingBrief) -> str:
    """The phrase bank: by the category, else the title, else the materials and techniques."""
    for text in (brief.category, brief.title, " ".join([*brief.materials, *brief.techniques])):
        kind = kind_of(text)
        if kind != "generic":
            return kind
    return "generic"


def voice_of(brand_voice: str) -> str:
    """The voice named first in the brand voice ("warm, never twee" → warm), skipping negated ones."""
    lowered = brand_voice.lower()
    best: tuple[int, str] | None = None
    for voice, pattern in _VOICE_PATTERNS.items():
        for match in pattern.finditer(lowered):
            if _NEGATED_VOICE.search(lowered[max(0, match.start() - 30) : match.start()]):
                continue
            if best is None or match.start() < best[0]:
                best = (match.start(), voice)
            break
    return best[1] if best else "classic"
