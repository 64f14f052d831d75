"""Colour profiles at intake: a real one is converted to sRGB, an unreadable one is dropped, none is ever stored.

A profile is opaque bytes to everything after intake, so whatever text it
carries (a script, somebody's address) would travel with the photo into the
stored original, its cut-out, its staged images and their thumbnails.
"""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, ImageCms

from catalog.models import Look, StagedImage
from catalog.services import photo_add
from catalog.staging.services import looks_ensure_starters, staging_start
from tests.browser import photos
from tests.catalog.test_staging_services import _small

pytestmark = pytest.mark.django_db

HOSTILE_TEXT = b"<script>alert(document.cookie)</script> Ines Moreau, 12 Leith Walk, Edinburgh EH6 8RG"
# Display P3's colorants, adapted to the D50 white of the profile connection space.
P3_COLORANTS = ((0.5151, 0.2412, -0.0011), (0.2920, 0.6922, 0.0419), (0.1571, 0.0666, 0.7841))
D50 = (0.9642, 1.0, 0.8249)


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(values) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(_s15(v) for v in values)


def rgb_profile(description: bytes, colorants=P3_COLORANTS, gamma: float = 2.2) -> bytes:
    """A valid ICC v2 matrix/TRC display profile, built byte by byte (no profile files ship with the OS here)."""
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(description) + 1) + description + b"\0"
    desc += b"\0" * 8 + b"\0\0\0" + b"\0" * 67  # no Unicode and no ScriptCode description
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"
    tags = [
        (b"desc", desc),
        (b"wtpt", _xyz(D50)),
        (b"rXYZ", _xyz(colorants[0])),
        (b"gXYZ", _xyz(colorants[1])),
        (b"bXYZ", _xyz(colorants[2])),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text\0\0\0\0" + description + b"\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = struct.pack(">I", len(tags)), b""
    for signature, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = struct.pack(">I", size) + b"lcms" + bytes([2, 0x10, 0, 0]) + b"mntrRGB XYZ " + b"\0" * 12 + b"acsp"
    header += b"\0" * (68 - len(header)) + b"".join(_s15(v) for v in D50)
    header += b"\0" * (128 - len(header))
    return header + table + data


def garbage_profiles() -> list[bytes]:
    """Profiles no colour engine can read: plain text, and text behind a plausible ICC header."""
    plausible = struct.pack(">I", 128 + len(HOSTILE_TEXT)) + b"lcms" + bytes([2, 0x10, 0, 0]) + b"mntrRGB XYZ "
    plausible += b"\0" * 12 + b"acsp" + b"\0" * 88 + HOSTILE_TEXT
    return [HOSTILE_TEXT * 4, plausible]


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def mug_image(seed: int = 1) -> Image.Image:
    with Image.open(io.BytesIO(photos.mug("#8fb3a0", seed=seed))) as opened:
        return opened.convert("RGB")


def png_profiles(content: bytes) -> list[bytes]:
    """The profiles a PNG's iCCP chunks carry, decompressed (raw bytes can't be searched: they are deflated)."""
    found, offset = [], 8
    while offset + 8 <= len(content):
        length, kind = struct.unpack(">I4s", content[offset : offset + 8])
        if kind == b"iCCP":
            chunk = content[offset + 8 : offset + 8 + length]
            found.append(zlib.decompress(chunk[chunk.index(b"\0") + 2 :]))
        offset += 12 + length
    return found


def assert_no_trace(content: bytes, where: str) -> None:
    readable = content + b"".join(png_profiles(content)) if content.startswith(b"\x89PNG") else content
    for trace in (b"<script", b"Leith Walk", b"acsp"):
        assert trace not in readable, f"{trace!r} survived in {where}"
    with Image.open(io.BytesIO(content)) as image:
        assert "icc_profile" not in image.info, f"{where} carries a colour profile"


def stored_files(settings) -> dict[str, bytes]:
    return {
        str(path.relative_to(settings.MEDIA_ROOT)): path.read_bytes()
        for path in settings.MEDIA_ROOT.rglob("*")
        if path.is_file()
    }


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
@pytest.mark.parametrize("profile", garbage_profiles(), ids=["text", "icc-header"])
def test_an_unreadable_profile_is_dropped(own_product, fmt, profile):
    content = encode(mug_image(), fmt, icc_profile=profile)
    if fmt != "PNG":
        assert b"<script" in content and b"Leith Walk" in content  # the upload really carries it

    photo = photo_add(product=own_product, content=content, filename=f"mug.{fmt.lower()}")

    with photo.file.open("rb") as stored:
        kept = stored.read()
    assert_no_trace(kept, "the stored photo")
    with Image.open(io.BytesIO(kept)) as image:
        pixel = image.convert("RGB").getpixel((10, 10))
    original = mug_image().getpixel((10, 10))
    assert max(abs(a - b) for a, b in zip(pixel, original)) <= 6  # read as sRGB: colours unchanged


@pytest.mark.parametrize("mode", ["P", "LA", "1"])
def test_a_profile_on_a_picture_that_is_not_rgb_is_dropped_too(own_product, mode):
    """Palette, grey-with-alpha and bilevel PNGs used to keep their profile untouched, readable or not."""
    image = mug_image().convert("RGBA").convert(mode) if mode == "LA" else mug_image().convert(mode)
    for profile in (*garbage_profiles(), rgb_profile(HOSTILE_TEXT)):
        content = encode(image, "PNG", icc_profile=profile)
        assert png_profiles(content)  # the upload really carries it

        photo = photo_add(product=own_product, content=content, filename="mug.png")

        with photo.file.open("rb") as stored:
            assert_no_trace(stored.read(), f"a {mode} photo")
        photo.delete()


def test_a_display_p3_photo_is_converted_to_srgb(own_product):
    profile = rgb_profile(b"Display P3 (test)")
    p3 = ImageCms.ImageCmsProfile(io.BytesIO(profile))
    assert ImageCms.getProfileDescription(p3).strip() == "Display P3 (test)"
    swatch = Image.new("RGB", (400, 400), (40, 200, 60))  # a green sRGB can't show as vividly as P3
    content = encode(swatch, "PNG", icc_profile=profile)

    photo = photo_add(product=own_product, content=content, filename="swatch.png")

    with photo.file.open("rb") as stored, Image.open(stored) as kept:
        assert "icc_profile" not in kept.info
        pixel = kept.convert("RGB").getpixel((200, 200))
    expected = ImageCms.profileToProfile(swatch, p3, ImageCms.createProfile("sRGB")).getpixel((200, 200))
    assert pixel == expected
    assert pixel[1] > 200 and pixel[0] < 40  # P3's green is more saturated than the same numbers in sRGB


def test_no_file_made_from_a_photo_keeps_its_profile(own_product, settings, django_capture_on_commit_callbacks):
    """The original, its cut-out, the staged images and their thumbnails: none carries the hostile bytes."""
    uploads = [
        encode(mug_image(1), "JPEG", icc_profile=garbage_profiles()[1], quality=92),
        encode(mug_image(2), "WEBP", icc_profile=garbage_profiles()[0], quality=90),
        encode(mug_image(3), "PNG", icc_profile=rgb_profile(HOSTILE_TEXT)),
    ]
    for n, content in enumerate(uploads):
        photo_add(product=own_product, content=content, filename=f"mug-{n}")
    looks_ensure_starters()
    look = _small(Look.objects.order_by("position").first())
    with django_capture_on_commit_callbacks(execute=True):
        staging_start(products=[own_product], looks=[look])

    assert StagedImage.objects.filter(status=StagedImage.Status.READY).count() == 3
    files = stored_files(settings)
    for kind in ("photos/masks/", "photos/thumbs/", "staged/thumbs/"):
        assert sum(name.startswith(kind) for name in files) == 3, kind
    assert sum(name.startswith("photos/") for name in files) == 9  # three originals, their cut-outs and copies
    for name, content in files.items():
        assert_no_trace(content, name)
