"""Does the staged-image check flag broken cut-outs and pass good ones? Measured on the labelled set.

    DEBUG=1 .venv/bin/python bench/staging_check.py [--cases white_mug,labelled_jar] [--no-staging] [--verbose]

For each case of tests/data/cutout/ (rendered demo hard cases and the real
coffee photograph), the check runs on:

- the true mask (hand-traced or exact): a good cut-out, which should pass;
- the same mask broken the ways the issue lists: a label punched out of the
  middle (`hole`), see-through stripes (`stripes`), a bite out of the rim
  (`bite`), the old backdrop carried along around the product (`ghost`), a
  dome of backdrop over the top (`dome`, a flame's glow): each should be flagged;
- the cut-outs the backends make (classical, u2netp): flagged or not, beside
  their IoU with the truth (below GOOD_IOU a cut-out counts as broken).

With staging (the default) each mask is also staged into the "Oak table" look
and the before/after comparison runs. Printed: per case and mask, the verdict
and the findings; then how many good masks passed (the baseline a check must
not spoil) and how many broken ones were flagged. The last line is one JSON object.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from scipy import ndimage  # noqa: E402

from catalog.cutout.base import CutoutError  # noqa: E402
from catalog.cutout.classical import ClassicalCutter  # noqa: E402
from catalog.cutout.learned import U2NetPCutter  # noqa: E402
from catalog.staging.base import Placement  # noqa: E402
from catalog.staging.check import LABELS, staging_check  # noqa: E402
from catalog.staging.compositor import CompositorStager  # noqa: E402
from catalog.staging.looks import LookSpec, starter_looks  # noqa: E402

DATA = ROOT / "tests" / "data" / "cutout"
OUT = ROOT / "bench" / "out" / "staging_check"
GOOD_IOU = 0.97
PIECES = {"hoops": 2}  # cases whose product is a pair (catalog.staging.pieces reads it from the product's words)
DAMAGES = ("hole", "stripes", "bite", "ghost", "dome")


def case_photo(name: str) -> Image.Image:
    if name == "coffee":
        from skimage import data

        return Image.fromarray(data.coffee())
    return Image.open(DATA / f"{name}.jpg").convert("RGB")


def damaged(mask: np.ndarray, how: str) -> np.ndarray:
    """The true mask (bool) broken one way."""
    ys, xs = np.nonzero(mask)
    top, bottom, left, right = ys.min(), ys.max(), xs.min(), xs.max()
    h, w = bottom - top + 1, right - left + 1
    cy, cx = (top + bottom) / 2, (left + right) / 2
    yy, xx = np.mgrid[0 : mask.shape[0], 0 : mask.shape[1]]
    if how == "hole":  # an erased label: an ellipse out of the middle
        return mask & ~(((yy - cy) / (0.16 * h)) ** 2 + ((xx - cx) / (0.25 * w)) ** 2 <= 1)
    if how == "stripes":  # see-through stripes across the lower half
        band = max(2, round(0.03 * h))
        return mask & ~(((yy - top) // band) % 3 == 1) | (mask & (yy < cy))
    if how == "bite":  # a disc out of the rim, at the top right
        ry, rx = top + 0.1 * h, right - 0.1 * w
        return mask & ~(((yy - ry) ** 2 + (xx - rx) ** 2) <= (0.15 * min(h, w)) ** 2)
    if how == "ghost":  # the old backdrop carried along all round
        return ndimage.binary_dilation(mask, iterations=max(3, round(0.06 * np.sqrt(mask.sum()))))
    if how == "dome":  # a dome of backdrop over the top (a flame's glow)
        r = 0.45 * w
        return mask | ((((yy - top) ** 2 + (xx - cx) ** 2) <= r * r) & (yy <= top + 0.3 * h))
    raise ValueError(how)


def to_image(mask: np.ndarray) -> Image.Image:
    """A bool mask with the soft 2 px edge a real cut-out has."""
    soft = ndimage.gaussian_filter(mask.astype(np.float32), 1.0)
    alpha = np.where(mask & (soft > 0.98), 1.0, soft)
    return Image.fromarray(np.round(np.clip(alpha, 0, 1) * 255).astype(np.uint8), "L")


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    parser.add_argument("--no-staging", action="store_true", help="check the cut-outs only (faster)")
    parser.add_argument("--no-backends", action="store_true", help="skip the backends' own cut-outs")
    parser.add_argument("--verbose", action="store_true", help="print every measure")
    parser.add_argument("--overlays", action="store_true", help=f"save each overlay to {OUT}")
    args = parser.parse_args()
    names = sorted(path.name.removesuffix(".mask.png") for path in DATA.glob("*.mask.png"))
    if args.cases:
        names = [name for name in names if name in args.cases.split(",")]
    if args.overlays:
        OUT.mkdir(parents=True, exist_ok=True)
    stager = CompositorStager()
    look = LookSpec.from_dict(dict(starter_looks())["Oak table"])
    cutters = {} if args.no_backends else {"classical": ClassicalCutter(), "u2netp": U2NetPCutter(cpu_threads=1)}
    tally = {"good": [0, 0], "broken": [0, 0]}  # [flagged, total]
    seconds = []
    print(f"{'case':15s} {'mask':10s} {'IoU':>5s}  verdict  findings")
    for name in names:
        photo = case_photo(name)
        truth = np.asarray(Image.open(DATA / f"{name}.mask.png").convert("L")) >= 128
        masks = {"true": to_image(truth)}
        masks.update({how: to_image(damaged(truth, how)) for how in DAMAGES})
        for backend, cutter in cutters.items():
            try:
                masks[backend] = cutter.cut(image=photo).mask
            except CutoutError:
                pass
        true_iou = iou(np.asarray(masks["true"]) >= 128, truth)
        for label, mask in masks.items():
            solid = np.asarray(mask) >= 128
            overlap = iou(solid, truth)
            # A damage that changed nothing (a hole where the loop already was) isn't one.
            broken = label != "true" and overlap < (true_iou - 0.003 if label in DAMAGES else GOOD_IOU)
            staged = placement = None
            if not args.no_staging:
                result = stager.stage(image=photo, mask=mask, look=look, seed=7)
                staged, placement = result.image, Placement.from_dict(result.details["placement"])
            started = time.perf_counter()
            check = staging_check(
                photo=photo, mask=mask, staged=staged, placement=placement, pieces_expected=PIECES.get(name, 1)
            )
            seconds.append(time.perf_counter() - started)
            tally["broken" if broken else "good"][0] += check.flagged
            tally["broken" if broken else "good"][1] += 1
            flagged = [f"{LABELS[f.code]} ({f.level})" for f in check.findings if f.level != "pass"]
            marker = "" if check.flagged == broken else "   <-- WRONG"
            print(f"{name:15s} {label:10s} {overlap:5.3f}  {check.verdict:7s}  {', '.join(flagged)}{marker}")
            if args.verbose:
                print(f"{'':33s}{check.measures}")
            if args.overlays:
                check.overlay.save(OUT / f"{name}-{label}.png")
    good_flagged, good_total = tally["good"]
    broken_flagged, broken_total = tally["broken"]
    print(
        f"\nGood cut-outs passed: {good_total - good_flagged} of {good_total}; "
        f"broken cut-outs flagged: {broken_flagged} of {broken_total}; "
        f"check {np.median(seconds) * 1000:.0f} ms median per image"
    )
    print(
        json.dumps(
            {
                "good_passed": good_total - good_flagged,
                "good": good_total,
                "broken_flagged": broken_flagged,
                "broken": broken_total,
                "check_ms": round(float(np.median(seconds)) * 1000, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
