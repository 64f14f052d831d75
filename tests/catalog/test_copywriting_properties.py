"""Property test (issue 15): for any plausible set of a maker's facts, the offline copywriter's listing passes
every listing check, and its tags and sentences have none of the defects seen in the demo ("stoneware three",
"made using pulled handle", "a organic …").

Pure: briefs are built in memory; hypothesis draws the facts from the words makers use.
"""

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.copywriting.base import ListingBrief, PhotoFact
from catalog.copywriting.template import TemplateCopywriter
from catalog.listings import limits
from catalog.listings.checks import FAIL, listing_checks, plain_text

CATEGORIES = ("Candles", "Ceramics", "Jewellery", "Leather goods", "Prints", "Textiles", "Woodwork")
NOUNS = (
    "mug",
    "bowl",
    "vase",
    "beaker",
    "plate",
    "runner",
    "napkins",
    "candle",
    "ring",
    "earrings",
    "print",
    "wallet",
    "board",
    "spoon",
    "tea bowl",
    "jug",
    "scarf",
    "cushion cover",
    "pendant",
    "dish",
)
ADJECTIVES = (
    "celadon",
    "speckled",
    "oatmeal",
    "indigo",
    "tall",
    "little",
    "big",
    "hammered",
    "hand-loomed",
    "stoneware",
    "porcelain",
    "linen",
    "organic cotton",
    "oak",
    "silver",
    "beeswax",
    "tenmoku",
    "dipped",
)
SETS = ("", ", set of two", ", set of three", ", set of 4", ", pair", " (set of six)")
MATERIALS = (
    "stoneware clay",
    "porcelain",
    "food-safe glaze",
    "Irish linen",
    "organic cotton",
    "English oak",
    "recycled sterling silver",
    "beeswax",
    "cotton wick",
    "vegetable-tanned leather",
    "walnut oil",
    "indigo dye",
    "brass",
    "speckled stoneware",
)
TECHNIQUES = (
    "wheel-thrown",
    "hand-built",
    "pulled handle",
    "reduction fired",
    "hand-loomed",
    "shibori",
    "hand-poured",
    "hand-forged",
    "hammered",
    "off the hump",
    "slip-cast",
    "block-printed",
    "hand-stitched",
    "carved",
    "dipped",
    "glazed",
    "turned on a lathe",
)
NUMBER_WORDS = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|\d+)"

facts = st.fixed_dictionaries(
    {
        "title": st.builds(
            lambda adjectives, noun, suffix: " ".join([*adjectives, noun]).capitalize() + suffix,
            st.lists(st.sampled_from(ADJECTIVES), max_size=2, unique=True),
            st.sampled_from(NOUNS),
            st.sampled_from(SETS),
        ),
        "category": st.sampled_from(CATEGORIES + ("",)),
        "materials": st.lists(st.sampled_from(MATERIALS), max_size=3, unique=True).map(tuple),
        "techniques": st.lists(st.sampled_from(TECHNIQUES), max_size=3, unique=True).map(tuple),
        "dimensions": st.sampled_from(("", "9 cm tall, 8 cm across", "180 × 40 cm", "UK sizes H to T")),
        "weight_grams": st.sampled_from((None, 3, 340, 1200)),
        "care": st.sampled_from(("", "Dishwasher safe.", "Wash at 30 °C, line dry.", "Polish with a soft cloth.")),
        "story": st.sampled_from(("", "Thrown on the kick wheel in the back room.", "Poured from our own hives.")),
        "made_to_order": st.booleans(),
        "lead_time_days": st.sampled_from((0, 14)),
        "options": st.sampled_from(({}, {"colourway": ("celadon", "tenmoku")}, {"size": ("small", "large")})),
        "photos": st.sampled_from(((), (PhotoFact(1), PhotoFact(2, "Celadon")))),
        "brand_voice": st.sampled_from(("", "warm", "minimal", "playful", "classic")),
    }
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts)
def test_any_makers_facts_give_a_listing_that_passes_every_check(drawn):
    brief = ListingBrief(
        handle=re.sub(r"\W+", "-", drawn["title"].lower()),
        price="28.00",
        currency="GBP",
        studio_name="Harbour Clay",
        categories=CATEGORIES,
        **drawn,
    )
    copy = TemplateCopywriter().write(brief=brief)
    content = {
        "title": copy.title,
        "description": copy.description,
        "tags": list(copy.tags),
        "seo_title": copy.seo_title,
        "seo_description": copy.seo_description,
        "alt_texts": [alt.text if hasattr(alt, "text") else alt for alt in copy.alt_texts],
    }
    failed = [check.message for check in listing_checks(content, brief.facts()) if check.level == FAIL]
    assert not failed, (drawn, failed)

    assert len(copy.tags) <= limits.ETSY_TAGS_MAX and len(set(copy.tags)) == len(copy.tags)
    for tag in copy.tags:
        assert len(tag) <= limits.ETSY_TAG_MAX, tag
        if "set of" not in tag:  # "mug set of two" names the set; "stoneware three" names nothing
            assert not re.search(rf"\s{NUMBER_WORDS}$", tag), f"tag “{tag}” is a word and a number"
        assert not re.match(rf"^(?:set of )?{NUMBER_WORDS}$", tag), f"tag “{tag}” is only a number"
    text = plain_text(copy.description)
    assert not re.search(r"\b[Aa] [aeiou]", text.replace("a one", "")), f"“a” before a vowel: {text}"
    assert not re.search(
        r"\bmade using (?:wheel-thrown|hand-built|pulled|hammered|off the hump|dipped|glazed)\b", text
    ), f"“made using” needs a noun: {text}"
    assert not re.search(r"\b(\w+) \1\b", text.lower()), f"a doubled word: {text}"
    assert len(copy.seo_description) <= limits.META_DESCRIPTION_MAX
