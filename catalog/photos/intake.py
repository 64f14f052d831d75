"""Intake: decide whether uploaded bytes are a photo we may keep, and clean it.

Every check that can be made without decoding is made first (empty, too many
bytes, the real format from the magic number, too many pixels from the header),
so a decompression bomb is refused before a single pixel is allocated. Only then
is the image decoded, turned upright (EXIF orientation) and re-encoded from its
pixels alone: the stored original carries no EXIF, GPS, XMP, IPTC or comments,
and any script hidden in the file (a "polyglot") is gone with them.

Deduplication uses the SHA-256 of the *cleaned* bytes, which is also the stored
file's name: re-encoding is deterministic, so the same upload twice gives the
same hash, and two copies of a photo that differ only in their metadata (one
with GPS, one without) are recognised as the same photo.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageCms, ImageOps

# Pillow's own guard for every Image.open in the process (admin forms included):
# above the limit it warns, above twice the limit it refuses. Intake refuses at the limit itself.
Image.MAX_IMAGE_PIXELS = settings.ATELIER_PHOTO_MAX_PIXELS

JPEG_QUALITY = 92
WEBP_QUALITY = 92
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "heic": "HEIF"}
# What is stored for each uploaded format: browsers can't show HEIC, so it becomes a JPEG.
STORED_AS = {"jpeg": ("JPEG", "jpg"), "png": ("PNG", "png"), "webp": ("WEBP", "webp"), "heic": ("JPEG", "jpg")}
PNG_MODES = {"1", "L", "LA", "P", "RGB", "RGBA", "I;16"}


@dataclass(frozen=True)
class CleanPhoto:
    """A photo that passed intake: the bytes to store and what was learnt on the way."""

    content: bytes
    extension: str
    width: int
    height: int
    sha256: str
    source_format: str
    image: Image.Image  # the cleaned pixels, for quality control


def heic_supported() -> bool:
    """HEIC is read when pillow-heif is installed (it bundles libheif); otherwise it is refused kindly."""
    return _register_heif()


@functools.cache
def _register_heif() -> bool:
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


def accepted_formats() -> str:
    return "JPEG, PNG, WebP or HEIC" if heic_supported() else "JPEG, PNG or WebP"


def sniff_format(head: bytes) -> str | None:
    """The real format from the file's first bytes, whatever its name or content type say."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "heic"
    return None


def display_name(filename: str) -> str:
    name = os.path.basename((filename or "").replace("\\", "/")).strip() or "photo"
    return name if len(name) <= 80 else name[:77] + "…"


def refuse(name: str, reason: str, *, code: str) -> ValidationError:
    return ValidationError(f"{name}: {reason}", code=code)  # no params: a "%" in a file name stays as it is


def photo_clean(
    *, content: bytes, filename: str, max_bytes: int | None = None, max_pixels: int | None = None
) -> CleanPhoto:
    """Check the upload and return it cleaned, or raise ValidationError with a message a maker understands.

    The message always starts with the file's name, so a page listing several
    refusals says which file each one is about.
    """
    name = display_name(filename)
    max_bytes = settings.ATELIER_PHOTO_MAX_BYTES if max_bytes is None else max_bytes
    max_pixels = settings.ATELIER_PHOTO_MAX_PIXELS if max_pixels is None else max_pixels
    size_check(name=name, size=len(content), max_bytes=max_bytes)
    fmt = _real_format(name, content)
    image = _decode(name, content, fmt=fmt, max_pixels=max_pixels)
    stored_format, extension = STORED_AS[fmt]
    image = _storable_mode(_to_srgb(image), stored_format)
    transparency = image.info.get("transparency") if image.mode in {"P", "L", "RGB"} else None
    image.info = {"transparency": transparency} if transparency is not None else {}
    options: dict = {}
    if stored_format == "JPEG":
        options["quality"] = JPEG_QUALITY
    elif stored_format == "WEBP" and _webp_is_lossless(content):
        options["lossless"] = True
    elif stored_format == "WEBP":
        options["quality"] = WEBP_QUALITY
    buffer = io.BytesIO()
    image.save(buffer, format=stored_format, **options)
    cleaned = buffer.getvalue()
    return CleanPhoto(
        content=cleaned,
        extension=extension,
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(cleaned).hexdigest(),
        source_format=fmt,
        image=image,
    )


def size_check(*, name: str, size: int, max_bytes: int | None = None) -> None:
    """The checks that need only the size: callers with an uploaded file run it before reading the file."""
    max_bytes = settings.ATELIER_PHOTO_MAX_BYTES if max_bytes is None else max_bytes
    if size == 0:
        raise refuse(name, "not an image we can read — the file is empty (0 bytes).", code="empty")
    if size > max_bytes:
        raise refuse(
            name,
            f"too large ({filesizeformat(size)}); photos may be at most {filesizeformat(max_bytes)}.",
            code="too_large",
        )


