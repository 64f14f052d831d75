"""From a model's low-resolution product map to a full-resolution 8-bit mask whose edge follows the photo.

A salient-object model sees the photo at 320 × 320 px; scaled up as it is, its
edge is a blur several pixels wide that cuts through a rim or leaves a halo of
backdrop. A guided filter (He, Sun and Tang, 2013) fixes that: within each
small window the mask is made a linear function of the photo's colour, so
where the photo has an edge the mask gets it, and where the photo is flat the
mask stays the model's. It is fitted at a working size (long side WORK_SIDE)
and its coefficients applied to the full-size photo ("fast guided filter"),
so a 2048 px photo costs a few hundred milliseconds, not seconds.

Where the photo shows no edge of its own (white glaze on white paper) the
filter can only blur the model's outline, or snap to the wrong edge nearby (a
glaze line inside the rim); there the model's map, scaled up, is kept instead,
weighed by how much colour variance the photo has in the window
(TRUST_VARIANCE). bench/cutout.py measures both against the plain scaled map.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from PIL import Image

WORK_SIDE = 640
RADIUS_SHARE = 1 / 110  # the filter's window radius, as a share of the working long side (6 px at 640)
TRUST_VARIANCE = 5e-3  # colour variance at which the photo's edge and the model's outline count the same
EPS = 2e-3  # regularisation: smaller follows the photo's edges more closely, and its noise too
# Values of the refined map below LOW are backdrop, above HIGH product; between them the edge ramps.
LOW, HIGH = 0.2, 0.8
HOLE_MEAN = 0.97  # an enclosed backdrop-like region the model rates below this on average is backdrop
KEEP_PART_SHARE = 0.02  # parts of the model's map smaller than this share of the largest are specks
FILL_MIN_PX = 30  # px at the analysis size: a hole in the model's map smaller than this is left to the model
GROW_PX = 4  # px at the analysis size: how far past the model's 0.5 line a pale edge the photo shows is kept
SPILL_PX = 2  # px at the analysis size: a pale edge that runs on this far past GROW_PX is no rim (a glow)
TAIL_SHADOW_DEPTH = 20.0  # L*: inside the mask's 0.5 line, a darkening of the paper up to this is a shadow
TAIL_PX = 3  # px at the analysis size: how far from a crisp edge of the product its soft tail may run
SHADOW_CHROMA = 3.0  # ΔE of hue: a darker pixel greyer than this is a shadow, never a rim (as holes.py)
EDGE_PX = 1.5  # px: the width of the edge where the model's map is kept (no edge in the photo to follow)


@dataclass(frozen=True)
class PlainBackdrop:
    """What the survey of a plain backdrop tells refined_mask, which works at full size: the backdrop model,
    and where along the outline to look (analysis size)."""

    surface: np.ndarray  # the backdrop's L*a*b* at each analysis pixel
    differs_at: float  # ΔE from the backdrop (shadows counted less) at which a pixel is no longer backdrop
    crisp: np.ndarray  # bool: next to product that differs from the backdrop (its edge shows in the photo)
    rim_band: np.ndarray | None = None  # bool: along the outline where a pale rim may run, away from a glow
    rim_beyond: np.ndarray | None = None  # bool: the part of rim_band beyond the model's line along the rim
    rim_grown: np.ndarray | None = None  # bool: where the rim grew at the analysis size (and a pixel around)


class Cleared(NamedTuple):
    """backdrop_holes_cleared's result: the map, the holes cleared and left doubtful, and the plain backdrop."""

    probability: np.ndarray
    holes: int
    doubtful: int
    backdrop: PlainBackdrop | None = None


