"""Where the product goes and how large the canvas is: the fidelity rule decides.

The product's own pixels must reach the staged image unchanged, so the
product is never resampled: it is pasted at its native resolution, at a whole
pixel offset, and the *canvas* is sized around it instead. The look's
`placement.scale` (the product's share of the frame's height) is what makes a
shop's images look alike, so it wins over the look's `output.size`:

1. the long side that gives the look's exact share is computed from the
   product's height in the photo (and its width: a wide product never comes
   closer to the sides than the margin);
2. any long side that keeps the share within ±SHARE_TOLERANCE is equally
   good; of those the one nearest the look's `output.size` is taken, so a
   photo that already suits the look keeps the requested size;
3. the result is held between MIN_LONG_SIDE (a publishable image; a product
   too small for the share is then smaller than asked, never enlarged) and the
   marketplaces' ceiling (4472 px and 20 MP, or the stager's `max_long_side`);
4. only a product that can't fit inside the ceiling at its own resolution
   (a 6000 px tall object in a 48 MP photo) is reduced, and then only by
   *binning*: an integer factor k where every pixel is the exact mean of a
   k × k block (`Image.reduce`). The reference the fidelity check compares
   with is then that binned photo, and `Placement.reduction` says so.

Every decision that departs from the look is written in `notes`, in words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from catalog.staging.base import Placement
from catalog.staging.looks import (
    ASPECTS,
    MAX_LONG_SIDE,
    MAX_PIXELS,
    MIN_LONG_SIDE,
    LookSpec,
    output_dimensions,
)

SHARE_TOLERANCE = 0.1
ANCHOR_X = {"centre": 0.5, "left-third": 1 / 3, "right-third": 2 / 3}
SEAMLESS_FLOOR = 0.45  # a seamless look's "surface" starts this far down, for placement.depth
ABOVE_HORIZON = 0.03  # a product on a table stands at least this far (share of height) below the horizon


@dataclass(frozen=True)
class Layout:
    placement: Placement
    horizon_y: int | None  # the row where the surface meets the wall; None when seamless
    share: float  # the product's actual share of the canvas height
    notes: list[str] = field(default_factory=list)

    @property
    def canvas(self) -> tuple[int, int]:
        return self.placement.canvas

    @property
    def base_y(self) -> int:
        """The row the product stands on (its lowest row, exclusive)."""
        return self.placement.box[3]


def max_long_side(aspect: str, ceiling: int = MAX_LONG_SIDE) -> int:
    across, down = ASPECTS[aspect]
    ratio = max(across, down) / min(across, down)
    return min(ceiling, MAX_LONG_SIDE, math.floor(math.sqrt(MAX_PIXELS * ratio)))


def plan_layout(*, product_box: tuple[int, int, int, int], look: LookSpec, ceiling: int = MAX_LONG_SIDE) -> Layout:
    """The canvas and the product's whole-pixel place on it for a product at `product_box` of the photo."""
    notes: list[str] = []
    top_side = max_long_side(look.output.aspect, ceiling)
    reduction = 1
    while True:
        box = _reduced_box(product_box, reduction)
        width, height = box[2] - box[0], box[3] - box[1]
        fit = _least_long_side(width, height, look)
        if fit <= top_side:
            break
        reduction += 1
    if reduction > 1:
        notes.append(
            f"The product is {product_box[3] - product_box[1]} px tall in the photo: at its own resolution it "
            f"fits no image within {top_side} px, so it is binned {reduction} × {reduction} (every pixel the exact "
            f"mean of {reduction * reduction} of the photo's)."
        )
    long_side = _chosen_long_side(width, height, look, fit, top_side, notes)
    canvas = output_dimensions(look.output.aspect, long_side)
    placement, horizon_y = _place(box, (width, height), canvas, look, notes, reduction)
    share = height / canvas[1]
    if share < look.placement.scale / (1 + SHARE_TOLERANCE) and long_side == MIN_LONG_SIDE:
        notes.append(
            f"The product is only {height} px tall in the photo: it fills {share:.0%} of the height instead of "
            f"{look.placement.scale:.0%} (it is never enlarged). A larger photo suits this look better."
        )
    elif share < look.placement.scale / (1 + SHARE_TOLERANCE):
        notes.append(
            f"The product is wide: it fills {share:.0%} of the height instead of {look.placement.scale:.0%} "
            f"to keep the margin at the sides."
        )
    elif share > look.placement.scale * (1 + SHARE_TOLERANCE):
        notes.append(
            f"The product fills {share:.0%} of the height instead of {look.placement.scale:.0%}: "
            f"the image can't be larger than {top_side} px."
        )
    return Layout(placement=placement, horizon_y=horizon_y, share=round(share, 4), notes=notes)


