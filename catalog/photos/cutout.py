"""The classical cut-out: which pixels of a photo are the product, from a backdrop model.

The cut-out is an AI step now (catalog.cutout: ATELIER_CUTOUT picks the
backend; the default is a learned model). This is the `classical` backend's
method, the fallback for plain backdrops: made offline in a few tens of milliseconds, on the same small copy QC measures
(qc.ANALYSIS_SIDE px), then scaled up with a soft, feathered edge:

1. the backdrop is modelled from the frame's border: a smooth surface (a quadratic
   in x and y of each L*a*b* channel) fitted robustly, so a gradient sweep is
   still "the backdrop";
2. every pixel's difference from that model is measured with lightness counted
   less when the pixel is *darker* than the backdrop: a contact shadow is the
   backdrop's own hue, only darker, and should mostly stay backdrop;
3. Otsu's threshold on that difference gives a first mask, refined like GrabCut
   without the graph: Gaussian colour models for product (a few clusters) and
   backdrop are fitted from the current mask and the pixels near its edge are
   reassigned to the likelier one;
4. clean-up: opening and closing, small holes filled (a ring's hole is large and
   looks like the backdrop, so it stays open), only the main parts kept.

The quality figures stored with the mask say how sure the cut is: how much of
the frame it covers and how clearly its edge stands out from the backdrop.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from catalog.cutout.base import MIN_SHARE, Cutout, CutoutError
from catalog.photos.qc import analysis_pixels, border_pixels, to_lab

__all__ = ["Cutout", "CutoutError", "classical_cutout", "photo_cutout", "product_mask"]

# Darker than the backdrop by up to SHADOW_DEPTH (L*) counts SHADOW_LIGHTNESS_WEIGHT per unit, beyond it fully:
# a contact shadow is a little darker; a black product is a lot darker.
SHADOW_LIGHTNESS_WEIGHT, SHADOW_DEPTH = 0.25, 30.0
MIN_DIFFERENCE = 3.0  # ΔE: below this nothing is product, whatever Otsu says
SMALL_HOLE_SHARE = 0.004  # holes smaller than this share of the frame are filled
KEEP_PART_SHARE = 0.15  # parts smaller than this share of the largest are specks
REFINE_ITERATIONS = 2
FEATHER_PX = 2.0


def photo_cutout(*, image: Image.Image) -> Cutout:
    """The product mask by the configured cut-out backend (catalog.cutout), for callers that import it from here."""
    from catalog.cutout import photo_cutout as configured  # the registry's module imports this one's base

    return configured(image=image)


def classical_cutout(*, image: Image.Image) -> Cutout:
    """The product mask of a (cleaned, upright) photo; raises CutoutError when there is no product to cut."""
    rgb = analysis_pixels(image)
    mask, quality = product_mask(rgb)
    return Cutout(mask=_full_size(mask, image.size), quality=quality)


def product_mask(rgb: np.ndarray) -> tuple[np.ndarray, dict]:
    """A boolean mask of the small copy and the quality figures."""
    from scipy import ndimage  # heavy; only the cut-out needs it

    residual = backdrop_residual(rgb)
    distance = np.linalg.norm(residual, axis=-1)
    noise = float(np.sqrt(np.mean(border_pixels(distance) ** 2)))
    threshold = max(MIN_DIFFERENCE, 2.5 * noise, _otsu(distance))
    mask = distance > threshold
    if mask.mean() < MIN_SHARE:
        raise CutoutError("no product found: nothing in the photo stands out from the backdrop.")
    mask = _clean(mask, ndimage)
    for _ in range(REFINE_ITERATIONS):
        mask = _refine(residual, mask, ndimage)
    mask = _clean(mask, ndimage)
    share = float(mask.mean())
    if share < MIN_SHARE:
        raise CutoutError("no product found: nothing in the photo stands out from the backdrop.")
    edge = mask ^ ndimage.binary_erosion(mask, iterations=2)
    contrast = float(np.median(distance[edge])) / threshold if edge.any() else 0.0
    outside = ~ndimage.binary_dilation(mask, iterations=3)
    bg_confusion = float(np.mean(distance[outside] > threshold)) if outside.any() else 0.0
    quality = {
        "share": round(share, 4),
        "edge_contrast": round(contrast, 2),
        "confidence": round(float(np.clip(min(contrast, 2.0) / 2.0 - bg_confusion, 0.0, 1.0)), 3),
        "threshold": round(threshold, 1),
    }
    return mask, quality


# --- The backdrop ---------------------------------------------------------------------


def backdrop_residual(rgb: np.ndarray, *, lab: np.ndarray | None = None) -> np.ndarray:
    """Each pixel's L*a*b* difference from the backdrop fitted to the frame's border, a shadow counted less.

    The norm of it is how far a pixel is from "backdrop"; its spread along the
    border says how plain the backdrop is (a paper sweep: a few ΔE; a table: tens).
    """
    lab = to_lab(rgb) if lab is None else lab  # `lab`: to_lab(rgb), when the caller has it already
    return _shadow_weighted(lab - _backdrop_surface(lab))


def _backdrop_surface(lab: np.ndarray) -> np.ndarray:
    """The backdrop's colour at every pixel: a quadratic surface fitted to the border, outliers dropped."""
    h, w = lab.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    ys, xs = ys / max(h - 1, 1) - 0.5, xs / max(w - 1, 1) - 0.5
    terms = np.stack([np.ones_like(xs), xs, ys, xs * xs, ys * ys, xs * ys], axis=-1)
    design, values = border_pixels(terms), border_pixels(lab)
    keep = np.ones(len(values), dtype=bool)
    for _ in range(3):  # a product touching an edge shouldn't bend the backdrop towards it
        coef, *_ = np.linalg.lstsq(design[keep], values[keep], rcond=None)
        error = np.linalg.norm(values - design @ coef, axis=1)
        keep = error <= max(np.quantile(error, 0.85), 2.0)
    return terms @ coef


