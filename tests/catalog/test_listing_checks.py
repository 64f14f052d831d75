"""catalog.listings.checks: channel limits, unsupported claims, sanitising. Pure functions, no database."""

import pytest

from catalog.listings import limits
from catalog.listings.checks import (
    CHECK_LABELS,
    FAIL,
    PASS,
    REGULATED_CLAIMS,
    WARN,
    links_in,
    listing_checks,
    normalise_tags,
    plain_text,
    sanitise_description,
    unsupported_claims,
)

FACTS = {
    "title": "Celadon mug",
    "category": "Ceramics",
    "materials": ["stoneware clay", "food-safe glaze"],
    "techniques": ["wheel-thrown"],
    "dimensions": "9 cm tall",
    "weight_grams": 350,
    "care": "Hand wash.",
    "story": "",
    "made_to_order": False,
}


def good_content(**changes):
    content = {
        "title": "Celadon Stoneware Mug – Wheel-Thrown, 9 cm",
        "description": "<p>Celadon mug in stoneware clay.</p>",
        "tags": ["celadon mug", "stoneware", "pottery"],
        "seo_title": "Celadon Stoneware Mug",
        "seo_description": "Celadon mug in stoneware clay and food-safe glaze.",
        "alt_texts": [{"photo": 1, "text": "Celadon Stoneware Mug"}],
    }
    content.update(changes)
    return content


def by_code(content, facts=FACTS):
    checks = listing_checks(content, facts)
    found = {}
    for check in checks:
        found.setdefault(check.code, check)
    return found


def levels(content, facts=FACTS):
    return {code: check.level for code, check in by_code(content, facts).items()}


def test_good_copy_passes_every_check():
    assert set(levels(good_content()).values()) == {PASS}


@pytest.mark.parametrize(
    "title, level",
    [("x" * limits.ETSY_TITLE_MAX, PASS), ("x" * (limits.ETSY_TITLE_MAX + 1), FAIL), ("", FAIL)],
)
def test_title_length(title, level):
    assert levels(good_content(title=title))["title_length"] == level


@pytest.mark.parametrize("char", list(limits.ETSY_TITLE_FORBIDDEN))
def test_title_forbidden_characters_fail_and_are_named(char):
    check = by_code(good_content(title=f"Mug {char} 20"))["title_characters"]
    assert check.level == FAIL
    assert check.terms == (char,)
    assert char in check.message


def test_thirteen_tags_pass_fourteen_fail():
    tags = [f"tag {n}" for n in range(14)]
    assert levels(good_content(tags=tags[:13]))["tag_count"] == PASS
    assert levels(good_content(tags=tags))["tag_count"] == FAIL


def test_tag_longer_than_twenty_characters_fails_and_is_named():
    check = by_code(good_content(tags=["x" * 20, "y" * 21]))["tag_length"]
    assert check.level == FAIL
    assert check.terms == ("y" * 21,)


def test_duplicate_tags_fail_case_insensitively():
    assert levels(good_content(tags=["Pottery", "pottery"]))["tag_unique"] == FAIL
    assert "tag_unique" not in levels(good_content(tags=["pottery", "mug"]))


@pytest.mark.parametrize("length, level", [(70, PASS), (71, FAIL), (0, FAIL)])
def test_seo_title_limit(length, level):
    assert levels(good_content(seo_title="s" * length))["seo_title_length"] == level


@pytest.mark.parametrize("length, level", [(160, PASS), (161, FAIL), (320, FAIL), (0, FAIL)])
def test_meta_description_has_one_limit_of_160(length, level):
    assert levels(good_content(seo_description="m" * length))["meta_length"] == level


def test_alt_text_over_125_characters_fails_for_that_photo():
    content = good_content(alt_texts=[{"photo": 1, "text": "a" * 125}, {"photo": 2, "text": "b" * 126}])
    alt_checks = [check for check in listing_checks(content, FACTS) if check.code == "alt_length"]
    assert [(check.field, check.level) for check in alt_checks] == [("alt_texts.1", FAIL)]


