"""Intake: every refusal with a real crafted file, and what a kept photo loses (metadata) and keeps (pixels)."""

import hashlib
import io
import struct
import tracemalloc
import zlib

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from PIL import Image, ImageCms

from catalog.models import Photo, QCVerdict
from catalog.photos import intake
from catalog.photos.intake import photo_clean
from catalog.services import photo_add, photo_intake
from tests.catalog.test_photo_qc import studio_shot

pytestmark = pytest.mark.django_db


def encode(image: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def noisy(size=(600, 400), seed=1) -> Image.Image:
    """Camera-like noise, so a JPEG of it is big enough to cut in half meaningfully."""
    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    return Image.fromarray(pixels)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims width × height, followed by a tiny IDAT: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header (SOF0) is rewritten to claim width × height."""
    content = bytearray(encode(Image.new("RGB", (16, 16), "white"), quality=90))
    sof = content.index(b"\xff\xc0")
    content[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(content)


def assert_nothing_stored(settings):
    assert not Photo.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


def refusal(product, content: bytes, filename: str = "photo.jpg") -> ValidationError:
    with pytest.raises(ValidationError) as error:
        photo_add(product=product, content=content, filename=filename)
    return error.value


# --- Refusals ---------------------------------------------------------------------------------------


def test_zero_bytes_are_refused(own_product, settings):
    error = refusal(own_product, b"", "IMG_0001.jpg")
    assert error.messages == ["IMG_0001.jpg: not an image we can read — the file is empty (0 bytes)."]
    assert error.code == "empty"
    assert_nothing_stored(settings)


def test_a_file_over_the_size_limit_is_refused_before_anything_else(own_product, settings):
    settings.ATELIER_PHOTO_MAX_BYTES = 10_000
    content = encode(noisy((300, 300)))
    assert len(content) > 10_000
    error = refusal(own_product, content, "big.jpg")
    assert error.code == "too_large"
    message = error.messages[0].replace("\xa0", " ")  # sizes are kept on one line
    assert message.startswith("big.jpg: too large (") and message.endswith("KB); photos may be at most 9.8 KB.")
    assert_nothing_stored(settings)


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"<script>alert('hi')</script>", "HTML or script text"),
        (b"\xef\xbb\xbf  <!DOCTYPE html><html><body onload=alert(1)>", "HTML or script text"),
        (
            b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "an SVG drawing",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
            "an SVG drawing",
        ),
    ],
    ids=["script", "html", "svg-with-script", "svg"],
)
def test_markup_disguised_as_a_photo_is_refused(own_product, settings, content, what):
    error = refusal(own_product, content, "photo.jpg")
    assert error.messages == [f"photo.jpg: not an image we can read — it is {what}, not a photo."]
    assert error.code == "disguised"
    assert_nothing_stored(settings)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"%PDF-1.7\n", "it is a PDF"),
        (b"GIF89a" + b"\0" * 20, "it is not a JPEG, PNG"),
        (b"just some notes", "it is not a JPEG, PNG"),
    ],
    ids=["pdf", "gif", "text"],
)
def test_other_files_are_refused_by_what_they_are(own_product, settings, content, expected):
    error = refusal(own_product, content, "photo.png")
    assert error.messages[0].startswith(f"photo.png: not an image we can read — {expected}")
    assert_nothing_stored(settings)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_truncated_file_is_refused(own_product, settings, fmt):
    whole = encode(noisy(), fmt)
    error = refusal(own_product, whole[: len(whole) // 2], f"cut.{fmt.lower()}")
    assert error.code == "corrupt"
    assert error.messages == [
        f"cut.{fmt.lower()}: not an image we can read — the {fmt} file is cut short or damaged; try exporting it again."
    ]
    assert_nothing_stored(settings)


def test_a_damaged_jpeg_is_refused(own_product, settings):
    content = bytearray(encode(noisy()))
    content[200:4000] = b"\xff" * 3800  # the scan data is garbage
    assert refusal(own_product, bytes(content)).code == "corrupt"
    assert_nothing_stored(settings)


def test_a_png_claiming_100000_by_100000_pixels_is_refused_without_allocating_it(own_product, settings):
    bomb = png_header_only(100_000, 100_000)
    assert len(bomb) < 100
    tracemalloc.start()
    try:
        error = refusal(own_product, bomb, "bomb.png")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000  # 30 GB of pixels were never asked for
    assert error.code == "too_many_pixels"
    assert error.messages == ["bomb.png: too many pixels (10,000 megapixels); photos may have at most 50 megapixels."]
    assert_nothing_stored(settings)


def test_headers_over_the_pixel_limit_are_refused_whatever_the_format(own_product, settings):
    # Over the limit but under Pillow's own hard stop (twice the limit): intake's check is what refuses.
    error = refusal(own_product, png_header_only(8_000, 8_000), "big.png")
    assert "(8,000 × 8,000 px is 64 megapixels)" in error.messages[0]
    error = refusal(own_product, jpeg_claiming(60_000, 60_000), "bomb.jpg")
    assert error.code == "too_many_pixels" and "(3,600 megapixels)" in error.messages[0]
    assert_nothing_stored(settings)


def test_the_pixel_limit_is_a_setting(own_product, settings):
    settings.ATELIER_PHOTO_MAX_PIXELS = 1_000_000
    error = refusal(own_product, encode(Image.new("RGB", (1200, 1000), "white")), "wide.jpg")
    assert error.messages == [
        "wide.jpg: too many pixels (1,200 × 1,000 px is 1 megapixels); photos may have at most 1 megapixels."
    ]
    assert photo_add(product=own_product, content=encode(Image.new("RGB", (1000, 1000), "white"))).width == 1000


def test_heic_is_refused_kindly_when_it_cannot_be_read(own_product, settings, monkeypatch):
    monkeypatch.setattr(intake, "heic_supported", lambda: False)
    error = refusal(own_product, b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\0" * 64, "IMG_0042.HEIC")
    assert error.code == "unsupported"
    assert "IMG_0042.HEIC: HEIC photos can't be read here yet; export it as JPEG" in error.messages[0]
    assert_nothing_stored(settings)


def test_a_percent_sign_in_the_file_name_is_shown_as_it_is(own_product):
    assert refusal(own_product, b"", "100% linen.jpg").messages[0].startswith("100% linen.jpg: not an image")


def test_a_path_in_the_file_name_is_not_repeated_back():
    with pytest.raises(ValidationError) as error:
        photo_clean(content=b"", filename="C:\\Users\\ines\\Pictures\\home\\IMG_1.jpg")
    assert error.value.messages[0].startswith("IMG_1.jpg: ")


# --- What a kept photo loses and keeps -------------------------------------------------------------------


def test_the_exif_orientation_is_applied_and_the_size_swaps(own_product):
    image = Image.new("RGB", (300, 200), (200, 30, 30))
    image.paste((30, 30, 200), (150, 0, 300, 200))  # left red, right blue, as the sensor saw it
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    photo = photo_add(product=own_product, content=encode(image, exif=exif), filename="portrait.jpg")
    photo.refresh_from_db()
    assert (photo.width, photo.height) == (200, 300)
    with photo.file.open("rb") as stored, Image.open(stored) as kept:
        assert kept.size == (200, 300)
        assert kept.getexif().get(0x0112) is None
        top, bottom = kept.getpixel((100, 20)), kept.getpixel((100, 280))
    assert top[0] > 150 and top[2] < 80  # the red side is now on top
    assert bottom[2] > 150 and bottom[0] < 80


def test_gps_and_every_other_metadata_are_stripped(own_product):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "Camera 1.0"  # Software
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (55.0, 57.0, 12.5), 3: "W", 4: (3.0, 11.0, 40.2)})  # somebody's kitchen
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><exif:GPSLatitude>55,57.2N</exif:GPSLatitude></rdf:RDF></x:xmpmeta>'
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    content = encode(studio_shot(600), exif=exif, xmp=xmp, comment=b"Ines's flat, 12 Leith Walk", icc_profile=icc)
    with Image.open(io.BytesIO(content)) as uploaded:
        assert uploaded.getexif().get_ifd(0x8825)[1] == "N"  # the GPS really was there

    photo = photo_add(product=own_product, content=content, filename="mug.jpg")
    with photo.file.open("rb") as stored:
        kept = stored.read()
    with Image.open(io.BytesIO(kept)) as image:
        assert dict(image.getexif()) == {}
        assert not {"exif", "xmp", "comment", "icc_profile"} & set(image.info)
        assert image.size == (600, 600)
    for trace in (b"Exif\0\0", b"PhoneMaker", b"xmpmeta", b"GPSLatitude", b"Leith", b"ICC_PROFILE"):
        assert trace not in kept
    assert photo.sha256 == hashlib.sha256(kept).hexdigest() and photo.size_bytes == len(kept)


def test_png_and_webp_text_metadata_are_stripped_too(own_product):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "12 Leith Walk")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    png = photo_add(product=own_product, content=encode(studio_shot(300), "PNG", pnginfo=info, exif=exif))
    webp = photo_add(product=own_product, content=encode(studio_shot(320), "WEBP", exif=exif, quality=90))
    for photo in (png, webp):
        with photo.file.open("rb") as stored:
            kept = stored.read()
        assert b"Leith" not in kept and b"PhoneMaker" not in kept and b"eXIf" not in kept and b"EXIF" not in kept


def test_the_real_format_decides_not_the_name(own_product):
    png_named_jpg = photo_add(product=own_product, content=encode(studio_shot(300), "PNG"), filename="photo.jpg")
    assert png_named_jpg.file.name.endswith(".png")
    lossless = photo_add(product=own_product, content=encode(studio_shot(310), "WEBP", lossless=True), filename="a.png")
    assert lossless.file.name.endswith(".webp")
    with lossless.file.open("rb") as stored:
        assert b"VP8L" in stored.read(64)  # a lossless WebP stays lossless


def test_a_phones_multi_picture_jpeg_keeps_its_first_picture_as_a_plain_jpeg(own_product):
    buffer = io.BytesIO()
    studio_shot(300).save(buffer, format="MPO", save_all=True, append_images=[Image.new("RGB", (300, 300), "blue")])
    photo = photo_add(product=own_product, content=buffer.getvalue(), filename="IMG_20240601.jpg")
    with photo.file.open("rb") as stored, Image.open(stored) as kept:
        assert kept.format == "JPEG" and kept.size == (300, 300)
        assert kept.getpixel((5, 5)) == (255, 255, 255)  # the studio shot, not the blue second picture


def test_a_script_appended_to_a_real_jpeg_is_not_kept(own_product):
    polyglot = encode(studio_shot(300)) + b"<script>alert(document.cookie)</script>"
    photo = photo_add(product=own_product, content=polyglot, filename="photo.jpg")
    with photo.file.open("rb") as stored:
        assert b"<script" not in stored.read()


def test_transparency_and_odd_modes_are_stored_sensibly(own_product):
    rgba = studio_shot(300).convert("RGBA")
    rgba.putalpha(128)
    kept = photo_add(product=own_product, content=encode(rgba, "PNG"))
    with kept.file.open("rb") as stored, Image.open(stored) as image:
        assert image.mode == "RGBA"
    cmyk = photo_add(product=own_product, content=encode(studio_shot(320).convert("CMYK")))
    with cmyk.file.open("rb") as stored, Image.open(stored) as image:
        assert image.mode == "RGB" and image.format == "JPEG"


def test_heic_is_read_and_stored_as_jpeg_when_pillow_heif_is_installed(own_product):
    pytest.importorskip("pillow_heif")
    assert intake.heic_supported()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    photo = photo_add(product=own_product, content=encode(studio_shot(400), "HEIF", exif=exif), filename="IMG_1.HEIC")
    assert photo.file.name.endswith(".jpg") and (photo.width, photo.height) == (400, 400)
    with photo.file.open("rb") as stored:
        kept = stored.read()
    assert kept[:3] == b"\xff\xd8\xff" and b"PhoneMaker" not in kept


# --- Deduplication and what is stored ----------------------------------------------------------------


def test_the_same_upload_twice_gives_one_photo(own_product):
    content = encode(studio_shot(500))
    first, created = photo_intake(product=own_product, content=content, filename="a.jpg")
    again, created_again = photo_intake(product=own_product, content=content, filename="b.jpg")
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and own_product.photos.count() == 1


def test_the_same_photo_with_and_without_gps_is_one_photo(own_product):
    image = studio_shot(500)
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (55.0, 57.0, 12.5)})
    plain = photo_add(product=own_product, content=encode(image, quality=95))
    located = photo_add(product=own_product, content=encode(image, quality=95, exif=exif))
    assert located.pk == plain.pk


def test_a_stored_photo_has_its_sizes_hash_and_quality_report(own_product, artisan):
    content = encode(studio_shot(2000), quality=90)
    photo = photo_add(product=own_product, content=content, filename="IMG_7.JPG", uploaded_by=artisan, alt_text="Pot")
    photo.refresh_from_db()
    with photo.file.open("rb") as stored:
        kept = stored.read()
    assert (photo.width, photo.height, photo.size_bytes) == (2000, 2000, len(kept))
    assert photo.file.name == f"photos/{photo.sha256[:2]}/{photo.sha256}.jpg"
    assert photo.sha256 == hashlib.sha256(kept).hexdigest()
    assert photo.qc_verdict == QCVerdict.PASS and photo.qc_checked_at is not None
    assert {check["check"] for check in photo.qc_checks} >= {"resolution", "sharpness", "exposure", "fill"}
    assert (photo.uploaded_by, photo.alt_text) == (artisan, "Pot")


def test_a_failing_photo_is_still_stored_with_its_report(own_product):
    photo = photo_add(product=own_product, content=encode(studio_shot(800)), filename="small.jpg")
    assert photo.pk and photo.qc_verdict == QCVerdict.FAIL
    assert photo.qc_concerns[0]["message"].startswith("too small for Etsy: 800 × 800 px")