def _shadow_weighted(difference: np.ndarray) -> np.ndarray:
    weighted = difference.copy()
    darkening = np.clip(-weighted[..., 0], 0, None)
    weighted[..., 0] = np.where(
        darkening > 0,
        -(SHADOW_LIGHTNESS_WEIGHT * np.minimum(darkening, SHADOW_DEPTH) + np.clip(darkening - SHADOW_DEPTH, 0, None)),
        weighted[..., 0],
    )
    return weighted


def _otsu(values: np.ndarray) -> float:
    """Otsu's threshold, on the square root of the difference: it is heavily skewed towards 0."""
    roots = np.sqrt(np.clip(values, 0, None)).ravel()
    top = float(roots.max())
    if top <= 0:
        return 0.0
    counts, edges = np.histogram(roots, bins=256, range=(0.0, top))
    centres = (edges[:-1] + edges[1:]) / 2
    weight = np.cumsum(counts)
    total = weight[-1]
    mean_low = np.cumsum(counts * centres) / np.maximum(weight, 1)
    mean_all = (counts * centres).sum() / total
    mean_high = (mean_all * total - mean_low * weight) / np.maximum(total - weight, 1)
    between = weight * (total - weight) * (mean_low - mean_high) ** 2
    return float(centres[int(np.argmax(between))] ** 2)


# --- Refinement and clean-up ------------------------------------------------------------


def _refine(residual: np.ndarray, mask: np.ndarray, ndimage) -> np.ndarray:
    """One GrabCut-like step near the edge: reassign each pixel to the likelier colour model."""
    around = ndimage.uniform_filter(mask.astype(np.float32), size=13)
    band = (around > 0.01) & (around < 0.99)
    if not band.any() or mask.sum() < 50 or (~mask).sum() < 50:
        return mask
    background = _gaussian_cost(residual[~mask], residual[band])
    product = np.min([_gaussian_cost(cluster, residual[band]) for cluster in _clusters(residual[mask])], axis=0)
    refined = mask.copy()
    refined[band] = product < background
    return refined


def _clusters(pixels: np.ndarray, k: int = 3) -> list[np.ndarray]:
    """A few colour clusters of the product (a striped mug is two colours, not their average)."""
    if len(pixels) > 5000:
        pixels = pixels[:: len(pixels) // 5000]
    order = np.argsort(np.linalg.norm(pixels, axis=1))
    centres = pixels[order[np.linspace(0, len(pixels) - 1, k).astype(int)]]
    for _ in range(6):
        labels = np.argmin(((pixels[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
        centres = np.array([pixels[labels == i].mean(0) if (labels == i).any() else centres[i] for i in range(k)])
    return [pixels[labels == i] for i in range(k) if (labels == i).sum() >= 20]


def _gaussian_cost(sample: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """Negative log-likelihood of pixels under a Gaussian fitted to sample (squared Mahalanobis + log det)."""
    mean = sample.mean(axis=0)
    cov = np.cov(sample, rowvar=False) + np.eye(3) * 4.0  # a floor: a flat backdrop has almost no variance
    inverse = np.linalg.inv(cov)
    centred = pixels - mean
    return np.einsum("ni,ij,nj->n", centred, inverse, centred) + np.log(np.linalg.det(cov))


def _clean(mask: np.ndarray, ndimage) -> np.ndarray:
    mask = ndimage.binary_opening(mask, iterations=1)
    mask = ndimage.binary_closing(mask, iterations=2, border_value=0)
    holes, count = ndimage.label(ndimage.binary_fill_holes(mask) & ~mask)
    if count:
        sizes = ndimage.sum_labels(np.ones_like(mask), holes, index=np.arange(1, count + 1))
        small = np.flatnonzero(sizes < SMALL_HOLE_SHARE * mask.size) + 1
        mask = mask | np.isin(holes, small)
    parts, count = ndimage.label(mask)
    if count > 1:
        sizes = ndimage.sum_labels(mask, parts, index=np.arange(1, count + 1))
        keep = np.flatnonzero(sizes >= KEEP_PART_SHARE * sizes.max()) + 1
        mask = np.isin(parts, keep)
    return mask


def _full_size(mask: np.ndarray, size: tuple[int, int]) -> Image.Image:
    """Scale the small mask up to the photo's size with a feathered edge a few pixels wide."""
    small = Image.fromarray(mask.astype(np.uint8) * 255, "L")
    # A slight blur before scaling turns the small grid's steps into a smooth outline.
    small = small.filter(ImageFilter.GaussianBlur(0.8))
    full = small.resize(size, Image.Resampling.BILINEAR)
    # Sharpen the ramp back to a few pixels, then feather it.
    full = full.point(lambda v: 0 if v < 96 else 255 if v > 160 else round((v - 96) * 255 / 64))
    return full.filter(ImageFilter.GaussianBlur(FEATHER_PX))