@pytest.mark.parametrize(
    "phrase, label",
    [
        ("Dishwasher-safe and sturdy.", "dishwasher-safe"),
        ("Goes in the dishwasher.", "dishwasher-safe"),
        ("Sterling silver hoops.", "sterling silver"),
        ("14k gold vermeil.", "solid gold"),
        ("Organic cotton.", "organic"),
        ("A vegan candle.", "vegan"),
        ("Hypoallergenic hooks.", "hypoallergenic"),
        ("Totally waterproof.", "waterproof"),
    ],
)
def test_claims_the_facts_dont_make_are_flagged(phrase, label):
    assert label in unsupported_claims(phrase, FACTS)
    check = by_code(good_content(description=f"<p>{phrase}</p>"))["unsupported_claims"]
    assert check.level == (FAIL if label in REGULATED_CLAIMS else WARN)
    assert label in check.terms


def test_dishwasher_safe_is_supported_when_the_care_says_so():
    facts = {**FACTS, "care": "Dishwasher safe."}
    assert unsupported_claims("Dishwasher-safe and sturdy.", facts) == []
    assert levels(good_content(description="<p>Dishwasher-safe.</p>"), facts)["unsupported_claims"] == PASS


def test_a_material_the_facts_dont_name_is_flagged():
    assert unsupported_claims("A linen sleeve.", FACTS) == ["linen"]
    assert unsupported_claims("Stoneware, thrown on the wheel.", FACTS) == []


def test_claims_in_tags_and_seo_fields_are_flagged_too():
    assert "organic" in by_code(good_content(tags=["organic"]))["unsupported_claims"].terms
    assert "vegan" in by_code(good_content(seo_title="Vegan mug"))["unsupported_claims"].terms
    assert "recycled" in by_code(good_content(seo_description="Recycled clay."))["unsupported_claims"].terms


def test_claims_need_whole_words():
    # "goldfinch" is not gold, "ashen" is not ash.
    assert unsupported_claims("A goldfinch on an ashen glaze.", FACTS) == []


def test_missing_facts_are_a_warning():
    facts = {**FACTS, "materials": [], "care": ""}
    check = by_code(good_content(description="<p>Mug.</p>"), facts)["missing_facts"]
    assert check.level == WARN
    assert check.message == (
        "The facts don't give materials and care, so the copy says nothing about them: "
        "add them to the product's facts, then write the copy again."
    )


# --- A colour the maker chose is no material claim (issue 15: "a gold colourway on a copper pendant") ---

PENDANT = {"title": "Copper pendant", "materials": ["copper"], "care": "", "colours": ["gold", "verdigris"]}


@pytest.mark.parametrize(
    "copy",
    [
        "A copper pendant in a gold colourway.",
        "Choose from gold and verdigris.",
        "<li><strong>Colourway:</strong> gold, verdigris</li>",
        "A warm gold tone on hammered copper.",
    ],
)
def test_a_colour_from_the_makers_options_is_not_a_material_claim(copy):
    assert unsupported_claims(copy, PENDANT) == []
    assert "gold" in unsupported_claims(copy, {**PENDANT, "colours": []})  # without the option it is a claim


@pytest.mark.parametrize(
    "copy, flagged",
    [
        ("A gold-plated copper pendant.", {"gold"}),
        ("Gold plated, in a gold colourway.", {"gold"}),
        ("Made from gold and copper.", {"gold"}),
        ("Made of copper and gold.", {"gold"}),
        ("A solid gold bail.", {"solid gold", "gold"}),
        ("An 18ct gold chain.", {"solid gold", "gold"}),
        ("A 14k gold clasp.", {"solid gold", "gold"}),
        ("Gold leaf on copper.", {"gold"}),
    ],
)
def test_material_wording_is_still_a_claim_when_a_colour_shares_the_word(copy, flagged):
    assert set(unsupported_claims(copy, PENDANT)) == flagged


def test_sterling_silver_is_a_claim_even_with_a_silver_colourway():
    facts = {**PENDANT, "colours": ["silver"]}
    assert unsupported_claims("In a silver colourway.", facts) == []
    assert set(unsupported_claims("A sterling silver hoop.", facts)) == {"sterling silver", "silver"}


def test_material_wording_the_facts_state_passes():
    facts = {**PENDANT, "materials": ["copper", "gold leaf"]}
    assert unsupported_claims("Gold leaf on copper, in a gold colourway.", facts) == []