def refined_mask(
    probability: np.ndarray, image: Image.Image, *, backdrop: PlainBackdrop | None = None
) -> tuple[Image.Image, np.ndarray]:
    """The 8-bit "L" mask at the photo's size, and the cleaned low-resolution map it came from. On a plain
    `backdrop` (backdrop_holes_cleared's) the edge is then settled pixel by pixel against it (_on_backdrop)."""
    from scipy import ndimage  # heavy; only here

    probability = _without_specks(probability.astype(np.float32), ndimage)
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    scale = min(1.0, WORK_SIDE / max(rgb.size))
    work_size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
    guide = _floats(rgb.resize(work_size, Image.Resampling.BILINEAR) if scale < 1 else rgb)
    start = _resize(probability, work_size)
    radius = max(2, round(max(work_size) * RADIUS_SHARE))
    a, b, contrast = _guided_coefficients(guide, start, radius=radius, eps=EPS, ndimage=ndimage)
    # Where the photo shows no edge (white glaze on white paper) the filter would only blur the model's
    # outline, and blurring eats into a curved rim: there the model's own map, scaled up, is kept.
    trust = contrast / (contrast + TRUST_VARIANCE)
    # The model's map scaled up is a blur as wide as one of its pixels (6 px at 2048 px): kept as it is, a white
    # rim on white paper gets a soft, pale sliver. Where the photo has no edge to follow, the map's own 0.5
    # line is the edge, steepened to about EDGE_PX.
    gain = max(1.0, max(rgb.size) / max(probability.shape) / EDGE_PX)
    if scale == 1:
        alpha = _alpha(a, guide, b, trust, _resize(probability, rgb.size), gain)
        return Image.fromarray(_on_backdrop(alpha, rgb, backdrop), "L"), probability
    # At full size the result is decided (0 or 255) everywhere but in a band along the outline: only that band
    # is worked out pixel by pixel, which spares a dozen full-size float arrays (time and memory).
    solid, clear = _decided(a, b, probability, gain, rgb.size, ndimage)
    band = ~(solid | clear)
    full = np.where(solid, np.uint8(255), np.uint8(0))
    if band.any():
        guide_band = np.asarray(rgb)[band].astype(np.float32) / 255.0
        a_band = np.stack([_resize(a[..., c], rgb.size)[band] for c in range(3)], axis=-1)
        full[band] = _alpha(
            a_band,
            guide_band,
            _resize(b, rgb.size)[band],
            _resize(trust, rgb.size)[band],
            _resize(probability, rgb.size)[band],
            gain,
        )
    return Image.fromarray(_on_backdrop(full, rgb, backdrop), "L"), probability


def _alpha(a, guide, b, trust, probability, gain: float) -> np.ndarray:
    """The 8-bit mask from the filter's coefficients, the photo, and the model's map, pixel by pixel.

    Works the same on images (h, w, 3) and on lists of pixels (n, 3), so that the band refined_mask works
    out gets exactly the values the whole image would.
    """
    refined = (a * guide).sum(axis=-1) + b
    steep = np.clip((probability - 0.5) * gain + 0.5, 0.0, 1.0)
    refined = trust * refined + (1.0 - trust) * steep
    alpha = np.clip((refined - LOW) / (HIGH - LOW), 0.0, 1.0)
    return np.round(alpha * 255).astype(np.uint8)


def _decided(a, b, probability, gain: float, size: tuple[int, int], ndimage) -> tuple[np.ndarray, np.ndarray]:
    """Full-size masks of the pixels certainly solid (255) and certainly clear (0) after the upscale.

    A full-size pixel's coefficients are bilinear blends of its 2 × 2 nearest working-size ones, its photo
    colour lies in 0–1, and trust blends the filter's value with the steepened map: so bounds taken over
    each 3 × 3 neighbourhood at the working (and the model's) size bound the pixel's value. Solid where both
    lower bounds clear HIGH, clear where both upper bounds stay under LOW, with a margin for float rounding.
    """
    margin = 1e-3

    def low(values):
        return ndimage.minimum_filter(values, size=3, mode="nearest")

    def high(values):
        return ndimage.maximum_filter(values, size=3, mode="nearest")

    reach_low = low(b) + sum(np.minimum(low(a[..., c]), 0.0) for c in range(3))
    reach_high = high(b) + sum(np.maximum(high(a[..., c]), 0.0) for c in range(3))
    steep_low = np.clip((low(probability) - 0.5) * gain + 0.5, 0.0, 1.0)
    steep_high = np.clip((high(probability) - 0.5) * gain + 0.5, 0.0, 1.0)

    def upscaled(flags: np.ndarray) -> np.ndarray:
        image = Image.fromarray(flags.astype(np.uint8) * 255, "L").resize(size, Image.Resampling.NEAREST)
        return np.asarray(image) > 0

    solid = upscaled(reach_low >= HIGH + margin) & upscaled(steep_low >= HIGH + margin)
    clear = upscaled(reach_high <= LOW - margin) & upscaled(steep_high <= LOW - margin)
    return solid, clear


