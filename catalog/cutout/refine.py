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
GROW_PX = 3  # px at the analysis size: how far past the model's 0.5 line a pale edge the photo shows is kept
SPILL_PX = 2  # px at the analysis size: a pale edge that runs on this far past GROW_PX is no rim (a glow)
EDGE_PX = 1.5  # px: the width of the edge where the model's map is kept (no edge in the photo to follow)


def refined_mask(probability: np.ndarray, image: Image.Image) -> tuple[Image.Image, np.ndarray]:
    """The 8-bit "L" mask at the photo's size, and the cleaned low-resolution map it came from."""
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
        return Image.fromarray(alpha, "L"), probability
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
    return Image.fromarray(full, "L"), probability


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
    """backdrop_holes_cleared without the doubtful count: (map, holes cleared)."""
    cleared, holes, _ = backdrop_holes_cleared(probability, image)
    return cleared, holes


def backdrop_holes_cleared(probability: np.ndarray, image: Image.Image) -> tuple[np.ndarray, int, int]:
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
    line runs through (_pale_edge_grown). Real scenes (a table) are left alone.
    """
    from catalog.cutout import holes as found
    from catalog.photos.qc import analysis_pixels

    survey = found.survey(analysis_pixels(image))
    if survey is None:
        return probability, 0, 0
    probability = _product_holes_filled(probability, survey)
    probability = _pale_edge_grown(probability, survey)
    if not survey.regions.any():
        return probability, 0, 0
    height, width = survey.regions.shape
    candidates = survey.backdrop + survey.doubtful + survey.product
    means = _region_means(_resize(probability, (width, height)), survey.regions, candidates)
    unsure = [label for label, mean in zip(candidates, means, strict=True) if mean < HOLE_MEAN]
    judged = [label for label in survey.backdrop if label not in unsure]
    doubtful = [label for label in survey.doubtful if label not in unsure]
    if not unsure and not judged:
        return probability, 0, len(doubtful)
    # Holes the model itself doubts are cleared as they always were (their edge is the model's); holes only
    # texture and hue find are cleared by area, so that their outline is no staircase of the model's 320 px.
    hard = _resize(survey.with_shadow(survey.mask(unsure)), probability.shape[::-1]) > 0.5
    by_area = _resize(survey.with_shadow(survey.mask(judged)).astype(np.float32), probability.shape[::-1])
    cleared = np.where(hard, 0.0, np.clip(1.0 - 2.0 * by_area, 0.0, 1.0))
    return (probability * cleared).astype(np.float32), len(unsure) + len(judged), len(doubtful)


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


def _pale_edge_grown(probability: np.ndarray, survey) -> np.ndarray:
    """The map grown, by up to GROW_PX at the analysis size, into pixels next to it that the photo shows are
    not the backdrop (a pale rim on pale paper the model's 0.5 line cuts through), shadows excepted."""
    from scipy import ndimage

    height, width = survey.regions.shape
    solid = _resize(probability >= 0.5, (width, height)) > 0.5
    allowed = survey.distinct | solid
    grown = ndimage.binary_dilation(solid, iterations=GROW_PX, mask=allowed) & ~solid
    # A rim is a thin band that ends at the backdrop; a glow, a shadow or a reflection spreads further: where
    # what differs from the backdrop reaches on past GROW_PX, none of it near there is kept.
    spill = ndimage.binary_dilation(solid, iterations=GROW_PX + SPILL_PX, mask=allowed) & ~solid & ~grown
    grown &= ~ndimage.binary_dilation(spill, iterations=GROW_PX + SPILL_PX)
    if not grown.any():
        return probability
    added = _resize(grown.astype(np.float32), probability.shape[::-1])
    return np.where(added >= 0.5, np.float32(1.0), probability).astype(np.float32)


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