def test_colour_options_are_read_from_colour_glaze_and_finish_options_only():
    from catalog.listings.checks import colour_values

    options = {"Colourway": ["Gold"], "glaze": ["Ash"], "Finish": ["Brass"], "Color": ["Silver"], "Size": ["Oak"]}
    assert colour_values(options) == ["gold", "ash", "brass", "silver"]


def test_the_facts_carry_the_colours_of_the_variant_options(db, artisan):
    from catalog.listings.kind import product_facts
    from tests.factories import ProductFactory, VariantFactory

    product = ProductFactory(maker=artisan, materials=["copper"])
    VariantFactory(product=product, sku="PEND-GOLD", options={"colourway": "Gold", "size": "Small"})
    VariantFactory(product=product, sku="PEND-VERD", options={"colourway": "Verdigris", "size": "Small"})
    assert product_facts(product)["colours"] == ["gold", "verdigris"]


def test_sanitise_description_strips_scripts_attributes_and_links():
    dirty = (
        '<p onclick="steal()" class="x">Hello <strong style="color:red">there</strong></p>'
        '<script>alert(1)</script><a href="https://evil.example">click</a><img src=x onerror=alert(1)>'
        "<h1>Big</h1><ul><li><em>ok</em></li></ul><!-- comment -->"
    )
    clean = sanitise_description(dirty)
    assert clean == "<p>Hello <strong>there</strong></p>clickBig<ul><li><em>ok</em></li></ul>"
    for bad in ("<script", "alert", "onclick", "href", "<a", "<img", "<h1", "style", "class", "<!--"):
        assert bad not in clean


def test_plain_text_drops_markup():
    assert plain_text("<p>One</p>\n<ul>\n<li><strong>two</strong></li></ul>") == "One two"


def test_normalise_tags_lowercases_trims_and_reports_duplicates():
    tags, notes = normalise_tags(["  Stoneware  Mug ", "stoneware mug", "", "Gift"])
    assert tags == ["stoneware mug", "gift"]
    assert notes == ["removed duplicate tag “stoneware mug”"]


def test_a_negated_fact_does_not_support_the_claim():
    from catalog.listings.checks import unsupported_claims

    facts = {"care": "Not dishwasher safe; wash by hand.", "materials": ["stoneware"]}
    assert unsupported_claims("A dishwasher-safe stoneware mug", facts) == ["dishwasher-safe"]
    assert (
        unsupported_claims("A dishwasher-safe stoneware mug", {"care": "Dishwasher safe.", "materials": ["stoneware"]})
        == []
    )


def test_plain_text_unescapes_entities():
    from catalog.listings.checks import plain_text

    assert plain_text("<p>Salt &amp; pepper</p>") == "Salt & pepper"


def test_every_check_code_has_a_label_for_the_review_queue():
    """The queue names a listing's failed checks by these labels; a new code without one would read as raw words."""
    import inspect
    import re

    from catalog.listings import checks, services

    source = inspect.getsource(checks) + inspect.getsource(services)
    codes = set(re.findall(r'(?:Check|_length)\(\s*"(\w+)"', source))
    assert {"title_characters", "unsupported_claims", "writer_notes"} <= codes  # the search finds them
    assert codes == set(CHECK_LABELS)


# --- Nothing hostile approved by default: markup, links, length and regulated claims fail ---------


@pytest.mark.parametrize(
    "field, value",
    [
        ("title", "Celadon <b>Mug</b>"),
        ("title", "Mug <script>alert(1)</script>"),
        ("seo_title", "Mug &lt;script&gt;"),
        ("seo_description", 'A mug <img src=x onerror="alert(1)">'),
        ("tags", ["mug", "<a href=x>buy</a>"]),
        ("alt_texts", [{"photo": 1, "text": "A mug</p><h1>cheap"}]),
    ],
)
def test_markup_outside_the_description_fails(field, value):
    failed = [c for c in listing_checks(good_content(**{field: value}), FACTS) if c.code == "markup"]
    assert [c.level for c in failed] == [FAIL]
    assert failed[0].field.partition(".")[0] == field
    assert failed[0].message.startswith("Markup in ")


