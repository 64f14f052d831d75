"""Phrase banks of the template copywriter, by category and by brand voice.

No entry may name a material or make a promise (food-safe, waterproof, …):
tests/catalog/test_copywriting.py checks every entry against empty facts.
Slots: {name} the product's title, {materials}/{Materials} its materials,
{at_studio} "at Harbour Clay" or "in our studio", {how}/{How} its techniques,
{colours} the variants' colours.
"""

from __future__ import annotations

KINDS = ("ceramics", "textiles", "jewellery", "candles", "generic")

KIND_WORDS: dict[str, frozenset[str]] = {
    "ceramics": frozenset(
        "ceramic ceramics pottery potter stoneware porcelain earthenware terracotta clay mug cup bowl vase plate "
        "jug teapot planter beaker tumbler saucer platter dish glaze glazed raku".split()
    ),
    "textiles": frozenset(
        "textile textiles fabric linen cotton wool merino alpaca knit knitted woven weave weaving quilt quilted "
        "throw cushion blanket scarf runner towel napkin tablecloth embroidery embroidered yarn felt felted "
        "tapestry macrame rug".split()
    ),
    "jewellery": frozenset(
        "jewellery jewelry necklace earring earrings ring bracelet pendant brooch bangle chain stud studs "
        "anklet cufflink cufflinks locket charm".split()
    ),
    "candles": frozenset("candle candles wax wick tealight tealights votive pillar".split()),
}

VOICE_WORDS: dict[str, tuple[str, ...]] = {
    "warm": (
        "warm",
        "warmth",
        "warmly",
        "friendly",
        "cosy",
        "cozy",
        "gentle",
        "homely",
        "kind",
        "heartfelt",
        "welcoming",
    ),
    "playful": (
        "playful",
        "fun",
        "funny",
        "cheeky",
        "witty",
        "joyful",
        "quirky",
        "cheerful",
        "whimsical",
        "light-hearted",
    ),
    "minimal": (
        "minimal",
        "minimalist",
        "calm",
        "quiet",
        "understated",
        "spare",
        "concise",
        "clean",
        "simple",
        "restrained",
    ),
}

