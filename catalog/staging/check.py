"""The staged-image check: did the whole product survive the cut-out and the staging?

"The product's pixels inside the mask are unchanged" is true by construction
(fidelity.enforce copies them) and says nothing about the mask itself: a mask
that misses half a label, or carries a slab of the old backdrop, passes it at
100 %. This check looks at what a customer would see instead, on a small copy
of the photo (ANALYSIS_SIDE px), and says in words what is wrong:

- the cut-out's own confidence: how much of its edge is soft (neither product
  nor backdrop) and how wide that soft edge is — a model that is unsure paints
  a wide grey band (a glow, a shadow, a see-through stripe);
- holes and islands: a hole in the mask where the photo shows no backdrop
  (product dropped: an erased label, a bitten glaze, a see-through stripe), a
  cut-out in several pieces, a product running off the frame, a share of the
  frame no product shot has;
- the photo beside the staged image: in the product's filled outline, the share
  of pixels whose colour changed (ΔE) beyond the backdrop's own holes, the
  detail (edges of a label, a pattern) that survived, and the opaque pixels
  that are really the old backdrop carried along (a ghost of the paper under a
  pale textile, a glow dome around a flame);
- the backdrop seen through the product kept (the paper inside a ring or a
  hoop), judged by texture and hue as the cut-out judges it
  (catalog.cutout.holes): a failure when both say paper, a warning when only one does.

Backdrop-based findings need a plain backdrop (the border fits a smooth
surface within PLAIN_BACKDROP ΔE); on a real scene (a table) only the mask's
own figures and the before/after comparison speak. Each finding is pass, warn
or fail; an image with a warning or a failure is flagged, and a reviewer who
approves it says so explicitly ("approve anyway").
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field

import numpy as np
from PIL import Image

from catalog.cutout.holes import PLAIN_BACKDROP  # ΔE: border noise below this is a paper backdrop
from catalog.staging.base import Placement

FAIL, WARN, PASS = "fail", "warn", "pass"
LEVELS = {PASS: 0, WARN: 1, FAIL: 2}
ANALYSIS_SIDE = 512

BACKDROP_DELTA_E = 6.0  # ΔE from the backdrop model (or 3 × the border's noise) below which a pixel is backdrop
CHANGED_DELTA_E = 12.0  # ΔE between photo and staged image beyond which a product pixel counts as changed

HOLE_MIN_SHARE = 0.002  # holes smaller than this share of the product are specks, not findings
LOST_WARN, LOST_FAIL = 0.01, 0.03  # share of the product's outline dropped though the photo shows product there
ISLAND_MIN_SHARE = 0.01  # pieces smaller than this share of the largest don't count as a piece
GHOST_WARN, GHOST_FAIL = 0.07, 0.12  # share of the opaque cut-out that is old backdrop, at its edge
GLOW_WARN, GLOW_FAIL = 0.04, 0.10  # share of the opaque cut-out that is backdrop lit up (a glow), at its edge
SOFT_WIDTH_WARN, SOFT_WIDTH_FAIL = 3.0, 6.0  # px at ANALYSIS_SIDE: mean width of the soft edge
# On the small copy a clean cut reads 1–2 px soft, of which ~1 px is the reduction itself (SAMPLING_PX); a fine
# chain, all of whose pixels the reduction mixes with the backdrop, reads 1.5–2 px more than its mask has.
SAMPLING_PX = 1.0
THROUGH_WARN, THROUGH_FAIL = 0.01, 0.03  # share of the cut-out that is backdrop seen through it (a ring's hole) kept
FRAME_WARN, FRAME_FAIL = 0.02, 0.10  # share of the product's outline that is the photo's edge
SHARE_MIN, SHARE_MAX = 0.01, 0.85  # plausible share of the frame a product takes
CHANGED_WARN, CHANGED_FAIL = 0.02, 0.05  # share of the product's outline changed in the staged image
DETAIL_WARN, DETAIL_FAIL = 0.92, 0.85  # detail (gradient energy) kept in the staged image
CONFIDENCE_WARN, CONFIDENCE_FAIL = 0.85, 0.7  # share of the cut-out's outline that lies on an edge of the photo
HAZE_GRADIENT, HAZE_SHARP_SHARE = 1.5, 0.3  # ΔE/px: a piece whose border is this sharp in less than this share is haze
GLOW_SMOOTH = 3.0  # L* spread over 5 × 5 px below which a lit patch outside the product is a glow, not an edge
HOLE_SHADOW_CHROMA = 3.0  # ΔE of hue: a darker patch inside the product's outline greyer than this is a shadow
EDGE_CONTRAST = 3.0  # ΔE between the mean colours just inside and just outside the outline: an edge one can see

MESSAGES = {
    "lost": "Part of the product was cut away: {value:.1%} of its outline is missing though the photo shows "
    "the product there (a label, a light glaze or a stripe read as background).",
    "ghost": "The cut-out carries the old backdrop along: {value:.1%} of it is the photo's paper, which shows as "
    "a pale ghost around the product.",
    "glow": "The cut-out carries a glow or a reflection on the old backdrop: {value:.1%} of it is backdrop lit up "
    "(a dome of light around a flame, a bright patch).",
    "pieces": "The cut-out is in {value:.0f} separate pieces; a single product should be one.",
    "frame": "The product runs off the photo's edge ({value:.1%} of its outline): part of it may be missing.",
    "share": "The product covers {value:.1%} of the photo, outside the plausible range for a product shot.",
    "through": "The cut-out keeps the old backdrop seen through the product (inside a ring, a hoop, a handle): "
    "{value:.1%} of it is the photo's paper.",
    "soft": "The cut-out is unsure of its edge: a soft band {value:.1f} px wide on average (a clean cut is 1–2 px).",
    "changed": "{value:.1%} of the product's outline looks different in the staged image (colour changed by more "
    "than ΔE 12): compare the two pictures.",
    "detail": "Only {value:.0%} of the product's detail (label text, pattern, edges) survived into the staged image.",
    "confidence": "Only {value:.0%} of the cut-out's outline follows an edge in the photo; the rest runs across flat "
    "colour, where it cuts through the product or carries backdrop along.",
}
PASS_MESSAGES = {
    "lost": "No part of the product was cut away.",
    "ghost": "No old backdrop carried along.",
    "glow": "No glow or reflection carried along.",
    "pieces": "The cut-out is one piece.",
    "frame": "The product sits inside the frame.",
    "share": "The product takes a plausible share of the photo.",
    "through": "No backdrop kept inside the product.",
    "soft": "The cut-out's edge is crisp.",
    "changed": "The product's colours came through ({value:.1%} of its outline changed).",
    "detail": "The product's detail came through ({value:.0%} kept).",
    "confidence": "The cut-out's outline follows the product's edge in the photo ({value:.0%} of it).",
}
LABELS = {
    "lost": "Product cut away",
    "ghost": "Old backdrop kept",
    "glow": "Glow kept",
    "pieces": "Cut-out in pieces",
    "frame": "Runs off the frame",
    "share": "Odd framing",
    "through": "Backdrop inside kept",
    "soft": "Soft edge",
    "changed": "Colours changed",
    "detail": "Detail lost",
    "confidence": "Outline off the edge",
}
# The codes a snapshot's checks carry (the review queue's check_labels), named so they read on their own.
CODES = {
    "lost": "product_cut_away",
    "ghost": "backdrop_kept",
    "glow": "glow_kept",
    "pieces": "cutout_in_pieces",
    "frame": "runs_off_frame",
    "share": "odd_framing",
    "through": "backdrop_inside_kept",
    "soft": "soft_edge",
    "changed": "colours_changed",
    "detail": "detail_lost",
    "confidence": "outline_off_edge",
}
CHECK_LABELS = {CODES[code]: label for code, label in LABELS.items()}
# Overlay colours (RGB) of the regions a finding points at.
HIGHLIGHT = {
    "lost": (230, 30, 30),
    "ghost": (220, 0, 220),
    "through": (150, 60, 255),
    "glow": (255, 170, 0),
    "frame": (255, 120, 0),
}


@dataclass(frozen=True)
class Finding:
    code: str
    level: str
    message: str
    value: float

    def as_dict(self) -> dict:
        return {**asdict(self), "code": CODES[self.code], "label": LABELS[self.code]}


@dataclass
class _State:
    """What the cut-out check worked out, kept so that the before/after comparison reuses it."""

    small: Image.Image
    solid: np.ndarray
    filled: np.ndarray
    backdrop: np.ndarray | None
    marks: dict[str, np.ndarray]
    surface: np.ndarray | None = None  # the backdrop's L*a*b* at the small size (plain backdrops only)
    backdrop_limit: float = 0.0  # ΔE from `surface` below which a pixel is backdrop


@dataclass
class StagingCheck:
    findings: list[Finding]
    measures: dict[str, float]
    overlay: Image.Image | None = field(default=None, repr=False)  # the photo with the flagged regions marked
    _state: _State | None = field(default=None, repr=False, compare=False)

    @property
    def verdict(self) -> str:
        return max((f.level for f in self.findings), key=LEVELS.__getitem__, default=PASS)

    @property
    def flagged(self) -> bool:
        return self.verdict != PASS

    def as_dict(self) -> dict:
        return {
            "verdict": self.verdict,
            "checks": [finding.as_dict() for finding in self.findings],
            "measures": dict(self.measures),
        }


def _level(value: float, warn: float, fail: float, *, higher_is_worse: bool = True) -> str:
    if higher_is_worse:
        return FAIL if value >= fail else WARN if value >= warn else PASS
    return FAIL if value <= fail else WARN if value <= warn else PASS


def _finding(code: str, value: float, level: str) -> Finding:
    text = (MESSAGES if level != PASS else PASS_MESSAGES)[code]
    return Finding(code=code, level=level, message=text.format(value=value), value=round(float(value), 4))


def _pieces_finding(pieces: int, expected: int) -> Finding:
    if expected == 1 or pieces <= 1:
        return _finding("pieces", pieces, PASS if pieces <= 1 else WARN)
    if pieces <= expected:
        message = f"The cut-out is in {pieces} pieces; the product is a pair or a set of up to {expected}."
        return Finding(code="pieces", level=PASS, message=message, value=float(pieces))
    message = (
        f"The cut-out is in {pieces} separate pieces; the product is a pair or a set of {expected}, "
        "so a piece may be broken off."
    )
    return Finding(code="pieces", level=WARN, message=message, value=float(pieces))


def staging_check(
    *,
    photo: Image.Image,
    mask: Image.Image,
    staged: Image.Image | None = None,
    placement: Placement | None = None,
    cutout_quality: dict | None = None,
    cutout: StagingCheck | None = None,
    pieces_expected: int = 1,
) -> StagingCheck:
    """Check one cut-out (and, given the staged image and its placement, the staging) of one photo.

    `cutout` is this photo and mask's cut-out check made earlier (staging checks the cut-out before it
    stages): its work is reused and only the before/after comparison runs. `pieces_expected` is how many
    separate pieces the product may show (2 for a pair of earrings, 3 for a set of three: pieces.py).
    """
    if cutout is not None and cutout._state is not None and staged is not None and placement is not None:
        return _with_comparison(cutout, photo=photo, mask=mask, staged=staged, placement=placement)
    check = _cutout_check(photo=photo, mask=mask, cutout_quality=cutout_quality, pieces_expected=pieces_expected)
    if staged is not None and placement is not None and check._state is not None:
        return _with_comparison(check, photo=photo, mask=mask, staged=staged, placement=placement)
    return check


def _cutout_check(
    *, photo: Image.Image, mask: Image.Image, cutout_quality: dict | None, pieces_expected: int = 1
) -> StagingCheck:
    from scipy import ndimage  # heavy; only here

    from catalog.photos.cutout import _backdrop_surface, _shadow_weighted
    from catalog.photos.qc import border_pixels, to_lab

    small = _small(photo.convert("RGB") if photo.mode != "RGB" else photo)
    rgb = np.asarray(small, dtype=np.float32)
    alpha = np.asarray(mask.resize(small.size, Image.Resampling.BILINEAR), dtype=np.float32) / 255.0
    height, width = alpha.shape
    solid = alpha >= 0.5
    findings: list[Finding] = []
    measures: dict[str, float] = {}
    marks: dict[str, np.ndarray] = {}
    area = int(solid.sum())
    if area == 0:
        findings.append(_finding("share", 0.0, FAIL))
        return StagingCheck(findings=findings, measures={"share": 0.0}, overlay=small)

    share = area / solid.size
    measures["share"] = share
    findings.append(_finding("share", share, PASS if SHARE_MIN <= share <= SHARE_MAX else WARN))

    # Pieces: a product is one piece, a pair two, a set of three three; more than the product's words allow
    # is a warning (a lost handle, a cut through a rim), not a failure: the reviewer sees whether it is broken.
    parts, count = ndimage.label(solid)
    sizes = ndimage.sum_labels(np.ones_like(parts), parts, index=np.arange(1, count + 1)) if count else np.zeros(0)
    pieces = int(np.sum(sizes >= ISLAND_MIN_SHARE * sizes.max())) if count else 0
    measures["pieces"] = pieces
    findings.append(_pieces_finding(pieces, max(int(pieces_expected), 1)))

    # The frame: the share of the outline that is the photo's own edge.
    outline = solid & ~ndimage.binary_erosion(solid, border_value=1)
    perimeter = max(int(outline.sum()), 1)
    border = np.zeros_like(solid)
    border[0, :] = border[-1, :] = border[:, 0] = border[:, -1] = True
    on_frame = solid & border
    frame_share = float(on_frame.sum()) / perimeter
    measures["frame"] = frame_share
    findings.append(_finding("frame", frame_share, _level(frame_share, FRAME_WARN, FRAME_FAIL)))
    marks["frame"] = _grow(on_frame, 3, ndimage)

    # The mask's own confidence: the soft edge's mean width (a model that is unsure paints a wide grey band),
    # and how much of the outline lies on an edge the photo itself shows (inside and outside differ in colour):
    # an outline across flat paper is a cut through nothing, which carries backdrop or drops product.
    soft = (alpha > 0.08) & (alpha < 0.92)
    full_size = _soft_width(mask) * min(1.0, ANALYSIS_SIDE / max(mask.size)) + SAMPLING_PX
    soft_width = min(float(soft.sum()) / perimeter, full_size)
    measures["soft_width_px"] = soft_width
    findings.append(_finding("soft", soft_width, _level(soft_width, SOFT_WIDTH_WARN, SOFT_WIDTH_FAIL)))
    lab = to_lab(rgb)
    inside, outside = solid.astype(np.float32), (~solid).astype(np.float32)
    window = max(5, round(0.012 * ANALYSIS_SIDE) | 1)
    count_in = ndimage.uniform_filter(inside, size=window)
    count_out = ndimage.uniform_filter(outside, size=window)
    contrast = np.zeros(solid.shape, np.float32)
    seam = outline & (count_in > 0.15) & (count_out > 0.15)
    if seam.any():
        mean_in = np.stack([ndimage.uniform_filter(lab[..., c] * inside, size=window) for c in range(3)], -1)
        mean_out = np.stack([ndimage.uniform_filter(lab[..., c] * outside, size=window) for c in range(3)], -1)
        difference = mean_in[seam] / count_in[seam, None] - mean_out[seam] / count_out[seam, None]
        contrast[seam] = np.linalg.norm(difference, axis=-1)
    invisible = seam & (contrast < EDGE_CONTRAST)
    confidence = 1.0 - float(invisible.sum()) / max(int(seam.sum()), 1)
    measures["edge_on_photo_edge"] = confidence
    model_confidence = (cutout_quality or {}).get("confidence")
    if isinstance(model_confidence, (int, float)):
        measures["model_confidence"] = float(model_confidence)
    findings.append(
        _finding("confidence", confidence, _level(confidence, CONFIDENCE_WARN, CONFIDENCE_FAIL, higher_is_worse=False))
    )
    marks["ghost"] = _big_pieces(_grow(invisible, 1, ndimage), min_px=6, ndimage=ndimage)

    # The backdrop: where the photo's border fits a smooth surface, every pixel's distance from it says
    # "backdrop" or "something else" (shadows counted less: backdrop_residual).
    surface = _backdrop_surface(lab)
    residual = _shadow_weighted(lab - surface)  # as catalog.photos.cutout.backdrop_residual
    distance = np.linalg.norm(residual, axis=-1)
    noise = float(np.sqrt(np.mean(border_pixels(distance) ** 2)))
    plain = noise <= PLAIN_BACKDROP
    backdrop_limit = max(3.0 * noise, BACKDROP_DELTA_E)
    measures["backdrop_noise"] = noise
    filled = ndimage.binary_fill_holes(solid)
    if plain:
        backdrop = distance < backdrop_limit
        product_like = ~backdrop
        # Lost: product-like pixels the mask dropped, in pieces that meet the cut-out (a hole inside it, a bite
        # out of its rim), counted whole. A handle's loop shows the backdrop, a shadow is the backdrop darker,
        # a glow the backdrop lighter: none of them is product.
        darker, lighter = residual[..., 0] < 0, residual[..., 0] > 0
        chroma = np.linalg.norm(residual[..., 1:], axis=-1)
        flat = _local_std(lab[..., 0], ndimage) < 1.5
        # In a hole (inside a ring's band) only a grey darkening is a shadow: a pale label is a little tinted.
        shadow = darker & (
            ((chroma < 4.0 + 0.2 * np.abs(residual[..., 0])) & ~filled) | ((chroma < HOLE_SHADOW_CHROMA) & filled)
        )
        # A flame's glow: the backdrop lit up, grey-white or warm (yellow), smooth; never in a hole.
        warm = residual[..., 2] > 0
        smooth = _local_std(lab[..., 0], ndimage) < GLOW_SMOOTH
        glowing = lighter & ~filled & ((chroma < 0.35 * np.abs(residual[..., 0]) + 2.0) & flat | warm & smooth)
        dropped = product_like & (alpha < 0.5) & ~shadow & ~glowing
        dropped = _touching(dropped, _grow(solid, 2, ndimage), ndimage=ndimage)
        dropped = _without_haze(dropped, backdrop, lab[..., 0], _grow(solid, 3, ndimage), ndimage)
        lost = _big_pieces(dropped, min_px=max(4, HOLE_MIN_SHARE * area), ndimage=ndimage)
        lost_share = float(lost.sum()) / area
        measures["lost"] = lost_share
        findings.append(_finding("lost", lost_share, _level(lost_share, LOST_WARN, LOST_FAIL)))
        marks["lost"] = lost

        # Ghost and glow: opaque pixels near the cut-out's edge that are the old backdrop (ghost) or the
        # backdrop only lighter, with its own hue (a glow). Inside the product a pale glaze may match the
        # backdrop too, so only the outer rim of the cut-out (RIM of its size) is counted.
        rim_px = max(2, round(0.06 * np.sqrt(area)))
        core = _shrink(solid, rim_px, ndimage)
        rim = solid & ~core & (alpha >= 0.92)
        rim_backdrop = rim & backdrop
        # A pale product's rim matches a pale backdrop too; the old backdrop's rim ends in an outline on flat paper.
        ghost = _touching(rim_backdrop, _grow(invisible, 2, ndimage), ndimage=ndimage)
        ghost = _big_pieces(ghost, min_px=max(4, HOLE_MIN_SHARE * area), ndimage=ndimage)
        ghost_share = float(ghost.sum()) / area
        measures["ghost"] = ghost_share
        findings.append(_finding("ghost", ghost_share, _level(ghost_share, GHOST_WARN, GHOST_FAIL)))
        marks["ghost"] = marks["ghost"] | ghost

        lit = rim & ~backdrop & lighter & (chroma < 0.35 * np.abs(residual[..., 0]) + 2.0) & (distance < 40)
        glow = _big_pieces(lit & flat, min_px=max(4, HOLE_MIN_SHARE * area), ndimage=ndimage)
        glow_share = float(glow.sum()) / area
        measures["glow"] = glow_share
        findings.append(_finding("glow", glow_share, _level(glow_share, GLOW_WARN, GLOW_FAIL)))
        marks["glow"] = glow

        # The backdrop seen through the product (inside a ring) kept: enclosed backdrop-like regions inside the
        # cut-out, judged by texture and hue as the cut-out judges them (catalog.cutout.holes).
        through, doubtful = _kept_through(rgb, residual, lab[..., 0], solid)
        findings.append(_through_finding(float(through.sum()) / area, float(doubtful.sum()) / area))
        measures["through"] = float(through.sum()) / area
        measures["through_doubtful"] = float(doubtful.sum()) / area
        marks["through"] = through | doubtful

    check = StagingCheck(findings=findings, measures=measures)
    check._state = _State(
        small=small,
        solid=solid,
        filled=filled,
        backdrop=backdrop if plain else None,
        marks=marks,
        surface=surface if plain else None,
        backdrop_limit=backdrop_limit,
    )
    return _finished(check)


def _kept_through(rgb, residual, lightness, solid) -> tuple[np.ndarray, np.ndarray]:
    """(surely backdrop, doubtful): the enclosed backdrop-like regions the cut-out keeps, at the small size."""
    from catalog.cutout.holes import survey

    found = survey(rgb, residual=residual, lightness=lightness)
    none = np.zeros_like(solid)
    if found is None:
        return none, none

    def kept(labels: list[int]) -> np.ndarray:
        regions = [label for label in labels if solid[found.regions == label].mean() > 0.5]
        return found.mask(regions) & solid if regions else none

    return kept(found.backdrop), kept(found.doubtful)


def _through_finding(surely: float, doubtful: float) -> Finding:
    level = _level(surely, THROUGH_WARN, THROUGH_FAIL)
    if level != PASS or doubtful < THROUGH_WARN:
        return _finding("through", surely, level)
    message = (
        f"The cut-out may keep the old backdrop seen through the product: {doubtful:.1%} of it is flat and "
        "the backdrop's colour inside the outline; a pale glaze can look the same, so compare with the photo."
    )
    return Finding(code="through", level=WARN, message=message, value=round(doubtful, 4))


def _soft_width(mask: Image.Image) -> float:
    """The soft edge's mean width in px of the full-size mask: soft pixels per pixel of outline."""
    alpha = np.asarray(mask)
    solid = alpha >= 128
    inner = solid.copy()
    inner[1:] &= solid[:-1]
    inner[:-1] &= solid[1:]
    inner[:, 1:] &= solid[:, :-1]
    inner[:, :-1] &= solid[:, 1:]
    outline = int((solid & ~inner).sum())
    soft = int(np.count_nonzero((alpha > 20) & (alpha < 235)))
    return soft / max(outline, 1)


