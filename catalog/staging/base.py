"""What every stager takes and returns, and the errors it may raise.

A stager renders one product photo into one look:

    stager.stage(image=photo, mask=cutout_mask, look=LookSpec, seed=7) -> StagedImage

It never touches the database; the service loads the photo and its mask, stores
the result and files it for review. The product's own pixels are never altered
(fidelity.py says exactly what that means and checks it on every image), and
that guarantee holds only as long as the image is stored losslessly: save it
with `encode_png` (or as lossless WebP), never as JPEG.
"""

from __future__ import annotations

import struct
import time
import zlib
from abc import abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from catalog.staging.looks import LookSpec
from studio.backends import Backend

# Modes whose pixels convert to RGB without changing a value (L and P map exactly; RGBA drops alpha).
ACCEPTED_MODES = {"RGB", "RGBA", "L", "LA", "P"}


class StagingError(Exception):
    """The inputs can't be staged (no product in the mask, a mask of the wrong size…); the message says why."""


class StagerUnavailable(StagingError):
    """The stager can't run on this machine (no model, no library); the message says what to set up."""


class FidelityError(StagingError):
    """The product's pixels came out changed: a bug, never a result to keep."""


@dataclass(frozen=True)
class Placement:
    """Where the product's pixels went: staged pixel (x, y) shows reference pixel (x - dx, y - dy).

    The reference is the original photo itself when `reduction` is 1 (always,
    unless the product is too large for any publishable image at its own
    resolution), else the original binned by that integer factor
    (`Image.reduce`: each pixel the exact mean of a reduction × reduction block).
    """

    offset: tuple[int, int]  # (dx, dy), whole pixels
    box: tuple[int, int, int, int]  # the product's crop on the staged image: left, top, right, bottom
    canvas: tuple[int, int]  # the staged image's (width, height)
    reduction: int = 1

    @property
    def scale(self) -> float:
        return 1.0 / self.reduction

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "scale": self.scale}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Placement:
        """From `to_dict`'s output as stored in `details` (lists for tuples), to re-measure fidelity later."""
        return cls(
            offset=tuple(data["offset"]),
            box=tuple(data["box"]),
            canvas=tuple(data["canvas"]),
            reduction=int(data.get("reduction", 1)),
        )


@dataclass(frozen=True)
class Fidelity:
    identical_share: float  # of the eroded product interior, the share of pixels byte-identical to the reference
    max_abs_diff: int  # the largest difference of any channel there (0 when identical)
    pixels_compared: int
    erosion_px: int
    scale: float = 1.0  # 1.0: compared with the original photo itself; less: with its uniform binning

    @property
    def exact(self) -> bool:
        return self.pixels_compared > 0 and self.identical_share == 1.0


@dataclass
class StagedImage:
    image: Image.Image  # 8-bit RGB at the output size; store it with encode_png
    fidelity: Fidelity
    backend: str
    seed: int
    details: dict[str, Any] = field(default_factory=dict)  # placement, layout decisions, timings
    check: Any = None  # catalog.staging.check.StagingCheck, set by the service after the stager (never by it)

    def png(self) -> bytes:
        return encode_png(self.image)


class Stager(Backend):
    """Base of the stagers (step "stager"): subclasses implement `stage`."""

    step = "stager"
    name = ""

    @abstractmethod
    def stage(self, *, image: Image.Image, mask: Image.Image, look: LookSpec, seed: int) -> StagedImage:
        """One photo rendered into one look, the product's pixels untouched."""


def encode_png(image: Image.Image) -> bytes:
    """Lossless PNG bytes of an RGB image with no metadata at all (no text chunks, ICC, EXIF or dpi).

    Lossless is what keeps the product byte-identical: a JPEG would re-quantise its pixels. Written here
    rather than by Pillow because Pillow tries four row filters on every row, which cost more than the
    compression: every row gets PNG's "Sub" filter (each byte less the same channel of the pixel to its
    left, one numpy subtraction for the whole image), which turns a photograph into small differences,
    and zlib's Huffman coding alone packs them (a photograph's noise has few repeats worth searching for).
    On the 2048 px bench look: 152 → 66 ms CPU, 2.59 → 2.66 MB.
    """
    if image.mode != "RGB":
        raise StagingError(f"A staged image is 8-bit RGB; got mode {image.mode}.")
    width, height = image.size
    pixels = np.asarray(image).reshape(height, width * 3)
    rows = np.empty((height, width * 3 + 1), np.uint8)
    rows[:, 0] = PNG_FILTER_SUB
    rows[:, 1:4] = pixels[:, :3]
    np.subtract(pixels[:, 3:], pixels[:, :-3], out=rows[:, 4:])  # modulo 256, as PNG wants
    deflate = zlib.compressobj(1, zlib.DEFLATED, 15, 9, zlib.Z_HUFFMAN_ONLY)
    data = deflate.compress(rows) + deflate.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits, truecolour, no interlace
    return PNG_SIGNATURE + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", data) + _png_chunk(b"IEND", b"")


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_FILTER_SUB = 1


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)))


def prepared_inputs(image: Image.Image, mask: Image.Image) -> tuple[Image.Image, Image.Image, tuple[int, ...]]:
    """The photo as RGB, the mask, and the mask's bounding box; StagingError when they can't be staged."""
    if image.mode not in ACCEPTED_MODES:
        raise StagingError(
            f"Photos in {image.mode} mode can't be staged without changing their colours; convert it to RGB first."
        )
    if mask.mode != "L":
        raise StagingError(f"The cut-out mask must be an 8-bit greyscale (L) image; got mode {mask.mode}.")
    if mask.size != image.size:
        raise StagingError(
            f"The cut-out mask is {mask.width} × {mask.height} px but the photo is "
            f"{image.width} × {image.height} px; cut the photo out again."
        )
    box = mask.getbbox()
    if box is None:
        raise StagingError("The cut-out is empty: no pixel of the photo is marked as the product.")
    if mask.crop(box).getextrema()[1] < 255:
        raise StagingError("The cut-out has no solid product pixels (only a faint edge); cut the photo out again.")
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    return rgb, mask, box


class Timings:
    """Milliseconds per stage of the work, for `details`."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}
        self._started = time.perf_counter()

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.ms[name] = round((time.perf_counter() - started) * 1000, 1)

    def done(self) -> dict[str, float]:
        return {**self.ms, "total": round((time.perf_counter() - self._started) * 1000, 1)}