def _guided_coefficients(guide: np.ndarray, p: np.ndarray, *, radius: int, eps: float, ndimage):
    """The colour guided filter's per-pixel a (3 channels) and b, averaged over the window, and the photo's
    colour variance there (how much of an edge the photo shows)."""
    size = 2 * radius + 1

    def box(values: np.ndarray) -> np.ndarray:
        return ndimage.uniform_filter(values, size=size, mode="reflect")

    mean_i = np.dstack([box(guide[..., c]) for c in range(3)])
    mean_p = box(p)
    cov_ip = np.dstack([box(guide[..., c] * p) for c in range(3)]) - mean_i * mean_p[..., None]
    var = {}
    for i, j in ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)):
        var[i, j] = box(guide[..., i] * guide[..., j]) - mean_i[..., i] * mean_i[..., j] + (eps if i == j else 0.0)
    # The 3 × 3 covariance inverted per pixel by its cofactors (np.linalg.solve is several times slower).
    rr, rg, rb, gg, gb, bb = var[0, 0], var[0, 1], var[0, 2], var[1, 1], var[1, 2], var[2, 2]
    inv_rr, inv_rg, inv_rb = gg * bb - gb * gb, gb * rb - rg * bb, rg * gb - gg * rb
    inv_gg, inv_gb, inv_bb = rr * bb - rb * rb, rb * rg - rr * gb, rr * gg - rg * rg
    det = rr * inv_rr + rg * inv_rg + rb * inv_rb
    c_r, c_g, c_b = cov_ip[..., 0], cov_ip[..., 1], cov_ip[..., 2]
    a = (
        np.dstack(
            [
                inv_rr * c_r + inv_rg * c_g + inv_rb * c_b,
                inv_rg * c_r + inv_gg * c_g + inv_gb * c_b,
                inv_rb * c_r + inv_gb * c_g + inv_bb * c_b,
            ]
        )
        / det[..., None]
    )
    b = mean_p - np.einsum("hwc,hwc->hw", a, mean_i)
    contrast = box(var[0, 0] + var[1, 1] + var[2, 2] - 3 * eps)  # the photo's own colour variance nearby
    return np.dstack([box(a[..., c]) for c in range(3)]), box(b), np.clip(contrast, 0.0, None)


def without_backdrop_holes(probability: np.ndarray, image: Image.Image) -> tuple[np.ndarray, int]:
    """backdrop_holes_cleared without the doubtful count nor the backdrop: (map, holes cleared)."""
    cleared = backdrop_holes_cleared(probability, image)
    return cleared.probability, cleared.holes