def _finished(check: StagingCheck) -> StagingCheck:
    check.findings.sort(key=lambda f: -LEVELS[f.level])
    check.measures = {k: round(float(v), 4) for k, v in check.measures.items()}
    state = check._state
    marks = {code: region for code, region in state.marks.items() if _flagged(check, code)}
    check.overlay = _overlay(state.small, state.solid, marks)
    return check


def _with_comparison(
    cutout: StagingCheck, *, photo: Image.Image, mask: Image.Image, staged: Image.Image, placement: Placement
) -> StagingCheck:
    """The cut-out check with the photo and the staged image compared: colours changed, detail kept."""
    from scipy import ndimage

    from catalog.photos.qc import to_lab

    state = cutout._state
    solid, filled = state.solid, state.filled
    # Compared: the product's solid interior (2 px in from the edge: a thin chain, a few pixels wide here, mixes
    # with the backdrop and is left to the other checks) and the holes that show product (an erased label).
    # A hole that shows the backdrop or a shadow (a handle's loop) is meant to change. On a real scene (no
    # backdrop model) every hole counts.
    holes = filled & ~solid
    lost = state.marks.get("lost")  # product the cut-out dropped, found against the backdrop model
    region = _shrink(solid, 2, ndimage) | (holes & lost if state.backdrop is not None and lost is not None else holes)
    changed_map, detail, changed = _compare(photo, mask, staged, placement, region, state, ndimage, to_lab)
    findings = [f for f in cutout.findings if f.code not in ("changed", "detail")]
    findings.append(_finding("changed", changed, _level(changed, CHANGED_WARN, CHANGED_FAIL)))
    findings.append(_finding("detail", detail, _level(detail, DETAIL_WARN, DETAIL_FAIL, higher_is_worse=False)))
    marks = dict(state.marks)
    marks["lost"] = marks.get("lost", np.zeros_like(solid)) | changed_map
    check = StagingCheck(findings=findings, measures={**cutout.measures, "changed": changed, "detail_kept": detail})
    check._state = dataclasses.replace(state, marks=marks)
    return _finished(check)


