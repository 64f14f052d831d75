"""A pair of earrings or a set of three bowls shows several pieces, and the check expects as many.

The cut-out check warns when a cut-out falls apart into pieces (a lost handle, a rim cut through); for a
pair or a set the pieces are the product, and the product's own words say how many to expect.
"""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFilter

from catalog.models import Photo
from catalog.staging.check import PASS, WARN, staging_check
from catalog.staging.pieces import pieces_expected
from catalog.staging.services import photo_pieces_expected
from tests.factories import ProductFactory, VariantFactory


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["Big Latte Mug"], 1),
        (["Stone Drop Earrings"], 2),
        (["Hand-dipped Tapers, pair"], 2),
        (["A pair of hoops"], 2),
        (["Everyday Hoops"], 1),  # hoops alone don't say pair: a hoop necklace is one piece
        (["Single earring, left ear"], 1),
        (["Little Dipping Bowls, set of three"], 3),
        (["Coasters", "Set of 4"], 4),
        (["Napkins", "six-piece"], 6),
        (["A bowl that pairs well with the jug"], 1),
        (["Beads, set of 200"], 24),
    ],
)
def test_the_products_words_say_how_many_pieces_to_expect(words, expected):
    assert pieces_expected(words) == expected


def _pieces_photo(count: int) -> tuple[Image.Image, Image.Image]:
    """`count` glazed discs side by side on paper, and their exact cut-out with a soft 1 px edge."""
    photo = Image.new("RGB", (600, 400), (240, 236, 230))
    mask = Image.new("L", photo.size, 0)
    draw, outline = ImageDraw.Draw(photo), ImageDraw.Draw(mask)
    width = 600 // (count + 1)
    for index in range(count):
        cx = width * (index + 1)
        shape = (cx - width // 3, 140, cx + width // 3, 260)
        draw.ellipse(shape, fill=(60 + 40 * index, 90, 140))
        outline.ellipse(shape, fill=255)
    return photo, mask.filter(ImageFilter.GaussianBlur(0.6)).point(lambda v: 255 if v > 250 else v)


def _pieces(check):
    return next(finding for finding in check.findings if finding.code == "pieces")


def test_two_pieces_warn_for_one_product_and_pass_for_a_pair():
    photo, mask = _pieces_photo(2)

    single = _pieces(staging_check(photo=photo, mask=mask))
    pair = _pieces(staging_check(photo=photo, mask=mask, pieces_expected=2))

    assert single.level == WARN and "2 separate pieces" in single.message
    assert pair.level == PASS and pair.value == 2 and "pair or a set" in pair.message


def test_more_pieces_than_the_set_holds_still_warn():
    photo, mask = _pieces_photo(4)

    check = staging_check(photo=photo, mask=mask, pieces_expected=3)

    assert check.measures["pieces"] == 4
    assert _pieces(check).level == WARN and "set of 3" in _pieces(check).message
    assert _pieces(staging_check(photo=photo, mask=mask, pieces_expected=4)).level == PASS


def test_a_photo_reads_the_pieces_from_its_product_and_its_variant(db):
    mug = ProductFactory(title="Big Latte Mug")
    VariantFactory(product=mug, sku="MUG-1", title="Celadon")
    assert photo_pieces_expected(Photo(product=mug)) == 1

    earrings = ProductFactory(title="Stone Drop Earrings")
    VariantFactory(product=earrings, sku="DRP-1", title="Garnet")
    assert photo_pieces_expected(Photo(product=earrings)) == 2

    coasters = ProductFactory(title="Oak Coasters")
    one = VariantFactory(product=coasters, sku="CST-1", title="Single")
    four = VariantFactory(product=coasters, sku="CST-4", options={"size": "set of 4"})
    assert photo_pieces_expected(Photo(product=coasters, variant=one)) == 1  # the photo shows that variant
    assert photo_pieces_expected(Photo(product=coasters, variant=four)) == 4
    assert photo_pieces_expected(Photo(product=coasters)) == 4  # a photo of no one variant: any of them


def test_the_demo_studios_hoops_say_they_are_a_pair():
    """Two hoops in the demo's photo are the product, not a hoop broken in two: its words say so."""
    from demo.catalogue import PRODUCTS

    hoops = next(product for product in PRODUCTS if product.sku == "JWL-HOP")
    assert pieces_expected([hoops.title, hoops.dimensions, *hoops.materials, *hoops.techniques]) == 2