def backdrop_holes_cleared(probability: np.ndarray, image: Image.Image) -> Cleared:
    """The map with the backdrop seen through a hole (inside a necklace's loop, a ring, a handle) cleared.

    A salient-object model is unsure about the backdrop a thin product encloses
    and paints it half-solid (a ghost disc inside a chain), or, inside a ring or
    a hoop, rates it as surely product as the ring itself. On a plain backdrop
    (holes.survey) an enclosed region that looks like the backdrop is cleared
    when the model itself rates it below HOLE_MEAN on average, or when texture
    and hue both say backdrop (holes.py); with it goes the shadow the product
    casts into it. Returns the map, how many holes were cleared and how many
    were left as doubtful (one cue says backdrop, the other product: the
    staged-image check flags them). Before that, pale product the model cut into is given back: holes it
    bites out of a face where the photo shows no backdrop (_product_holes_filled) and a pale rim its 0.5
    line runs through (_plain_backdrop: its edge is found at full size by refined_mask). Real scenes (a table) are
    left alone.
    """
    from catalog.cutout import holes as found
    from catalog.photos.qc import analysis_pixels

    survey = found.survey(analysis_pixels(image))
    if survey is None:
        return Cleared(probability, 0, 0)
    probability = _product_holes_filled(probability, survey)
    backdrop = _plain_backdrop(probability, survey)
    if not survey.regions.any():
        return Cleared(probability, 0, 0, backdrop)
    height, width = survey.regions.shape
    candidates = survey.backdrop + survey.doubtful + survey.product
    means = _region_means(_resize(probability, (width, height)), survey.regions, candidates)
    unsure = [label for label, mean in zip(candidates, means, strict=True) if mean < HOLE_MEAN]
    judged = [label for label in survey.backdrop if label not in unsure]
    doubtful = [label for label in survey.doubtful if label not in unsure]
    if not unsure and not judged:
        return Cleared(probability, 0, len(doubtful), backdrop)
    # Holes the model itself doubts are cleared as they always were (their edge is the model's); holes only
    # texture and hue find are cleared by area, so that their outline is no staircase of the model's 320 px.
    hard = _resize(survey.with_shadow(survey.mask(unsure)), probability.shape[::-1]) > 0.5
    by_area = _resize(survey.with_shadow(survey.mask(judged)).astype(np.float32), probability.shape[::-1])
    cleared = np.where(hard, 0.0, np.clip(1.0 - 2.0 * by_area, 0.0, 1.0))
    return Cleared((probability * cleared).astype(np.float32), len(unsure) + len(judged), len(doubtful), backdrop)


def _product_holes_filled(probability: np.ndarray, survey) -> np.ndarray:
    """The map with the holes the model bites out of a product's face filled where the photo shows no backdrop.

    On pale product on a pale backdrop (the wax of a jar candle, a white glaze) the model may rate a patch
    inside the product's outline as backdrop. Such a patch is enclosed by the product in the model's own map,
    and on a plain backdrop the photo says whether it is the backdrop seen through (survey finds an enclosed
    backdrop-like region there: a ring's hole, a handle's) or not (no region: it is product). Patches that
    are mostly a shadow of the backdrop's hue, or smaller than FILL_MIN_PX at the analysis size (a chain's
    loop the analysis copy can't resolve), are left to the model.
    """
    from scipy import ndimage

    solid = probability >= 0.5
    holes, count = ndimage.label(ndimage.binary_fill_holes(solid) & ~solid)
    if count == 0:
        return probability
    height, width = survey.regions.shape
    near_region = ndimage.binary_dilation(survey.regions > 0, iterations=2)
    filled = np.zeros(probability.shape, dtype=bool)
    for label in range(1, count + 1):
        hole = holes == label
        small = (_resize(hole, (width, height)) > 0.5) | _touched(hole, (height, width))
        if small.sum() < FILL_MIN_PX or (small & near_region).any() or survey.shadowish[small].mean() > 0.5:
            continue
        filled |= hole
    if not filled.any():
        return probability
    return np.where(filled, np.float32(1.0), probability).astype(np.float32)