def _flagged(check: StagingCheck, code: str) -> bool:
    related = {
        "lost": ("lost", "changed", "detail"),
        "ghost": ("ghost", "confidence"),
        "through": ("through",),
        "glow": ("glow",),
        "frame": ("frame",),
    }
    return any(f.code in related[code] and f.level != PASS for f in check.findings)


def _small(image: Image.Image) -> Image.Image:
    factor = max(image.size) // ANALYSIS_SIDE
    if factor > 1:
        image = image.reduce(factor)
    scale = ANALYSIS_SIDE / max(image.size)
    if scale < 1:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BILINEAR)
    return image


def _big_pieces(region: np.ndarray, *, min_px: float, ndimage) -> np.ndarray:
    parts, count = ndimage.label(region)
    if not count:
        return region
    sizes = ndimage.sum_labels(np.ones_like(parts), parts, index=np.arange(1, count + 1))
    keep = np.flatnonzero(sizes >= min_px) + 1
    return np.isin(parts, keep)


def _grow(region: np.ndarray, px: int, ndimage) -> np.ndarray:
    """Dilation by a (2 px + 1) square, in one box filter whatever px is (iterated dilation costs px passes)."""
    return ndimage.uniform_filter(region.astype(np.float32), size=2 * int(px) + 1, mode="constant") > 1e-3


