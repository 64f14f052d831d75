"""Small copies of pictures for the pages that show many at once (the catalogue, the review queue).

A phone photo is 2,000–4,000 px and 0.3–3 MB; a catalogue of a few hundred products,
or a review queue of galleries, shown with the originals would download hundreds of MB
to an artisan's phone. Pages show these JPEG copies and link the original.
"""

from __future__ import annotations

import io

from PIL import Image

THUMB_SIDE = 480  # px, the long side of a staged image's thumbnail (review rows and grid)
PHOTO_THUMB_SIDE = 640  # px, a photo's: the catalogue card shows it up to ~320 CSS px wide on a 2× screen
PREVIEW_SIDE = 1200  # px, a staged image on its review page: a phone's 390 CSS px at 3×, a desk's column at 2×
THUMB_QUALITY = 82
PREVIEW_QUALITY = 90  # the reviewer judges edges on it; the full PNG is a tap away


def fitted(width: int, height: int, side: int) -> tuple[int, int]:
    """The size thumbnail() gives a width × height picture (never enlarged): for srcset widths."""
    if max(width, height) <= side or not width or not height:
        return width, height
    scale = side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def thumbnail(image: Image.Image, side: int = THUMB_SIDE) -> Image.Image:
    """An RGB copy whose long side is at most `side` (never enlarged)."""
    small = image.convert("RGB") if image.mode != "RGB" else image.copy()
    small.thumbnail((side, side), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return small


def thumbnail_from_bytes(content: bytes, side: int = THUMB_SIDE) -> Image.Image:
    """thumbnail() of encoded bytes; a JPEG is decoded at a reduced scale where it can be (draft mode)."""
    with Image.open(io.BytesIO(content)) as opened:
        opened.draft("RGB", (side, side))
        return thumbnail(opened, side)


def jpeg_bytes(image: Image.Image, quality: int = THUMB_QUALITY) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()