def _plain_backdrop(probability: np.ndarray, survey) -> PlainBackdrop | None:
    """The plain backdrop refined_mask settles the edge against, with where a pale rim runs along the outline.

    A pale rim on pale paper the model's 0.5 line cuts through: the map may grow, by up to GROW_PX at the
    analysis size, into pixels next to it that the photo shows are not the backdrop, shadows excepted.
    """
    from scipy import ndimage

    if survey.surface is None or survey.distance is None:
        return None
    height, width = survey.regions.shape
    solid = _resize(probability >= 0.5, (width, height)) > 0.5
    crisp = ndimage.binary_dilation(solid & (survey.distance >= survey.differs_at), iterations=GROW_PX + 1)
    backdrop = PlainBackdrop(surface=survey.surface, differs_at=survey.differs_at, crisp=crisp)
    allowed = survey.distinct | solid
    grown = ndimage.binary_dilation(solid, iterations=GROW_PX, mask=allowed) & ~solid
    # A rim is a thin band that ends at the backdrop; a glow, a shadow or a reflection spreads further: where
    # what differs from the backdrop reaches on past GROW_PX, none of it near there is kept.
    spill = ndimage.binary_dilation(solid, iterations=GROW_PX + SPILL_PX, mask=allowed) & ~solid & ~grown
    grown &= ~ndimage.binary_dilation(spill, iterations=GROW_PX + SPILL_PX)
    # A rim reaches at least two pixels past the model's line: one pixel all round a dark jar is the mixed
    # pixels of its edge (or the warm light of its flame on the paper), no rim.
    grown = ndimage.binary_propagation(grown & ~ndimage.binary_dilation(solid, iterations=1), mask=grown)
    if not grown.any():
        return backdrop
    # What grew at the analysis size is patchy (its pixels are 4 of the photo's at 2000 px, and a rim a couple
    # of them): the rim is looked for at full size along that stretch of the outline, on both sides of the
    # model's line (which may run outside the rim, the filter then cutting at the rim's inner edge), away from
    # the glow or shadow that spilled.
    band = ndimage.binary_dilation(solid, iterations=GROW_PX + 1) & ~ndimage.binary_erosion(
        solid, iterations=2 * GROW_PX
    )
    band &= ~ndimage.binary_dilation(spill, iterations=GROW_PX + SPILL_PX)
    # Only where the analysis copy sees the rim too: a full-size pixel is noisier, and the paper a flame lights
    # warm is a few ΔE off the backdrop there.
    band &= ndimage.binary_dilation(survey.distinct, iterations=1) & ndimage.binary_dilation(
        grown, iterations=2 * GROW_PX
    )
    beyond = band & ~solid
    near = ndimage.binary_dilation(grown, iterations=1)
    return dataclasses.replace(backdrop, rim_band=band, rim_beyond=beyond, rim_grown=near)


def _on_backdrop(full: np.ndarray, rgb: Image.Image, backdrop: PlainBackdrop | None) -> np.ndarray:
    """The full-size mask with its edge settled against a plain backdrop: a pale rim kept (_rim_edge), the
    soft tail past a crisp edge cleared (_tail_cleared)."""
    if backdrop is None:
        return full
    if backdrop.rim_band is not None:
        full = _rim_edge(full, rgb, backdrop)
    return _tail_cleared(full, rgb, backdrop)


def _backdrop_residual(rgb: Image.Image, box, ys, xs, shape, backdrop: PlainBackdrop) -> np.ndarray:
    """L*a*b* differences from the backdrop model (shadows counted less) of the full-size pixels (ys, xs) of
    the crop `box` (left, top, right, bottom) of a photo of `shape` (height, width)."""
    from scipy import ndimage

    from catalog.photos.cutout import _shadow_weighted
    from catalog.photos.qc import to_lab

    left, top = box[0], box[1]
    height, width = shape
    colours = np.asarray(rgb.crop(box))[ys, xs].astype(np.float32)
    small_h, small_w = backdrop.surface.shape[:2]
    coords = [(ys + top + 0.5) * small_h / height - 0.5, (xs + left + 0.5) * small_w / width - 0.5]
    surface = np.stack(
        [ndimage.map_coordinates(backdrop.surface[..., c], coords, order=1, mode="nearest") for c in range(3)], -1
    )
    return _shadow_weighted(to_lab(colours) - surface)


