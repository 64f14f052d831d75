"""The offline stager: the product laid onto a procedural backdrop, with its own pixels untouched.

    ATELIER_BACKENDS["stager"] = {"BACKEND": "catalog.staging.compositor.CompositorStager", "OPTIONS": {}}

One photo and its cut-out mask in, one staged image out, in well under a
second at 2048 px on one core, with no model and no download:

1. layout: the canvas is sized around the product at its native resolution
   (layout.py explains why the product is never resampled, and what happens
   when a photo doesn't suit the look);
2. backdrop: the look's wall and surface, from the seed (surfaces.py);
3. shading: contact and cast shadow from the product's silhouette, away from
   the look's light; the light's fall-off, a touch of the photo's own light
   colour, the grade and the vignette, on the backdrop only (shading.py);
4. the product is laid in (fidelity.enforce): interior copied byte for byte,
   feathered edge blended after taking the old backdrop's colour out of it;
5. the fidelity rule is measured on the result; an image that breaks it is a
   bug and raises FidelityError instead of reaching the review queue.

Same inputs and seed → byte-identical output. Store it losslessly (encode_png).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from catalog.staging.base import (
    FidelityError,
    StagedImage,
    Stager,
    StagingError,
    Timings,
    prepared_inputs,
)
from catalog.staging.fidelity import enforce, measure_fidelity, reference
from catalog.staging.layout import Layout, plan_layout
from catalog.staging.looks import MAX_LONG_SIDE, MIN_LONG_SIDE, LookSpec
from catalog.staging.shading import ambient_cast, lit_image, shadow_map
from catalog.staging.surfaces import render_backdrop

MAX_SEED = 2**63 - 1


class CompositorStager(Stager):
    name = "compositor"

    def __init__(self, *, max_long_side: int = MAX_LONG_SIDE) -> None:
        if not MIN_LONG_SIDE <= int(max_long_side) <= MAX_LONG_SIDE:
            raise TypeError(f"max_long_side must be between {MIN_LONG_SIDE} and {MAX_LONG_SIDE} px")
        super().__init__(max_long_side=int(max_long_side))
        self.max_long_side = int(max_long_side)

    def stage(self, *, image: Image.Image, mask: Image.Image, look: LookSpec, seed: int) -> StagedImage:
        timings = Timings()
        rgb, mask, box = prepared_inputs(image, mask)
        check_seed(seed)
        layout = plan_layout(product_box=box, look=look, ceiling=self.max_long_side)
        with timings("backdrop"):
            backdrop = render_layout_backdrop(rgb, mask, layout, look, seed)
        with timings("composite"):
            staged = enforce(rgb, mask, backdrop, layout.placement)
        with timings("fidelity"):
            fidelity = measure_fidelity(rgb, mask, staged, layout.placement)
        if not fidelity.exact:
            raise FidelityError(f"The product's pixels changed while staging ({fidelity}); nothing was kept.")
        return StagedImage(
            image=staged,
            fidelity=fidelity,
            backend=self.name,
            seed=seed,
            details=layout_details(layout, look, timings.done()),
        )


def check_seed(seed: int) -> None:
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        raise StagingError(f"The seed must be a whole number from 0 to {MAX_SEED}; got {seed!r}.")


def render_layout_backdrop(
    rgb: Image.Image, mask: Image.Image, layout: Layout, look: LookSpec, seed: int
) -> Image.Image:
    """The look's backdrop for this layout, shadowed, lit and graded, as an 8-bit RGB image (no product)."""
    backdrop = render_backdrop(look, layout.canvas, seed, horizon_y=layout.horizon_y, focus_y=layout.base_y)
    _, silhouette = reference(rgb, mask, layout.placement.reduction)
    dx, dy = layout.placement.offset
    left, top, right, bottom = layout.placement.box
    shadow = shadow_map(silhouette.crop((left - dx, top - dy, right - dx, bottom - dy)), layout, look)
    return lit_image(backdrop, look, shadow=shadow, cast=ambient_cast(rgb, mask), rng=np.random.default_rng([seed, 7]))


def layout_details(layout: Layout, look: LookSpec, timings: dict) -> dict:
    return {
        "placement": layout.placement.to_dict(),
        "layout": {
            "canvas": list(layout.canvas),
            "requested_size": look.output.size,
            "aspect": look.output.aspect,
            "share": layout.share,
            "requested_share": look.placement.scale,
            "horizon_y": layout.horizon_y,
            "notes": list(layout.notes),
        },
        "timings_ms": timings,
    }