def _reduced_box(box: tuple[int, int, int, int], k: int) -> tuple[int, int, int, int]:
    left, top, right, bottom = box
    return left // k, top // k, -(-right // k), -(-bottom // k)


def _long_from_height(height: float, aspect: str) -> float:
    across, down = ASPECTS[aspect]
    return height if down >= across else height * across / down


def _long_from_width(width: float, aspect: str) -> float:
    across, down = ASPECTS[aspect]
    return width if across >= down else width * down / across


def _least_long_side(width: int, height: int, look: LookSpec) -> int:
    """The smallest long side whose canvas holds the product inside the margins."""
    room = 1 - 2 * look.placement.margin
    aspect = look.output.aspect
    least = max(_long_from_height(height / room, aspect), _long_from_width(width / room, aspect))
    long_side = math.ceil(least)
    while True:  # rounding of the short side may cost a pixel
        w, h = output_dimensions(aspect, long_side)
        if width <= math.floor(w * room) and height <= math.floor(h * room):
            return long_side
        long_side += 1


def _chosen_long_side(width: int, height: int, look: LookSpec, fit: int, top_side: int, notes: list[str]) -> int:
    exact = _long_from_height(height / look.placement.scale, look.output.aspect)
    low = max(exact / (1 + SHARE_TOLERANCE), fit)
    high = max(exact * (1 + SHARE_TOLERANCE), fit)
    wanted = look.output.size
    long_side = round(min(max(wanted, low), high))
    long_side = min(max(long_side, MIN_LONG_SIDE, fit), top_side)
    if long_side != wanted:
        notes.append(
            f"The image is {long_side} px on the long side instead of the look's {wanted} px, so that the "
            f"product keeps its own pixels and its size in the frame."
        )
    return long_side


def _place(box, size, canvas, look: LookSpec, notes: list[str], reduction: int):
    width, height = size
    canvas_w, canvas_h = canvas
    p = look.placement
    horizon_y = None if look.horizon is None else round(look.horizon * canvas_h)
    floor_y = horizon_y if horizon_y is not None else round(SEAMLESS_FLOOR * canvas_h)
    wanted_base = floor_y + p.depth * (canvas_h - floor_y)
    if horizon_y is not None:
        wanted_base = max(wanted_base, horizon_y + ABOVE_HORIZON * canvas_h)
    base = _clamp(round(wanted_base), math.ceil(p.margin * canvas_h) + height, math.floor(canvas_h * (1 - p.margin)))
    if horizon_y is not None and base <= horizon_y:
        notes.append(
            "The product is too tall to stand below this look's horizon; it is placed as low as the margin allows."
        )
    left = _clamp(
        round(ANCHOR_X[p.anchor] * canvas_w - width / 2),
        math.ceil(p.margin * canvas_w),
        math.floor(canvas_w * (1 - p.margin)) - width,
    )
    top = base - height
    placement = Placement(
        offset=(left - box[0], top - box[1]),
        box=(left, top, left + width, base),
        canvas=canvas,
        reduction=reduction,
    )
    return placement, horizon_y


def _clamp(value: int, low: int, high: int) -> int:
    if low > high:  # can't happen once the canvas fits; centre rather than fail
        return (low + high) // 2
    return min(max(value, low), high)
