"""The fidelity rule: the product's own pixels reach the staged image unchanged.

"The product's own pixels" are the mask's solid interior (value 255), eroded by
`EROSION_PX` so that a one-pixel disagreement about where the edge is can't
count. "Unchanged" means byte-identical, compared in the product's own
coordinates through the `Placement` a stager returns: staged pixel (x, y)
shows reference pixel (x - dx, y - dy), the reference being the original photo
(or, only for a product too large for any publishable image, its exact
integer binning; see layout.py).

`enforce` is how every stager puts the product in: the solid interior is
copied, never computed; only the feathered edge is blended with what is
behind it, in the colour of the product's nearby solid pixels rather than
the photo's (so a product shot on white paper doesn't carry a pale fringe
onto dark oak). Because the
diffusion stager calls it last, nothing a model does can reach the product.

The guarantee holds for the image as stored only if it is stored losslessly
(PNG via base.encode_png, or lossless WebP): JPEG re-quantises every pixel.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageChops

from catalog.staging.base import Fidelity, Placement

EROSION_PX = 2
FRINGE_REACH_PX = 16  # how far inside the edge the product's own colour is sampled
EDGE_BLOCK = 4
SOLID = [0] * 255 + [255]  # Image.point table: the solid interior (alpha 255) alone


def reference(original: Image.Image, mask: Image.Image, reduction: int = 1) -> tuple[Image.Image, Image.Image]:
    """The photo and mask a placement refers to: the originals, or their exact k × k binning."""
    rgb = original if original.mode == "RGB" else original.convert("RGB")
    if reduction == 1:
        return rgb, mask
    return rgb.reduce(reduction), mask.reduce(reduction)


def _source_box(placement: Placement) -> tuple[int, int, int, int]:
    dx, dy = placement.offset
    left, top, right, bottom = placement.box
    return left - dx, top - dy, right - dx, bottom - dy


def enforce(
    original: Image.Image, mask: Image.Image, staged: Image.Image, placement: Placement, *, defringe: bool = True
) -> Image.Image:
    """`staged` with the product laid in at `placement`: interior copied byte for byte, edge feathered.

    Only the soft edge (0 < alpha < 255, a few thousand pixels) is computed; the solid interior is pasted by
    Pillow, and where alpha is 0 the new backdrop is left as it is.
    """
    from scipy import ndimage  # heavy; only staging needs it

    rgb, alpha_image = reference(original, mask, placement.reduction)
    source = _source_box(placement)
    alpha_crop = alpha_image.crop(source)
    out = staged.copy()
    out.paste(rgb.crop(source), placement.box[:2], mask=alpha_crop.point(SOLID))  # the product's own bytes
    alpha = np.asarray(alpha_crop)
    ys, xs = np.nonzero((alpha > 0) & (alpha < 255))
    if len(ys):
        if defringe:
            colour = _edge_colour(rgb, alpha_image, source, (ys, xs), ndimage)
        else:
            colour = _pixels_at(rgb, source, ys, xs).astype(np.float32)
        weight = (alpha[ys, xs].astype(np.float32) / 255.0)[:, None]
        behind = np.asarray(staged.crop(placement.box))[ys, xs].astype(np.float32)
        edge = np.zeros((*alpha.shape, 3), np.uint8)
        edge[ys, xs] = np.clip(np.rint(colour * weight + behind * (1.0 - weight)), 0, 255).astype(np.uint8)
        soft = np.zeros(alpha.shape, np.uint8)
        soft[ys, xs] = 255
        out.paste(Image.fromarray(edge, "RGB"), placement.box[:2], mask=Image.fromarray(soft, "L"))
    return out


def _pixels_at(rgb: Image.Image, box: tuple[int, int, int, int], ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    return np.asarray(rgb.crop(box))[ys, xs]


def _edge_colour(
    rgb: Image.Image, mask: Image.Image, source: tuple[int, int, int, int], edge: tuple[np.ndarray, np.ndarray], ndimage
) -> np.ndarray:
    """The product's own colour for each edge pixel (the (ys, xs) of `source` with 0 < alpha < 255), as (n, 3) floats.

    A cut-out mask is a feathered outline, not a true matte: in its outer half
    the photo still shows the old backdrop. So the colour there is taken from
    the product's solid pixels nearby (their mean over FRINGE_REACH_PX, worked
    out on blocks of EDGE_BLOCK px: it is a smooth estimate), and the photo's
    own pixel is trusted only where the mask says it is mostly product. Alpha
    still decides how much of it covers the new backdrop; the old backdrop
    never comes along.
    """
    q, reach = EDGE_BLOCK, FRINGE_REACH_PX
    left, top, right, bottom = source
    padded = (max(left - reach, 0), max(top - reach, 0), min(right + reach, rgb.width), min(bottom + reach, rgb.height))
    solid_mask = mask.crop(padded).point(SOLID)
    height, width = solid_mask.height, solid_mask.width
    blocks_h, blocks_w = -(-height // q), -(-width // q)
    # The solid pixels' colours (others 0) and their count, summed per block: sums of at most 16 bytes, exact.
    grid = np.zeros((blocks_h * q, blocks_w * q, 4), np.uint16)
    grid[:height, :width, :3] = np.asarray(
        Image.composite(rgb.crop(padded), Image.new("RGB", (width, height)), solid_mask)
    )
    grid[:height, :width, 3] = np.asarray(solid_mask) // 255
    sums = grid.reshape(blocks_h, q, blocks_w, q, 4).sum(axis=(1, 3), dtype=np.uint16).astype(np.float32)
    size = 2 * (reach // q) + 1
    sums = np.stack([ndimage.uniform_filter(sums[..., c], size=size, mode="constant") for c in range(4)], axis=-1)

    ys, xs = edge
    own = _pixels_at(rgb, source, ys, xs).astype(np.float32)
    ys, xs = ys + (top - padded[1]), xs + (left - padded[0])
    near_sums = sums[ys // q, xs // q]
    known = near_sums[:, 3] > 1e-3
    near = own.copy()
    near[known] = near_sums[known, :3] / near_sums[known, 3:]
    if not known.all():  # a wide feather: fall back to the product's overall colour, never the old backdrop's
        total = sums[..., 3].sum()
        near[~known] = sums[..., :3].sum(axis=(0, 1)) / total if total > 0 else own[~known]
    alpha = np.asarray(mask.crop(source))[edge].astype(np.float32) / 255.0
    trust = (np.clip((alpha - 0.5) / 0.5, 0, 1) ** 2)[:, None]
    return trust * own + (1.0 - trust) * near


def product_interior(mask: Image.Image, erosion_px: int = EROSION_PX) -> tuple[np.ndarray, tuple[int, int], int]:
    """The eroded solid interior as a boolean array over its bounding box, that box's origin, and the erosion used.

    A product so thin that erosion leaves nothing (a fine chain) is compared uneroded.
    """
    from scipy import ndimage

    solid_image = mask.point(SOLID)
    box = solid_image.getbbox()
    if box is None:
        return np.zeros((0, 0), dtype=bool), (0, 0), erosion_px
    solid = np.asarray(solid_image.crop(box)) > 0
    eroded = ndimage.binary_erosion(solid, iterations=erosion_px, border_value=0) if erosion_px else solid
    if not eroded.any():
        return solid, (box[0], box[1]), 0
    return eroded, (box[0], box[1]), erosion_px


def measure_fidelity(
    original: Image.Image, mask: Image.Image, staged: Image.Image, placement: Placement, *, erosion_px: int = EROSION_PX
) -> Fidelity:
    """How much of the product's eroded interior came through byte-identical (1.0 is the rule)."""
    rgb, alpha = reference(original, mask, placement.reduction)
    interior, (ox, oy), erosion_used = product_interior(alpha, erosion_px)
    total = int(interior.sum())
    if total == 0:
        return Fidelity(0.0, 255, 0, erosion_used, placement.scale)
    height, width = interior.shape
    dx, dy = placement.offset
    # The interior's box on the staged image, clipped to it: pixels placed off the canvas count as changed.
    left, top = ox + dx, oy + dy
    cl, ct = max(left, 0), max(top, 0)
    cr, cb = min(left + width, staged.width), min(top + height, staged.height)
    if cl >= cr or ct >= cb:
        return Fidelity(0.0, 255, total, erosion_used, placement.scale)
    seen = interior[ct - top : cb - top, cl - left : cr - left]
    expected = rgb.crop((cl - dx, ct - dy, cr - dx, cb - dy))
    actual = staged.crop((cl, ct, cr, cb))  # crop first: no full-canvas copy
    red, green, blue = ImageChops.difference(expected, actual.convert("RGB")).split()
    # Each pixel's largest channel difference, by Pillow: no (n, 3) integer copies of the product.
    largest = np.asarray(ImageChops.lighter(ImageChops.lighter(red, green), blue))[seen]
    identical = int(np.count_nonzero(largest == 0))
    cropped = total > len(largest)
    return Fidelity(
        identical_share=identical / total,
        max_abs_diff=255 if cropped else int(largest.max(initial=0)),
        pixels_compared=total,
        erosion_px=erosion_used,
        scale=placement.scale,
    )