def test_the_sanitised_description_may_hold_its_own_markup():
    content = good_content(description="<p>Celadon mug in <strong>stoneware clay</strong>.</p><ul><li>9 cm</li></ul>")
    assert levels(content)["markup"] == PASS


@pytest.mark.parametrize(
    "field, value, link",
    [
        ("description", "<p>Order at https://cheap-mugs.example/buy now.</p>", "https://cheap-mugs.example/buy"),
        ("description", "<p>See www.cheapmugs.example</p>", "www.cheapmugs.example"),
        ("description", "<p>Visit cheapmugs.shop today.</p>", "cheapmugs.shop"),
        ("description", "<p>Write to deals@cheapmugs.example.</p>", "deals@cheapmugs.example"),
        ("title", "Celadon Mug – mail me@spam.example", "me@spam.example"),
        ("seo_description", "A mug. More at http://x.example", "http://x.example"),
        ("tags", ["mug", "spam.com"], "spam.com"),
        ("alt_texts", [{"photo": 1, "text": "A mug, see bit.ly/x"}], "bit.ly/x"),
    ],
)
def test_links_and_email_addresses_the_facts_dont_give_fail(field, value, link):
    failed = [c for c in listing_checks(good_content(**{field: value}), FACTS) if c.code == "links"]
    assert [c.level for c in failed] == [FAIL]
    assert link in failed[0].terms


def test_a_link_the_maker_gave_in_the_facts_is_allowed():
    facts = {**FACTS, "care": "Questions: hello@harbourclay.example or https://harbourclay.example/care"}
    content = good_content(
        description="<p>Care guide at https://harbourclay.example/care, or ask hello@harbourclay.example.</p>"
    )
    assert levels(content, facts)["links"] == PASS


def test_sentences_and_measures_are_not_links():
    assert links_in("Made of wool.It is warm. 9.5 cm tall, e.g. for tea. Version 2.0 of the glaze.") == []
    content = good_content(description="<p>Stoneware clay.</p><p>It is 9.5 cm tall.</p>")
    assert levels(content)["links"] == PASS


def test_a_description_over_ten_thousand_characters_fails():
    assert "description_length" not in levels(good_content(description="<p>" + "a" * 9_990 + "</p>"))
    check = by_code(good_content(description="<p>" + "a" * 200_000 + "</p>"))["description_length"]
    assert check.level == FAIL and "200,007 characters" in check.message


@pytest.mark.parametrize(
    "phrase, label",
    [
        ("FDA approved and clinically proven.", "FDA"),
        ("FDA approved and clinically proven.", "approved"),
        ("FDA approved and clinically proven.", "clinically"),
        ("Heals aching joints.", "medical"),
        ("A medical-grade mug.", "medical"),
        ("Antibacterial glaze.", "medical"),
        ("Certified lead-safe.", "certified"),
        ("Organic cotton.", "organic"),
        ("A vegan candle.", "vegan"),
        ("Hypoallergenic hooks.", "hypoallergenic"),
        ("A food safe finish.", "food-safe"),
    ],
)
def test_regulated_claims_fail_unless_a_fact_states_them(phrase, label):
    facts = {**FACTS, "materials": ["stoneware clay"]}
    check = by_code(good_content(description=f"<p>{phrase}</p>"), facts)["unsupported_claims"]
    assert check.level == FAIL and label in check.terms
    assert "need the maker's word" in check.message


def test_a_regulated_claim_the_facts_state_passes():
    facts = {**FACTS, "care": "Certified food-safe by the county lab."}
    assert levels(good_content(description="<p>A certified food-safe glaze.</p>"), facts)["unsupported_claims"] == PASS


def test_a_negated_regulated_claim_is_no_claim():
    assert (
        levels(good_content(description="<p>Not FDA approved; not for medical use.</p>"))["unsupported_claims"] == PASS
    )


@pytest.mark.parametrize(
    "phrase, claimed",
    [
        ("FDA-approved glaze.", True),
        ("Approved by dermatologists.", True),
        ("Approved for food contact.", True),
        ("The design the maker approved last spring.", False),
    ],
)
def test_approved_is_a_claim_when_it_names_someones_approval(phrase, claimed):
    assert ("approved" in unsupported_claims(phrase, FACTS)) is claimed