OPENERS: dict[str, tuple[str, ...]] = {
    "ceramics": (
        "{name}, made from {materials}.",
        "{name} in {materials}.",
        "A piece of studio pottery: {name}, in {materials}.",
    ),
    "textiles": (
        "{name}, made from {materials}.",
        "{name} in {materials}.",
        "A textile piece: {name}, in {materials}.",
    ),
    "jewellery": (
        "{name}, made from {materials}.",
        "{name} in {materials}.",
        "A piece of jewellery: {name}, in {materials}.",
    ),
    "candles": (
        "{name}, made from {materials}.",
        "{name}, made with {materials}.",
        "{name} in {materials}.",
    ),
    "generic": (
        "{name}, made from {materials}.",
        "{name} in {materials}.",
    ),
}
# When the title already names every material, or none is given.
OPENERS_WITHOUT_MATERIALS: dict[str, tuple[str, ...]] = {
    "ceramics": ("{name}, a piece of studio pottery.", "{name}, from the studio."),
    "textiles": ("{name}, a textile piece from the studio.", "{name}, from the studio."),
    "jewellery": ("{name}, a piece of jewellery from the studio.", "{name}, from the studio."),
    "candles": ("{name}, from the studio.",),
    "generic": ("{name}, from the studio.",),
}
MINIMAL_OPENERS = ("{name}. {Materials}.", "{name}, in {materials}.")
MINIMAL_OPENERS_WITHOUT_MATERIALS = ("{name}.",)
VOICE_LEADS: dict[str, tuple[str, ...]] = {
    "classic": ("",),
    "warm": ("", "We're so pleased with this one. "),
    "playful": ("Fresh from the studio: ", "Here's one we're excited about. ", ""),
    "minimal": ("",),
}
COLOUR_SENTENCES: dict[str, tuple[str, ...]] = {
    "classic": ("Available in {colours}.",),
    "warm": ("It comes in {colours}.", "Choose from {colours}."),
    "playful": ("Pick your favourite: {colours}.", "Take your pick from {colours}."),
    "minimal": ("In {colours}.",),
}
# {how}: "wheel-thrown and reduction fired" or "made using raku".
TECHNIQUE_SENTENCES: dict[str, tuple[str, ...]] = {
    "classic": ("Each one is {how} {at_studio}.", "It is {how} {at_studio}."),
    "warm": (
        "Each one is {how} by the maker {at_studio}, and we think it shows.",
        "It is {how} {at_studio}, with time and attention.",
    ),
    "playful": ("{How}: that's the making bit, and it's our favourite part.", "How it's made? {How}, {at_studio}."),
    "minimal": ("{How}.",),
}
STORY_INTROS: dict[str, tuple[str, ...]] = {
    "classic": ("In the maker's words:", "From the maker:", "The maker says:"),
    "warm": ("A few words from the maker:", "In the maker's own words:", "The story behind it, from the maker:"),
    "playful": ("The maker's take:", "Straight from the maker:", "Over to the maker:"),
    "minimal": ("Maker's note:", "From the maker:"),
}
CLOSERS: dict[str, dict[str, tuple[str, ...]]] = {
    "classic": {
        "ceramics": (
            "Lovely on a shelf, on the table, or given as a gift.",
            "A good choice for yourself or as a gift.",
        ),
        "generic": ("A good choice for yourself or as a gift.",),
    },
    "warm": {
        "ceramics": ("Made to be used and loved; we hope it finds a happy place in your home.",),
        "textiles": ("Made to be used and loved; we hope it finds a happy place in your home.",),
        "jewellery": ("Made to be worn and loved, and lovely to give.",),
        "candles": ("Made for slow evenings at home, and lovely to give.",),
        "generic": ("Made to be used and loved, and lovely to give.",),
    },
    "playful": {
        "jewellery": ("Wear it, gift it, or both.",),
        "candles": ("Light it, sit back and enjoy.",),
        "generic": ("Ready for a new home: yours, or a lucky friend's.",),
    },
    "minimal": {"generic": ()},
}
KIND_TAGS: dict[str, tuple[str, ...]] = {
    "ceramics": ("ceramics", "pottery", "studio pottery", "ceramic gift", "pottery gift"),
    "textiles": ("textiles", "textile art", "home textiles"),
    "jewellery": ("jewellery", "jewelry", "jewellery gift"),
    "candles": ("candle", "candles", "candle gift", "candlelight"),
    "generic": ("gift idea",),
}
GIFT_TAGS: dict[str, tuple[str, ...]] = {
    "ceramics": ("housewarming gift", "gift for her", "gift for him", "gift for mum"),
    "textiles": ("housewarming gift", "gift for her", "new home gift"),
    "jewellery": ("gift for her", "birthday gift", "anniversary gift", "gift for mum"),
    "candles": ("housewarming gift", "gift for her", "gift for mum"),
    "generic": ("housewarming gift", "gift for her", "birthday gift"),
}
HANDMADE_TAGS: dict[str, tuple[str, ...]] = {
    "ceramics": ("handmade pottery", "handmade ceramics"),
    "textiles": ("handmade textiles",),
    "jewellery": ("handmade jewellery",),
    "candles": ("handmade candle",),
    "generic": (),
}
ALT_SUFFIXES = ("", ", another view", ", view {number} of {count}")

# Words a title may open with before the material: "Celadon Stoneware Mug", "Hammered Silver Hoops".
LEADING_ADJECTIVES = frozenset(
    "black white grey gray blue navy green sage olive yellow ochre mustard orange red pink rose coral purple "
    "lilac brown tan cream ivory natural celadon tenmoku indigo teal turquoise speckled matt matte glossy "
    "textured hammered small large little tiny big tall wide round square oval long mini".split()
)
