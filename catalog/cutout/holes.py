"""The backdrop seen through a product (inside a ring, a hoop, a bangle, a chain's loop, a handle), on plain backdrops.

A salient-object model fills what a thin product encloses: it rates the paper
inside a ring 1.0 product, as sure as it is of a white glaze on white paper.
Colour distance alone can't tell them apart either (both are within a few ΔE
of the paper). Three cues together do, on the small analysis copy:

- texture: paper seen through a hole is as flat as the paper at the border
  (its lightness gradient is the border's), a glaze has its own (throwing
  lines, speckles, shading);
- hue: paper keeps its hue in shadow (only its lightness drops), a glaze,
  however pale, has its own tint;
- light: a region lighter than the backdrop is lit product (a highlight),
  never a hole.

An enclosed backdrop-like region that matches the backdrop on texture and hue
and isn't lighter is the backdrop (`backdrop`); one that matches on only one of
them is `doubtful`: the cut-out keeps it and the staged-image check says so.
The cut-out (refine.backdrop_holes_cleared) and the check (staging/check.py)
both use `survey`, so that what one clears the other recognises.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PLAIN_BACKDROP = 4.0  # ΔE: a border that fits the classical backdrop model this well is a paper backdrop
HOLE_DELTA_E = 3.0  # ΔE from the backdrop model (or 3 × the border's noise) that still looks like backdrop
SEAL_PX = 2  # px at the analysis size (512): gaps in a product's outline narrower than twice this are closed
MIN_PX = 30  # px at the analysis size: enclosed regions smaller than this are too small to judge by texture
TEXTURE_RATIO = 1.6  # a region's median lightness gradient over the border's: paper through a hole is ~1, glaze 4–8
HUE_DELTA_E = 1.2  # ΔE in a*b* between a region's mean and the backdrop: a ring's hole 0.1–1.1, white glaze 1.5–2.8
LIGHTER = 0.5  # L*: a region this much lighter than the backdrop on average is lit product
# A hole's own shadow (the band of a ring casts one inside it) is the backdrop darker, of its hue and smooth;
# it joins the hole within SHADOW_REACH_PX, never across an edge of the photo (EDGE_GRADIENT ΔE/px).
SHADOW_REACH_PX = 16
SHADOW_CHROMA = 3.0
EDGE_GRADIENT = 5.0


@dataclass
class Survey:
    """Enclosed backdrop-like regions of one photo at the analysis size, each judged."""

    regions: np.ndarray  # int labels at the analysis size; 0 is no region
    shadowish: np.ndarray  # pixels a hole's shadow may cover (darker backdrop, its hue, no edge)
    distinct: np.ndarray  # pixels that differ from the backdrop model (a pale rim, wax), no shadow
    distance: np.ndarray | None = None  # ΔE of each pixel from the backdrop model, shadows counted less
    surface: np.ndarray | None = None  # the backdrop model's L*a*b* at every pixel (when survey worked it out)
    differs_at: float = HOLE_DELTA_E  # ΔE from `surface` (shadows counted less) at which a pixel isn't backdrop
    backdrop: list[int] = field(default_factory=list)  # regions that are surely the backdrop seen through
    doubtful: list[int] = field(default_factory=list)  # regions one cue says are backdrop, the other product
    product: list[int] = field(default_factory=list)  # regions that look like product (a pale glaze)

    def mask(self, labels: list[int]) -> np.ndarray:
        return np.isin(self.regions, labels) if labels else np.zeros(self.regions.shape, dtype=bool)

    def with_shadow(self, holes: np.ndarray) -> np.ndarray:
        """`holes` grown into their own shadow (darker backdrop of the same hue, up to an edge)."""
        from scipy import ndimage

        if not holes.any():
            return holes
        return ndimage.binary_dilation(holes, iterations=SHADOW_REACH_PX, mask=self.shadowish | holes)


def survey(
    rgb: np.ndarray, *, residual: np.ndarray | None = None, lightness: np.ndarray | None = None
) -> Survey | None:
    """The enclosed regions of a small RGB copy (analysis_pixels) that look like the backdrop, judged by
    texture, hue and light; None on a photo whose border is no plain backdrop (a table, a room).

    `residual` (backdrop_residual of `rgb`) and `lightness` (its L*) may be passed when already worked out.
    """
    from scipy import ndimage

    from catalog.photos.cutout import _backdrop_surface, _shadow_weighted
    from catalog.photos.qc import border_pixels, to_lab

    surface = None
    if residual is None or lightness is None:
        lab = to_lab(rgb)
        if residual is None:  # as backdrop_residual, keeping the surface for a full-size look (refine.py)
            surface = _backdrop_surface(lab)
            residual = _shadow_weighted(lab - surface)
        lightness = lab[..., 0] if lightness is None else lightness
    distance = np.linalg.norm(residual, axis=-1)
    noise = float(np.sqrt(np.mean(border_pixels(distance) ** 2)))
    if noise > PLAIN_BACKDROP:
        return None
    gradient = np.hypot(ndimage.sobel(lightness, axis=0), ndimage.sobel(lightness, axis=1)) / 8.0  # ΔE per px
    flat_border = max(float(np.median(border_pixels(gradient))), 0.05)
    # A fine chain breaks up at the analysis size: widen what isn't backdrop a little to close its loop.
    differs = distance >= max(3.0 * noise, HOLE_DELTA_E)
    sealed = ~ndimage.binary_dilation(differs, iterations=SEAL_PX)
    parts, count = ndimage.label(sealed)
    touching = set(np.unique(np.concatenate([parts[0], parts[-1], parts[:, 0], parts[:, -1]])).tolist())
    chroma = np.linalg.norm(residual[..., 1:], axis=-1)
    edge = ndimage.binary_dilation(gradient > EDGE_GRADIENT, iterations=1)
    darker_grey = (residual[..., 0] < -noise) & (chroma < SHADOW_CHROMA)  # a shadow, also where it meets an edge
    result = Survey(
        regions=np.zeros(parts.shape, dtype=np.int32),
        shadowish=darker_grey & ~edge,
        distinct=differs & ~darker_grey,
        distance=distance,
        surface=surface,
        differs_at=max(3.0 * noise, HOLE_DELTA_E),
    )
    if count == 0:
        return result
    sizes = ndimage.sum_labels(np.ones_like(parts), parts, index=np.arange(1, count + 1))
    small: list[int] = []
    hues: dict[int, float] = {}
    for label in range(1, count + 1):
        if label in touching:
            continue
        region = parts == label
        result.regions[region] = label
        hue = float(np.linalg.norm(residual[region][:, 1:].mean(axis=0)))
        hues[label] = hue
        if sizes[label - 1] < MIN_PX:  # too small to judge by its texture: left to the model
            result.product.append(label)
            small.append(label)
            continue
        core = ndimage.binary_erosion(region, iterations=2)  # the region's own edge is the product's edge
        texture = float(np.median(gradient[core if core.sum() >= 10 else region])) / flat_border
        lighter = float(residual[region][:, 0].mean()) > LIGHTER
        flat, same_hue = texture <= TEXTURE_RATIO, hue <= HUE_DELTA_E
        if flat and same_hue and not lighter:
            result.backdrop.append(label)
        elif (flat or same_hue) and not lighter:
            result.doubtful.append(label)
        else:
            result.product.append(label)
    _split_by_shadow_joined(result, small, hues, ndimage)
    return result


def _split_by_shadow_joined(result: Survey, small: list[int], hues: dict[int, float], ndimage) -> None:
    """Doubtful regions, and those too `small` to judge, that a surely-backdrop region's shadow reaches become
    backdrop.

    The shadow a band casts inside it (a bangle's) differs from the backdrop, so it splits the paper seen
    through the band: the wide part beyond the shadow, judged backdrop, and a thin strip (or a few small
    pieces of one) between the shadow and the band, whose gradient reads as texture. Reached through that
    shadow, and of the paper's own hue (`hues`: ΔE in a*b* from the backdrop; a white glaze's speckles on a
    mug are a shade warmer), it is the same hole.
    """
    candidates = result.doubtful + small
    if not result.backdrop or not candidates:
        return
    holes = result.mask(result.backdrop)
    # As far as the shadow runs (a wide one is more than SHADOW_REACH_PX), and one pixel on into the strip.
    shadowed = ndimage.binary_propagation(holes, mask=result.shadowish | holes)
    reached = ndimage.binary_dilation(shadowed, iterations=1)
    joined = [label for label in candidates if reached[result.regions == label].any() and hues[label] <= HUE_DELTA_E]
    result.backdrop += joined
    result.doubtful = [label for label in result.doubtful if label not in joined]
    result.product = [label for label in result.product if label not in joined]