def test_the_reject_box_says_which_notes_the_offline_writer_can_follow(artisan_client, artisan):
    """Before a reviewer sends a note, the page says what the configured writer can do with it (issue 15)."""
    from django.urls import reverse

    from approvals.models import ReviewItem
    from catalog.listings.services import listing_write
    from tests.factories import ProductFactory

    product = ProductFactory(maker=artisan, title="Celadon mug", materials=["stoneware"])
    listing_write(product_id=product.pk)
    item = ReviewItem.objects.get(subject_key=f"product:{product.pk}")
    page = artisan_client.get(reverse("review-detail", args=[item.pk])).content.decode()
    assert 'aria-describedby="retry-help"' in page
    assert "The offline writer can follow a note asking for: leave out the story; no gift tags;" in page
    assert reverse("review-note-reading", args=[item.pk]) in page


# --- Only stated facts back a claim (issue 14) --------------------------------------------------------


def test_a_claim_in_the_materials_techniques_or_care_is_backed():
    facts = {
        **FACTS,
        "materials": ["stoneware clay", "organic cotton"],
        "techniques": ["vegan dyes"],
        "care": "Food safe glaze.",
    }
    assert unsupported_claims("Organic cotton with vegan dyes and a food-safe glaze.", facts) == []
    assert levels(good_content(description="<p>Organic cotton, food-safe.</p>"), facts)["unsupported_claims"] == PASS


def test_a_claim_only_the_story_makes_is_flagged():
    story = "FDA approved and clinically proven (the maker never said so). Food-safe and vegan."
    facts = {**FACTS, "materials": ["stoneware clay"], "story": story}
    content = good_content(description="<p>FDA approved and clinically proven. Food-safe and vegan.</p>")
    check = by_code(content, facts)["unsupported_claims"]
    assert check.level == FAIL
    assert {"FDA", "approved", "clinically", "food-safe", "vegan"} <= set(check.terms)
    assert "materials, techniques or care" in check.message  # where a claim has to be stated to count


def test_a_claim_only_the_title_makes_is_flagged():
    facts = {**FACTS, "title": "Organic hypoallergenic soap", "materials": ["olive oil"]}
    assert set(unsupported_claims("Organic, hypoallergenic soap.", facts)) >= {"organic", "hypoallergenic"}


@pytest.mark.parametrize(
    "care",
    [
        "Not food safe.",
        "not food-safe, decorative only",
        "This glaze isn’t food safe.",  # a typographer's apostrophe
        "Non-food-safe glaze.",
        "Food safe: no.",
        "Food-safe? No, decorative only.",
        "Food safe (the maker never said so).",
        "Neither food safe nor dishwasher safe.",
    ],
)
def test_negated_wording_in_the_facts_does_not_back_the_claim(care):
    facts = {**FACTS, "materials": ["stoneware clay"], "care": care}
    assert "food-safe" in unsupported_claims("A food-safe bowl.", facts)


def test_not_only_is_no_negation_in_the_copy():
    """'Not only FDA approved…' still claims FDA approval."""
    assert {"FDA", "approved"} <= set(unsupported_claims("Not only FDA approved but loved.", FACTS))
    assert "FDA" not in unsupported_claims("Not FDA approved.", FACTS)


def test_the_note_reading_says_what_the_writer_follows_and_what_goes_to_the_maker(
    artisan_client, outsider_client, artisan
):
    from django.urls import reverse

    from approvals.models import ReviewItem
    from catalog.listings.services import listing_write
    from tests.factories import ProductFactory

    product = ProductFactory(maker=artisan, title="Celadon mug", materials=["stoneware"])
    listing_write(product_id=product.pk)
    item = ReviewItem.objects.get(subject_key=f"product:{product.pk}")
    url = reverse("review-note-reading", args=[item.pk])
    answer = artisan_client.get(url, {"note": "No gift tags, and say it keeps tea hot"}).json()
    assert answer["sentences"] == [
        "The writer will follow: no gift tags.",
        "It can't act on “say it keeps tea hot”: that stays in your note for the maker to change by hand.",
    ]
    assert artisan_client.get(url, {"note": " "}).json() == {"sentences": []}
    assert outsider_client.get(url, {"note": "shorter"}).status_code == 404
