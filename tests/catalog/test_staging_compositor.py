"""The offline stager on rendered product photos: the product's pixels come through byte for byte.

Each photo is drawn here (a speckled, shaded mug on paper), so its true mask is
known; the mask is feathered the way the cut-out feathers it. Speckle makes
every product pixel different from its neighbours, so any resampling, shift,
grade or blur of the product would show as changed bytes.
"""

import io
import json
import zlib

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured
from PIL import Image, ImageDraw, ImageFilter

from catalog.staging.base import Placement, StagingError, encode_png
from catalog.staging.compositor import CompositorStager
from catalog.staging.fidelity import enforce, measure_fidelity
from catalog.staging.layout import plan_layout
from catalog.staging.looks import ASPECTS, MAX_LONG_SIDE, MIN_LONG_SIDE, LookSpec, starter_looks
from studio.backends import backends

STARTERS = dict(starter_looks())


def product_photo(size: int = 400, *, seed: int = 0, backdrop=(245, 243, 240)) -> tuple[Image.Image, Image.Image]:
    """A mug with a handle and a stripe on paper, and its feathered mask (255 product, 0 backdrop)."""
    s = size / 400
    shape = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(shape)
    draw.rounded_rectangle((120 * s, 120 * s, 260 * s, 290 * s), radius=8 * s, fill=255)
    draw.ellipse((120 * s, 108 * s, 260 * s, 132 * s), fill=255)
    draw.ellipse((240 * s, 156 * s, 304 * s, 244 * s), fill=255)
    draw.ellipse((258 * s, 174 * s, 286 * s, 226 * s), fill=0)
    rng = np.random.default_rng(seed)
    ramp = np.linspace(1.25, 0.75, size, dtype=np.float32)[None, :, None]
    body = np.array((60, 100, 150), np.float32) * ramp + rng.integers(-16, 17, (size, size, 3), dtype=np.int8)
    body[int(180 * s) : int(196 * s)] = (220, 190, 100)
    photo = Image.new("RGB", (size, size), backdrop)
    photo.paste(Image.fromarray(np.clip(body, 0, 255).astype(np.uint8)), mask=shape)
    mask = shape.filter(ImageFilter.GaussianBlur(2 * s))
    return photo, mask


def look_with(name: str = "Oak table", **sections) -> LookSpec:
    data = {key: dict(value) if isinstance(value, dict) else value for key, value in STARTERS[name].items()}
    for section, values in sections.items():
        if isinstance(values, dict):
            data[section] = {**data[section], **values}
        else:
            data[section] = values
    return LookSpec.from_dict(data)


@pytest.fixture(scope="module")
def photo():
    return product_photo()


@pytest.fixture(scope="module")
def stager():
    return CompositorStager()


@pytest.mark.parametrize("aspect", sorted(ASPECTS))
@pytest.mark.parametrize("name", sorted(STARTERS))
def test_the_products_interior_is_byte_identical_in_every_starter_look_and_aspect(photo, stager, name, aspect):
    image, mask = photo
    look = look_with(name, output={"aspect": aspect})
    staged = stager.stage(image=image, mask=mask, look=look, seed=11)

    assert staged.image.mode == "RGB"
    assert staged.fidelity.identical_share == 1.0
    assert staged.fidelity.max_abs_diff == 0
    assert staged.fidelity.pixels_compared > 10_000 and staged.fidelity.erosion_px == 2

    width, height = staged.image.size
    across, down = ASPECTS[aspect]
    assert abs(width / height - across / down) < 2 / min(width, height)
    assert MIN_LONG_SIDE <= max(width, height) <= MAX_LONG_SIDE and width * height <= 20_000_000
    assert list(staged.image.size) == staged.details["layout"]["canvas"]
    assert staged.backend == "compositor" and staged.seed == 11


def test_a_2048_px_photo_at_the_looks_share_keeps_the_requested_size(stager):
    image, mask = product_photo(2048, seed=3)
    # The mug is 1000 px tall; at 49 % of the frame the look's 2048 px suits it as it is.
    look = look_with("Linen morning", placement={"scale": 0.49, "anchor": "centre"})
    staged = stager.stage(image=image, mask=mask, look=look, seed=5)
    assert staged.image.size == (2048, 2048)
    assert staged.fidelity.exact and staged.fidelity.pixels_compared > 500_000
    assert staged.details["layout"]["notes"] == []
    assert set(staged.details["timings_ms"]) >= {"backdrop", "composite", "fidelity", "total"}


def test_the_same_seed_gives_the_same_bytes_and_another_seed_another_texture(photo, stager):
    image, mask = photo
    look = look_with("Terrazzo")
    first = stager.stage(image=image, mask=mask, look=look, seed=42)
    again = stager.stage(image=image, mask=mask, look=look, seed=42)
    other = stager.stage(image=image, mask=mask, look=look, seed=43)
    assert encode_png(first.image) == encode_png(again.image)
    assert first.image.size == other.image.size
    assert first.details["placement"] == other.details["placement"]  # the seed moves no product
    backdrop_rows = slice(first.details["layout"]["horizon_y"] + 5, None)  # the terrazzo, away from the product
    a, b = np.asarray(first.image)[backdrop_rows, :80], np.asarray(other.image)[backdrop_rows, :80]
    assert np.mean(np.any(a != b, axis=-1)) > 0.5


