"""Quality control on synthetic photos whose faults are known: each fault is caught, with words and numbers."""

import io
import re

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from catalog.models import QCVerdict
from catalog.photos import qc
from catalog.photos.qc import photo_qc


def studio_shot(
    size: int = 2000,
    *,
    backdrop=(255, 255, 255),
    span: float = 0.55,
    centre=(0.5, 0.5),
    busy: bool = False,
    width: int | None = None,
) -> Image.Image:
    """A glazed, striped pot on a plain backdrop, in sharp focus; the knobs add one fault each."""
    w, h = width or size, size
    image = Image.new("RGB", (w, h), backdrop)
    draw = ImageDraw.Draw(image)
    rng = np.random.default_rng(5)
    if busy:
        for _ in range(400):
            x, y = rng.integers(0, w), rng.integers(0, h)
            r = int(rng.integers(h // 40, h // 8))
            draw.rectangle([x - r, y - r, x + r, y + r], fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
    side = int(span * min(w, h))
    left, top = int(centre[0] * w - side / 2), int(centre[1] * h - side / 2)
    draw.rounded_rectangle([left, top, left + side, top + side], radius=side // 8, fill=(70, 110, 140))
    for stripe in range(top + side // 10, top + side, max(4, side // 14)):
        draw.rectangle(
            [left + side // 12, stripe, left + side - side // 12, stripe + max(2, side // 40)], fill=(200, 170, 90)
        )
    draw.ellipse([left + side // 4, top + side // 5, left + side // 3, top + side // 3], fill=(235, 225, 205))
    return image


def checks_by_name(report) -> dict:
    return {(check.check, check.profile): check for check in report.checks}


def check(report, name: str, profile: str = ""):
    return checks_by_name(report)[(name, profile)]


def test_the_verdict_values_are_the_models():
    assert {qc.PASS, qc.WARN, qc.FAIL} == set(QCVerdict.values)


def test_a_sharp_product_on_a_white_background_passes_every_check():
    report = photo_qc(image=studio_shot())
    assert report.verdict == qc.PASS, [(c.check, c.message) for c in report.checks if c.verdict != qc.PASS]
    assert {c.check for c in report.checks} == {
        "resolution",
        "sharpness",
        "exposure",
        "colour",
        "background",
        "fill",
        "centring",
    }
    assert {c.profile for c in report.checks if c.check == "resolution"} == {"etsy", "shopify"}
    assert check(report, "sharpness").message.startswith("sharp: sharpness ")


def test_a_blurred_photo_is_called_soft_or_blurry_with_its_sharpness():
    report = photo_qc(image=studio_shot().filter(ImageFilter.GaussianBlur(14)))
    blur = check(report, "sharpness")
    assert blur.verdict == qc.FAIL
    assert blur.message.startswith(f"blurry: sharpness {blur.value:.0f}, aim for 100+")
    slightly = check(photo_qc(image=studio_shot().filter(ImageFilter.GaussianBlur(5))), "sharpness")
    assert slightly.verdict in {qc.WARN, qc.FAIL} and slightly.value < qc.SHARPNESS_GOOD
    assert report.verdict == qc.FAIL


def test_a_dark_photo_fails_exposure_and_says_how_much_is_black():
    pixels = np.asarray(studio_shot(backdrop=(60, 60, 60)), dtype=np.float32) * 0.1
    dark = Image.fromarray(pixels.astype(np.uint8))
    exposure = check(photo_qc(image=dark), "exposure")
    assert exposure.verdict == qc.FAIL
    shown = re.match(r"too dark: (\d+)% of pixels are black — add light", exposure.message)
    assert shown, exposure.message
    assert abs(int(shown[1]) - exposure.value) <= 1 and exposure.value >= 50


def test_a_product_blown_to_white_fails_but_a_white_backdrop_does_not():
    assert check(photo_qc(image=studio_shot(backdrop=(255, 255, 255))), "exposure").verdict == qc.PASS
    blown = studio_shot(backdrop=(200, 200, 200))
    ImageDraw.Draw(blown).ellipse([650, 650, 1350, 1350], fill=(255, 255, 255))  # a glare over half the pot
    exposure = check(photo_qc(image=blown), "exposure")
    assert exposure.verdict == qc.FAIL
    assert re.match(r"too bright: \d+% of the product is pure white", exposure.message), exposure.message


def test_a_tinted_photo_flags_a_colour_cast_and_names_the_tint():
    shot = np.asarray(studio_shot(backdrop=(245, 245, 245)), dtype=np.float32)
    yellow = Image.fromarray(np.clip(shot * [1.0, 0.93, 0.72], 0, 255).astype(np.uint8))
    cast = check(photo_qc(image=yellow), "colour")
    assert cast.verdict == qc.FAIL
    assert "yellow cast" in cast.message and cast.value >= qc.CAST_FAIL
    blue = Image.fromarray(np.clip(shot * [0.9, 0.95, 1.0], 0, 255).astype(np.uint8))
    assert "blue cast" in check(photo_qc(image=blue), "colour").message
    assert check(photo_qc(image=Image.fromarray(shot.astype(np.uint8))), "colour").verdict == qc.PASS


def test_a_small_photo_fails_etsys_resolution_and_only_warns_below_its_recommendation():
    small = photo_qc(image=studio_shot(800))
    etsy = check(small, "resolution", "etsy")
    assert etsy.verdict == qc.FAIL
    assert etsy.message == "too small for Etsy: 800 × 800 px; Etsy recommends 2,000 px or more on the short side."
    assert check(small, "resolution", "shopify").verdict == qc.PASS
    assert check(photo_qc(image=studio_shot(1500)), "resolution", "etsy").verdict == qc.WARN


def test_a_photo_too_big_for_shopify_fails_its_profile():
    # The pixel count is what matters; QC reads the size it is given, so no 24 MP image is needed.
    report = photo_qc(image=studio_shot(600), width=6000, height=4000)
    shopify = check(report, "resolution", "shopify")
    assert shopify.verdict == qc.FAIL and "4,472 px a side" in shopify.message
    assert check(photo_qc(image=studio_shot(600), width=4400, height=4600), "resolution", "shopify").verdict == qc.FAIL
    assert check(photo_qc(image=studio_shot(600), width=4472, height=4472), "resolution", "shopify").verdict == qc.PASS
    assert check(report, "resolution", "etsy").verdict == qc.PASS


def test_a_busy_background_is_flagged():
    report = photo_qc(image=studio_shot(busy=True))
    background = check(report, "background")
    assert background.verdict == qc.FAIL and background.message.startswith("busy background")
    assert check(report, "fill").verdict == qc.WARN  # no product can be told apart from such a background


def test_a_small_off_centre_product_flags_fill_and_centring():
    report = photo_qc(image=studio_shot(span=0.18, centre=(0.22, 0.25)))
    fill, centring = check(report, "fill"), check(report, "centring")
    assert fill.verdict == qc.FAIL
    assert re.match(r"the product is small in the frame: it spans 1[89]% of it — move closer", fill.message)
    assert centring.verdict == qc.FAIL and "sits left and high" in centring.message
    assert check(photo_qc(image=studio_shot(span=0.5, centre=(0.62, 0.5))), "centring").verdict == qc.WARN


def test_an_empty_frame_says_the_product_was_not_found():
    fill = check(photo_qc(image=Image.new("RGB", (1000, 1000), (240, 238, 235))), "fill")
    assert fill.verdict == qc.FAIL and "couldn't find the product" in fill.message


def test_a_transparent_png_is_judged_on_white_and_a_landscape_shot_is_fine():
    rgba = studio_shot().convert("RGBA")
    alpha = Image.new("L", rgba.size, 0)
    ImageDraw.Draw(alpha).rectangle([450, 450, 1550, 1550], fill=255)
    rgba.putalpha(alpha)
    assert photo_qc(image=rgba).verdict == qc.PASS
    wide = photo_qc(image=studio_shot(2000, width=3000, span=0.6))
    assert check(wide, "centring").verdict == qc.PASS and check(wide, "fill").verdict == qc.PASS


def test_profiles_can_be_changed_in_settings(settings):
    settings.ATELIER_PHOTO_QC_PROFILES = {
        "etsy": {"recommended_short_side": 3000},
        "amazon": {"label": "Amazon", "recommended_short_side": 1000},
    }
    report = photo_qc(image=studio_shot())
    assert check(report, "resolution", "etsy").verdict == qc.WARN
    assert check(report, "resolution", "amazon").verdict == qc.PASS


def test_the_report_is_plain_json():
    import json

    report = photo_qc(image=studio_shot(600))
    stored = json.loads(json.dumps(report.as_json()))
    assert stored[0] == {
        "check": "resolution",
        "label": "Size for Etsy",
        "verdict": "fail",
        "profile": "etsy",
        "value": 600,
        "message": "too small for Etsy: 600 × 600 px; Etsy recommends 2,000 px or more on the short side.",
    }


@pytest.mark.parametrize("mode", ["L", "P", "I;16", "CMYK", "LA"])
def test_every_image_mode_intake_keeps_can_be_checked(mode):
    image = studio_shot(400)
    image = image.convert("I").point(lambda v: v * 256).convert("I;16") if mode == "I;16" else image.convert(mode)
    assert photo_qc(image=image).verdict in {qc.PASS, qc.WARN, qc.FAIL}


def test_a_demo_studio_photo_passes(settings):
    from demo.catalogue import COLOURS
    from demo.photos import Shot, render_photo

    content = render_photo(shot=Shot("mug", COLOURS[next(iter(COLOURS))]), seed=3, size=2000)
    report = photo_qc(image=Image.open(io.BytesIO(content)))
    assert report.verdict == qc.PASS, [(c.check, c.message) for c in report.checks if c.verdict != qc.PASS]
