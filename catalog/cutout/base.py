"""What every cut-out backend takes and returns: a photo in, an 8-bit mask of its size out.

A backend never touches the database; catalog.services stores the mask with
the photo. The mask is "L": 255 on the product, 0 on the backdrop, soft only
at the edge. Staging copies the photo's own pixels wherever the mask is 255,
so a mask that is opaque over the backdrop, or transparent over part of the
product, shows in every staged image: `quality` says how sure the cut is.
"""

from __future__ import annotations

import io
from abc import abstractmethod
from dataclasses import dataclass, field

from PIL import Image

from studio.backends import Backend

MIN_SHARE = 0.003  # a mask covering less of the frame is no product


class CutoutError(Exception):
    """The photo has no product we can cut out; the message says why, for the maker."""


@dataclass(frozen=True)
class Cutout:
    mask: Image.Image  # "L", the photo's size: 255 product, 0 backdrop, soft in between at the edge
    quality: dict = field(default_factory=dict)  # share, confidence (0–1), backend, and the backend's own figures

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.mask.save(buffer, format="PNG", optimize=False, compress_level=1)
        return buffer.getvalue()


class Cutter(Backend):
    """Base of the cut-out backends (step "cutout"): subclasses implement `cut`."""

    step = "cutout"
    name = ""

    @abstractmethod
    def cut(self, *, image: Image.Image) -> Cutout:
        """The product's mask for an upright RGB photo; raises CutoutError when no product stands out."""