def _box(flags: np.ndarray) -> tuple[int, int, int, int] | None:
    rows, cols = np.flatnonzero(flags.any(axis=1)), np.flatnonzero(flags.any(axis=0))
    if not len(rows):
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def _rim_edge(full: np.ndarray, rgb: Image.Image, backdrop: PlainBackdrop) -> np.ndarray:
    """The full-size mask with a pale rim's pixels made opaque, each judged by its distance from the backdrop.

    The model's map and the analysis copy are 4–6 px to a pixel of a 2000 px photo: grown there, a rim's edge
    is a staircase with streaks of paper beyond it. Here every full-size pixel of the rim's band is judged on
    its own: opaque from twice `differs_at` ΔE from the backdrop model, a ramp from `differs_at` (the edge's
    mixed pixels), never a grey shadow. Only pixels joined to the cut-out through such pixels count (a rim,
    not a speck nearby), and only pale ones (a dark edge's mixed pixels keep the filter's value). Beyond the
    model's line where the rim grew that decides the pixel (the filter's soft tail there saw no rim in the
    model's map); beyond it elsewhere along the rim the photo may only clear paper (a flame's warm light next
    to a jar is no rim); on the model's side it may only add.
    """
    from scipy import ndimage

    from catalog.photos.cutout import SHADOW_LIGHTNESS_WEIGHT

    height, width = full.shape
    band = _touched(backdrop.rim_band, (height, width))
    box = _box(band)
    if box is None:
        return full
    left, top, right, bottom = box
    band = band[top:bottom, left:right]
    ys, xs = np.nonzero(band)
    residual = _backdrop_residual(rgb, box, ys, xs, (height, width), backdrop)
    distance = np.linalg.norm(residual, axis=-1)
    shadow = (residual[:, 0] < 0) & (np.linalg.norm(residual[:, 1:], axis=-1) < SHADOW_CHROMA)
    differs = np.zeros(band.shape, dtype=bool)
    differs[ys, xs] = (distance >= backdrop.differs_at) & ~shadow
    parts, count = ndimage.label(differs)
    if not count:
        return full
    full = full.copy()
    window = full[top:bottom, left:right]
    joined = np.unique(parts[differs & ndimage.binary_dilation(window >= 128)])
    keep = np.isin(parts[ys, xs], joined[joined > 0]) & ~shadow
    ramp = np.clip((distance - backdrop.differs_at) / backdrop.differs_at, 0.0, 1.0)
    alpha = np.where(keep, np.round(ramp * 255), 0).astype(np.uint8)
    beyond = _touched(backdrop.rim_beyond, (height, width))[top:bottom, left:right][ys, xs]
    grew = _touched(backdrop.rim_grown, (height, width))[top:bottom, left:right][ys, xs]
    # Only pale pixels, no darker than the paper by more than `differs_at` L* (a pale rim, or the paper itself):
    # the mixed pixels at a dark or coloured edge are far from the backdrop however little product they hold,
    # and keep the filter's value. (residual's darkening is weighted as a shadow's.)
    pale = residual[:, 0] > -SHADOW_LIGHTNESS_WEIGHT * backdrop.differs_at
    current = window[ys, xs]
    new = np.where(beyond, np.where(grew, alpha, np.minimum(current, alpha)), np.maximum(current, alpha))
    window[ys, xs] = np.where(pale, new, window[ys, xs])
    return full