def _luma(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"), dtype=np.float32)


@pytest.mark.parametrize(("angle", "dark_side"), [(270, "right"), (90, "left")])
def test_the_shadow_falls_on_the_side_away_from_the_light(photo, stager, angle, dark_side):
    image, mask = photo
    settings = dict(
        light={"angle": angle, "intensity": 0.0, "ambient": 0.0},
        grade={"warmth": 0, "contrast": 0, "saturation": 0, "vignette": 0},
    )
    lit = look_with("Studio white", shadow={"opacity": 0.8, "length": 0.8, "softness": 0.3}, **settings)
    unlit = look_with("Studio white", shadow={"opacity": 0.0, "length": 0.8, "softness": 0.3}, **settings)
    shadowed = stager.stage(image=image, mask=mask, look=lit, seed=1)
    plain = stager.stage(image=image, mask=mask, look=unlit, seed=1)
    left, top, right, bottom = shadowed.details["placement"]["box"]
    width, height = right - left, bottom - top
    rows = slice(bottom - height // 10, bottom)
    darkening = _luma(plain.image) - _luma(shadowed.image)
    on_left = darkening[rows, left - width // 2 : left - 2].mean()
    on_right = darkening[rows, right + 2 : right + width // 2].mean()
    shaded, lit_side = (on_right, on_left) if dark_side == "right" else (on_left, on_right)
    assert shaded > 8, "a visible shadow on the side away from the light"
    assert shaded > 4 * max(lit_side, 0.5)
    # And a contact shadow right under the product's base, whatever the light.
    under = darkening[bottom : bottom + max(height // 40, 2), left + width // 4 : right - width // 4].mean()
    assert under > 5


def test_the_light_and_grade_change_the_backdrop_but_never_the_product(photo, stager):
    image, mask = photo
    graded = look_with(
        "Oak table",
        grade={"warmth": 1, "contrast": 1, "saturation": -1, "vignette": 1},
        light={"angle": 90, "intensity": 1.0, "ambient": 1.0},
    )
    staged = stager.stage(image=image, mask=mask, look=graded, seed=2)
    assert staged.fidelity.exact
    values = np.asarray(staged.image, dtype=np.float32)
    wall = values[10 : staged.details["layout"]["horizon_y"] - 10]
    assert wall[:, -40:].mean() > wall[:, :40].mean() + 5, "lit from the right: the right of the wall is brighter"


@pytest.mark.parametrize(("anchor", "where"), [("left-third", 1 / 3), ("centre", 1 / 2), ("right-third", 2 / 3)])
def test_the_anchor_places_the_product(anchor, where):
    look = look_with("Oak table", placement={"anchor": anchor, "scale": 0.5})
    layout = plan_layout(product_box=(100, 100, 200, 400), look=look)
    left, _, right, _ = layout.placement.box
    assert abs((left + right) / 2 / layout.canvas[0] - where) < 0.01
    assert layout.base_y > layout.horizon_y  # it stands on the table, not against the wall


def test_a_small_product_is_never_enlarged_and_the_note_says_so():
    layout = plan_layout(product_box=(10, 10, 90, 210), look=look_with("Oak table"))
    assert max(layout.canvas) == MIN_LONG_SIDE
    assert layout.placement.reduction == 1
    assert layout.share < 0.25
    assert any("never enlarged" in note for note in layout.notes)


def test_a_product_too_large_for_any_publishable_image_is_binned_and_reported():
    layout = plan_layout(product_box=(0, 0, 3000, 6000), look=look_with("Oak table"))
    assert layout.placement.reduction == 2
    assert max(layout.canvas) <= MAX_LONG_SIDE
    assert any("binned 2 × 2" in note for note in layout.notes)


def test_binned_products_are_byte_identical_to_the_binned_photo():
    image, mask = product_photo(2200, seed=9)  # the mug is over 1000 px tall: more than a 1024 px image holds
    stager = CompositorStager(max_long_side=1024)
    staged = stager.stage(image=image, mask=mask, look=look_with("Marble"), seed=1)
    assert staged.details["placement"]["reduction"] == 2
    assert staged.fidelity.exact and staged.fidelity.scale == 0.5


def test_fidelity_notices_a_single_changed_pixel_and_a_jpeg(photo, stager):
    image, mask = photo
    staged = stager.stage(image=image, mask=mask, look=look_with("Marble"), seed=4)
    placement = Placement.from_dict(staged.details["placement"])
    left, top, right, bottom = placement.box
    touched = staged.image.copy()
    x, y = (left + right) // 2 - 30, (top + bottom) // 2
    r, g, b = touched.getpixel((x, y))
    touched.putpixel((x, y), (r, g, b ^ 1))
    changed = measure_fidelity(image, mask, touched, placement)
    assert changed.identical_share < 1.0 and changed.max_abs_diff == 1
    assert changed.pixels_compared - round(changed.identical_share * changed.pixels_compared) == 1

    stored = Image.open(io.BytesIO(encode_png(staged.image)))  # what is saved keeps the guarantee
    as_stored = json.loads(json.dumps(staged.details["placement"]))  # as the service keeps it: lists, not tuples
    assert measure_fidelity(image, mask, stored, Placement.from_dict(as_stored)).exact
    buffer = io.BytesIO()
    staged.image.save(buffer, format="JPEG", quality=95)
    jpeg = measure_fidelity(image, mask, Image.open(buffer), placement)
    assert jpeg.identical_share < 0.9, "why staged images are stored as PNG"


def test_enforce_puts_the_product_back_after_anything_painted_over_it(photo, stager):
    image, mask = photo
    staged = stager.stage(image=image, mask=mask, look=look_with("Linen morning"), seed=4)
    placement = Placement.from_dict(staged.details["placement"])
    painted = Image.new("RGB", staged.image.size, (10, 200, 30))  # a model that repainted everything
    restored = enforce(image, mask, painted, placement)
    assert measure_fidelity(image, mask, restored, placement).exact
    left, top, right, bottom = placement.box
    assert restored.getpixel((left - 5, top - 5)) == (10, 200, 30)  # outside the product: the new scene


def test_encode_png_keeps_no_metadata():
    image = Image.new("RGB", (8, 8), (200, 100, 50))
    image.info.update({"icc_profile": b"fake-profile", "dpi": (300, 300), "comment": b"secret"})
    data = encode_png(image)
    chunks, offset = [], 8
    while offset < len(data):
        length = int.from_bytes(data[offset : offset + 4], "big")
        chunks.append(data[offset + 4 : offset + 8])
        offset += 12 + length
    assert set(chunks) == {b"IHDR", b"IDAT", b"IEND"}
    assert Image.open(io.BytesIO(data)).getpixel((3, 3)) == (200, 100, 50)


@pytest.mark.parametrize("size", [(1, 1), (1, 7), (5, 3), (257, 64)])
def test_encode_png_round_trips_every_byte(size):
    """The hand-written PNG (Sub filter, Huffman only) decodes to the very pixels it was given."""
    pixels = np.random.default_rng(3).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    pixels[0, ::2] = (255, 0, 1)  # next to (0, 255, 254): every difference wraps around modulo 256
    pixels[0, 1::2] = (0, 255, 254)
    data = encode_png(Image.fromarray(pixels, "RGB"))
    offset = 8
    while offset < len(data):  # every chunk's CRC is right
        length = int.from_bytes(data[offset : offset + 4], "big")
        crc = int.from_bytes(data[offset + 8 + length : offset + 12 + length], "big")
        assert zlib.crc32(data[offset + 4 : offset + 8 + length]) == crc
        offset += 12 + length
    decoded = Image.open(io.BytesIO(data))
    assert decoded.mode == "RGB" and decoded.size == size
    assert np.array_equal(np.asarray(decoded), pixels)


def test_greyscale_and_rgba_photos_are_staged_with_their_values_kept(stager):
    image, mask = product_photo(300, seed=2)
    for converted in (image.convert("L"), image.convert("RGBA")):
        staged = stager.stage(image=converted, mask=mask, look=look_with("Studio white"), seed=0)
        assert staged.fidelity.exact and staged.image.mode == "RGB"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda i, m: (i, m.resize((200, 200))), "cut the photo out again"),
        (lambda i, m: (i, Image.new("L", i.size, 0)), "cut-out is empty"),
        (lambda i, m: (i, m.point(lambda v: min(v, 200))), "no solid product pixels"),
        (lambda i, m: (i, m.convert("RGB")), "greyscale"),
        (lambda i, m: (i.convert("CMYK"), m), "convert it to RGB"),
    ],
)
def test_inputs_that_cant_be_staged_say_why(photo, stager, change, says):
    image, mask = change(*photo)
    with pytest.raises(StagingError, match=says):
        stager.stage(image=image, mask=mask, look=LookSpec(), seed=0)


def test_a_negative_seed_is_refused(photo, stager):
    with pytest.raises(StagingError, match="seed"):
        stager.stage(image=photo[0], mask=photo[1], look=LookSpec(), seed=-1)


def test_the_compositor_is_the_stager_the_registry_builds(settings):
    settings.ATELIER_BACKENDS = {
        "stager": {"BACKEND": "catalog.staging.compositor.CompositorStager", "OPTIONS": {"max_long_side": 2048}}
    }
    stager = backends["stager"]
    assert isinstance(stager, CompositorStager) and stager.step == "stager" and stager.max_long_side == 2048
    settings.ATELIER_BACKENDS = {
        "stager": {"BACKEND": "catalog.staging.compositor.CompositorStager", "OPTIONS": {"max_long_side": 9000}}
    }
    with pytest.raises(ImproperlyConfigured, match="max_long_side"):
        backends["stager"]