def _shrink(region: np.ndarray, px: int, ndimage) -> np.ndarray:
    """Erosion by a (2 px + 1) square, in one box filter."""
    return ndimage.uniform_filter(region.astype(np.float32), size=2 * int(px) + 1, mode="constant") > 1 - 1e-3


def _touching(region: np.ndarray, seeds: np.ndarray, *, ndimage) -> np.ndarray:
    """The connected pieces of `region` that meet `seeds`."""
    parts, count = ndimage.label(region)
    if not count:
        return region
    keep = np.unique(parts[seeds & region])
    return np.isin(parts, keep[keep > 0])


def _without_haze(region: np.ndarray, backdrop: np.ndarray, lightness: np.ndarray, near: np.ndarray, ndimage):
    """`region` less its pieces that fade into the backdrop without an edge (a flame's glow, a haze).

    A piece of product stands out from the backdrop with an edge; a glow thins out into it. A piece
    enclosed by the cut-out (a hole) has no border with the backdrop and is kept; `near` (the cut-out's own
    edge, which is sharp) doesn't count.
    """
    parts, count = ndimage.label(region)
    if not count:
        return region
    gradient = np.hypot(ndimage.sobel(lightness, axis=0), ndimage.sobel(lightness, axis=1)) / 8.0  # ΔE per px
    border = region & _grow(backdrop & ~region, 1, ndimage) & ~near  # not the product's own edge
    border_px = ndimage.sum_labels(border, parts, index=np.arange(1, count + 1))
    sharp = ndimage.sum_labels(border & (gradient > HAZE_GRADIENT), parts, index=np.arange(1, count + 1))
    haze = np.flatnonzero((border_px >= 5) & (sharp < HAZE_SHARP_SHARE * border_px)) + 1
    return region & ~np.isin(parts, haze)