def _tail_cleared(full: np.ndarray, rgb: Image.Image, backdrop: PlainBackdrop) -> np.ndarray:
    """The full-size mask with the soft tail it leaves on the paper next to a crisp edge cleared.

    Where the photo shows the product's edge sharply (dark or coloured product on the paper: a silver hoop, a
    chain), the filter still spreads the model's blur over several pixels of paper beside it (its window holds
    product both darker and lighter than the paper, which no linear fit of colour separates): a grey halo of
    old backdrop, 2–3 px wide at the analysis size, on both sides of the 0.5 line. Next to product that
    differs from the backdrop, a soft pixel the photo shows is backdrop (within `differs_at` ΔE of it) and
    that joins the clear paper through such pixels is cleared, and so is the product's shadow. Pale product on pale paper (a white glaze) is
    not crisp, and is left to the filter.
    """
    from scipy import ndimage

    from catalog.photos.cutout import SHADOW_DEPTH, SHADOW_LIGHTNESS_WEIGHT

    height, width = full.shape
    near = _touched(backdrop.crisp, (height, width))
    box = _box(near)
    if box is None:
        return full
    left, top, right, bottom = box
    window = full[top:bottom, left:right]
    soft = near[top:bottom, left:right] & (window > 0) & (window < 255)
    if not soft.any():
        return full
    # Crisp: opaque product pixels, within reach, that stand well apart from the paper (a white glaze doesn't).
    reach = max(1, round(TAIL_PX * max(height, width) / max(backdrop.surface.shape[:2])))
    opaque = _grown(soft, reach) & (window == 255)
    ys, xs = np.nonzero(soft | opaque)
    residual = _backdrop_residual(rgb, box, ys, xs, (height, width), backdrop)
    distance = np.linalg.norm(residual, axis=-1)
    strong = np.zeros(soft.shape, dtype=bool)
    chroma = np.linalg.norm(residual[:, 1:], axis=-1)
    # Darker or coloured: a lit white glaze is only lighter than the paper, and its edge may fade into it.
    glaze_white = (residual[:, 0] > 0) & (chroma < backdrop.differs_at)
    strong[ys, xs] = opaque[ys, xs] & (distance >= 2 * backdrop.differs_at) & ~glaze_white
    # The product's own shadow on the paper (a hoop casts one inside itself) is backdrop too: darker, of the
    # paper's own hue (a porcelain jar's shaded edge is a little warmer), and no deeper than a shadow gets
    # (_shadow_weighted counts darkening up to SHADOW_DEPTH at a quarter). On the mask's side of its 0.5 line
    # only a light one (TAIL_SHADOW_DEPTH): a grey glaze's edge is as grey as a deep shadow.
    darker = -residual[:, 0] / SHADOW_LIGHTNESS_WEIGHT
    outside = window[ys, xs] < 128
    shadow = (darker > 0) & (darker < np.where(outside, SHADOW_DEPTH, TAIL_SHADOW_DEPTH))
    shadow &= chroma < backdrop.differs_at / 2
    paper = np.zeros(soft.shape, dtype=bool)
    paper[ys, xs] = soft[ys, xs] & ((distance < backdrop.differs_at / 2) | shadow)
    paper &= _grown(strong, reach)
    parts, count = ndimage.label(paper)
    if not count:
        return full
    joined = np.unique(parts[paper & ndimage.binary_dilation(window == 0)])
    tail = np.isin(parts, joined[joined > 0])
    full = full.copy()
    full[top:bottom, left:right][tail] = 0
    return full


def _grown(flags: np.ndarray, px: int) -> np.ndarray:
    """Dilation by a (2 px + 1) square in one box filter, whatever px is."""
    from scipy import ndimage

    return ndimage.uniform_filter(flags.astype(np.float32), size=2 * px + 1, mode="constant") > 1e-3


def _touched(flags: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Analysis-size pixels any part of which a flag covers (nearest-neighbour upscale of the flags)."""
    image = Image.fromarray(flags.astype(np.uint8) * 255, "L").resize((shape[1], shape[0]), Image.Resampling.BOX)
    return np.asarray(image) > 0


def _region_means(values: np.ndarray, labels: np.ndarray, index: list[int]) -> list[float]:
    from scipy import ndimage

    return [float(v) for v in ndimage.mean(values, labels, index=index)] if index else []


def _without_specks(probability: np.ndarray, ndimage) -> np.ndarray:
    """The map with small detached blobs (a reflection, a crumb) set to backdrop."""
    parts, count = ndimage.label(probability >= 0.5)
    if count < 2:
        return probability
    sizes = ndimage.sum_labels(np.ones_like(parts), parts, index=np.arange(1, count + 1))
    specks = np.flatnonzero(sizes < KEEP_PART_SHARE * sizes.max()) + 1
    if not len(specks):
        return probability
    speck = ndimage.binary_dilation(np.isin(parts, specks), iterations=2)
    return np.where(speck, 0.0, probability).astype(np.float32)


def _floats(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.float32) / 255.0


def _resize(values: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if values.shape[::-1] == tuple(size):
        return values.astype(np.float32)
    return np.asarray(Image.fromarray(values.astype(np.float32), "F").resize(size, Image.Resampling.BILINEAR))
