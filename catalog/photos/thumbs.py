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
THUMB_QUALITY = 82


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


def jpeg_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=THUMB_QUALITY, optimize=True)
    return buffer.getvalue()