def _local_std(values: np.ndarray, ndimage, size: int = 5) -> np.ndarray:
    mean = ndimage.uniform_filter(values, size=size)
    return np.sqrt(np.clip(ndimage.uniform_filter(values * values, size=size) - mean * mean, 0, None))


def _compare(photo, mask, staged, placement: Placement, compared, state: _State, ndimage, to_lab):
    """(changed map at the small size, detail kept) between the photo and the staged image.

    The staged image shows reference pixel (x - dx, y - dy) at (x, y). Both sides are cut to the product's
    box at full size, exactly aligned, and reduced by the same whole factor: a one-pixel shift between
    them would read a hammered or woven texture as changed everywhere. A reduced pixel whose full-size
    pixels include some the mask leaves see-through over the photo's backdrop (the gaps between a chain's
    links, at 512 px a few pixels wide) is meant to change, and isn't compared.
    """
    from catalog.staging.fidelity import reference

    small_size = state.small.size
    rgb, alpha = reference(photo, mask, placement.reduction)
    dx, dy = placement.offset
    left, top, right, bottom = placement.box
    source = (left - dx, top - dy, right - dx, bottom - dy)
    factor = max(1, -(-max(rgb.size) // ANALYSIS_SIDE))
    before_image = rgb.crop(source)
    after_image = staged.convert("RGB").crop(placement.box)
    if factor > 1:
        before_image, after_image = before_image.reduce(factor), after_image.reduce(factor)
    before = np.asarray(before_image, dtype=np.float32)
    after = np.asarray(after_image, dtype=np.float32)
    # The compared region, from the small copy to the reduced reference, then to the box.
    reduced = (max(1, rgb.width // factor), max(1, rgb.height // factor))
    region_full = np.asarray(Image.fromarray(compared).resize(reduced, Image.Resampling.NEAREST))
    x0, y0 = source[0] // factor, source[1] // factor
    region = region_full[y0 : y0 + before.shape[0], x0 : x0 + before.shape[1]]
    open_blocks = np.zeros(region.shape, dtype=bool)
    if state.surface is not None:
        # Worked out only within a block of the compared region: a fine chain leaves a wide see-through halo.
        near = np.repeat(np.repeat(ndimage.binary_dilation(region), factor, axis=0), factor, axis=1)
        see_through = _see_through(rgb, alpha, source, state, to_lab, near=near)
        rows, cols = (
            min(see_through.shape[0] // factor, region.shape[0]),
            min(see_through.shape[1] // factor, region.shape[1]),
        )
        blocks = see_through[: rows * factor, : cols * factor].reshape(rows, factor, cols, factor)
        open_blocks[:rows, :cols] = blocks.any(axis=(1, 3))
    region = region & ~open_blocks
    # Detail is a gradient over 3 × 3 px: next to a see-through pixel it reads the new backdrop too.
    detailed = region & ~ndimage.binary_dilation(open_blocks)
    h, w = min(region.shape[0], after.shape[0]), min(region.shape[1], after.shape[1])
    region, detailed, before, after = region[:h, :w], detailed[:h, :w], before[:h, :w], after[:h, :w]
    delta = np.linalg.norm(to_lab(before) - to_lab(after), axis=-1)
    changed_local = region & (delta > CHANGED_DELTA_E)
    changed_reduced = np.zeros((reduced[1], reduced[0]), dtype=bool)
    changed_reduced[y0 : y0 + h, x0 : x0 + w] = changed_local
    changed_map = np.asarray(Image.fromarray(changed_reduced).resize(small_size, Image.Resampling.NEAREST))

    def energy(pixels: np.ndarray) -> float:
        grey = pixels @ np.array([0.299, 0.587, 0.114], np.float32)
        gx, gy = ndimage.sobel(grey, axis=1), ndimage.sobel(grey, axis=0)
        return float(np.hypot(gx, gy)[detailed].sum())

    original_energy = energy(before)
    detail = min(1.0, energy(after) / original_energy) if original_energy > 0 else 1.0
    return changed_map, detail, float(changed_local.sum()) / max(int(region.sum()), 1)


def _see_through(
    rgb: Image.Image, alpha: Image.Image, source, state: _State, to_lab, *, near: np.ndarray
) -> np.ndarray:
    """Over the box `source` of the reference photo: pixels the mask leaves (partly) see-through where the photo
    shows the backdrop (within state.backdrop_limit ΔE of the backdrop model, a shadow counted less); only
    where `near` (the box's size or smaller, from its top left) is set."""
    from scipy import ndimage

    from catalog.photos.cutout import _shadow_weighted

    open_px = np.asarray(alpha.crop(source)) < 255
    h, w = min(open_px.shape[0], near.shape[0]), min(open_px.shape[1], near.shape[1])
    open_px[h:], open_px[:, w:] = False, False
    open_px[:h, :w] &= near[:h, :w]
    result = np.zeros(open_px.shape, dtype=bool)
    ys, xs = np.nonzero(open_px)
    if not len(ys):
        return result
    colours = np.asarray(rgb.crop(source))[ys, xs].astype(np.float32)
    scale_y, scale_x = state.small.height / rgb.height, state.small.width / rgb.width
    coords = [(ys + source[1] + 0.5) * scale_y - 0.5, (xs + source[0] + 0.5) * scale_x - 0.5]
    surface = np.stack(
        [ndimage.map_coordinates(state.surface[..., c], coords, order=1, mode="nearest") for c in range(3)], -1
    )
    distance = np.linalg.norm(_shadow_weighted(to_lab(colours) - surface), axis=-1)
    result[ys, xs] = distance < state.backdrop_limit
    return result


def _overlay(small: Image.Image, solid: np.ndarray, marks: dict[str, np.ndarray]) -> Image.Image:
    """The photo, the backdrop dimmed, the cut-out's outline drawn, the flagged regions painted over."""
    from scipy import ndimage

    pixels = np.asarray(small, dtype=np.float32).copy()
    pixels[~solid] = pixels[~solid] * 0.45 + 40
    outline = solid & ~ndimage.binary_erosion(solid, border_value=1)
    pixels[outline] = (40, 200, 255)
    for code, region in marks.items():
        if region.any():
            colour = np.array(HIGHLIGHT[code], np.float32)
            pixels[region] = pixels[region] * 0.3 + colour * 0.7
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