def _real_format(name: str, content: bytes) -> str:
    fmt = sniff_format(content[:32])
    if fmt == "heic" and not heic_supported():
        raise refuse(
            name,
            "HEIC photos can't be read here yet; export it as JPEG (on an iPhone: Settings › Camera › "
            "Formats › Most Compatible).",
            code="unsupported",
        )
    if fmt is not None:
        return fmt
    head = content[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<") or b"<script" in head or b"<svg" in head or b"<html" in head:
        what = "an SVG drawing" if b"<svg" in content[:4096].lower() else "HTML or script text"
        raise refuse(name, f"not an image we can read — it is {what}, not a photo.", code="disguised")
    if head.startswith(b"%pdf"):
        raise refuse(name, "not an image we can read — it is a PDF; upload the photo itself.", code="not_an_image")
    raise refuse(name, f"not an image we can read — it is not a {accepted_formats()} file.", code="not_an_image")


def _decode(name: str, content: bytes, *, fmt: str, max_pixels: int) -> Image.Image:
    try:
        # Opening reads the header only; nothing is decoded until load().
        image = Image.open(io.BytesIO(content), formats=[PIL_FORMATS[fmt]])
        width, height = image.size
        if width * height > max_pixels:
            raise _too_many_pixels(name, width, height, max_pixels)
        if not width or not height:
            raise refuse(name, "not an image we can read — it has no pixels.", code="corrupt")
        image.load()
        # Always a new image (turned or copied): the file's own object and its metadata are left behind.
        return ImageOps.exif_transpose(image)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as bomb:
        # Pillow's own guard stopped it at open(); its message carries the pixel count.
        claimed = re.search(r"\((\d+) pixels\)", str(bomb))
        count = f" ({int(claimed[1]) / 1e6:,.0f} megapixels)" if claimed else ""
        raise refuse(
            name,
            f"too many pixels{count}; photos may have at most {max_pixels / 1e6:,.0f} megapixels.",
            code="too_many_pixels",
        ) from None
    except Exception:  # noqa: BLE001 — a decoder fed hostile bytes may raise anything; it is the file's fault
        raise refuse(
            name,
            f"not an image we can read — the {fmt.upper()} file is cut short or damaged; try exporting it again.",
            code="corrupt",
        ) from None


def _too_many_pixels(name: str, width: int, height: int, max_pixels: int) -> ValidationError:
    return refuse(
        name,
        f"too many pixels ({width:,} × {height:,} px is {width * height / 1e6:,.0f} megapixels); "
        f"photos may have at most {max_pixels / 1e6:,.0f} megapixels.",
        code="too_many_pixels",
    )


def _to_srgb(image: Image.Image) -> Image.Image:
    """The photo's pixels in sRGB, with no colour profile left to store.

    A photo with another profile (an iPhone's Display P3, Adobe RGB) is converted,
    since sRGB is what browsers assume. A profile that can't be read or used is
    dropped and the pixels are taken as sRGB: a profile is opaque bytes that
    every stored copy would otherwise carry, and hostile ones carry script or an
    address. A non-RGB picture (palette, grey with alpha, bilevel) is made RGB first.
    """
    icc = image.info.get("icc_profile")
    if not icc:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if "srgb" in ImageCms.getProfileDescription(source).lower().replace(" ", ""):
            return image
        if image.mode not in {"RGB", "RGBA", "CMYK", "L"}:
            image = image.convert("RGBA" if _has_alpha(image) else "RGB")
        output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=output_mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info)


def _storable_mode(image: Image.Image, stored_format: str) -> Image.Image:
    has_alpha = _has_alpha(image)
    if stored_format == "JPEG":
        if has_alpha:  # a JPEG has no transparency: lay the photo on white
            rgba = image.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            return flat
        return image if image.mode in {"RGB", "L"} else image.convert("RGB")
    if stored_format == "PNG":
        return image if image.mode in PNG_MODES else image.convert("RGBA" if has_alpha else "RGB")
    return image if image.mode in {"RGB", "RGBA"} else image.convert("RGBA" if has_alpha else "RGB")


def _webp_is_lossless(content: bytes) -> bool:
    """A lossless WebP (VP8L) stays lossless; walking the RIFF chunks finds the image chunk."""
    offset = 12
    while offset + 8 <= min(len(content), 1 << 20):
        chunk, size = content[offset : offset + 4], int.from_bytes(content[offset + 4 : offset + 8], "little")
        if chunk in {b"VP8L", b"VP8 "}:
            return chunk == b"VP8L"
        offset += 8 + size + (size & 1)
    return False
