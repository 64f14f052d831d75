"""Cut-out quality and speed per backend on the labelled set in tests/data/cutout/.

    DEBUG=1 .venv/bin/python bench/cutout.py [--backends classical,u2netp-plain,u2netp] [--model PATH]
        [--size 0] [--timing-size 2048] [--repeats 3] [--threads 1] [--cases coffee,chain] [--no-sheets]

For each case (real photographs from skimage.data with masks traced by hand,
and rendered shots of the demo's hard cases; tests/data/cutout/README.md) and
each backend: IoU with the true mask, and the boundary F-measure (precision
and recall of the mask's outline within a tolerance of 0.75 % of the image
diagonal, as in the DAVIS benchmark), then the mean over the real photographs,
over the rendered shots and over all; BF2px is the same within 2 px, which tells
whether the edge follows the photo. `u2netp-plain` is u2netp with its map only
scaled up (no guided filter): the baseline the refinement has to beat. Time: the median seconds per photo of
`cut` at the case's size, and at --timing-size px (a photo scaled up), on
--threads cores; the classical backend is the baseline the others' times are
divided by. `--model PATH` adds the `onnx` backend with that local model file.

Contact sheets go to bench/out/cutout/<case>.png: the photo, then each
backend's cut: what it kept of the product as it is, the backdrop it dropped
green, backdrop it kept wrongly magenta, product it lost red. Look at them: a
mean IoU hides a bitten-out rim.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core means one core, numpy's BLAS included

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402
from scipy import ndimage  # noqa: E402

from catalog.cutout.base import Cutout, CutoutError, Cutter  # noqa: E402
from catalog.cutout.classical import ClassicalCutter  # noqa: E402
from catalog.cutout.learned import OnnxCutter, U2NetPCutter  # noqa: E402

DATA = ROOT / "tests" / "data" / "cutout"
OUT = ROOT / "bench" / "out" / "cutout"
REAL = ("coffee",)  # photographs; the other cases are rendered
BOUNDARY_TOLERANCE = 0.0075  # of the image diagonal, as DAVIS does (8 px at 1024 px)
STRICT_TOLERANCE = 2.0  # px: does the edge follow the photo, not only the shape


class PlainU2NetP(U2NetPCutter):
    """u2netp without the edge refinement (its map scaled up bilinearly): the baseline refine.py must beat."""

    name = "u2netp-plain"

    def cut(self, *, image: Image.Image) -> Cutout:
        from catalog.cutout.refine import _resize

        rgb = image if image.mode == "RGB" else image.convert("RGB")
        probability = _resize(self.probability(rgb), rgb.size)
        return Cutout(mask=Image.fromarray((probability >= 0.5).astype(np.uint8) * 255, "L"))


@dataclass
class Case:
    name: str
    image: Image.Image
    truth: np.ndarray  # bool

    @property
    def real(self) -> bool:
        return self.name in REAL


def load_cases(names: list[str] | None, size: int) -> list[Case]:
    from skimage import data

    cases = []
    for mask_path in sorted(DATA.glob("*.mask.png")):
        name = mask_path.name.removesuffix(".mask.png")
        if names and name not in names:
            continue
        image = Image.fromarray(data.coffee()) if name == "coffee" else Image.open(DATA / f"{name}.jpg").convert("RGB")
        truth = Image.open(mask_path).convert("L")
        if size:
            scale = size / max(image.size)
            new = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
            image, truth = image.resize(new, Image.Resampling.LANCZOS), truth.resize(new, Image.Resampling.BILINEAR)
        cases.append(Case(name, image, np.asarray(truth) >= 128))
    return sorted(cases, key=lambda case: (not case.real, case.name))


def iou(found: np.ndarray, truth: np.ndarray) -> float:
    union = (found | truth).sum()
    return float((found & truth).sum() / union) if union else 1.0


def outline(mask: np.ndarray) -> np.ndarray:
    return mask & ~ndimage.binary_erosion(mask, border_value=0)


def boundary_f(found: np.ndarray, truth: np.ndarray, tolerance: float | None = None) -> float:
    """F-measure of the outlines: a found outline pixel counts when a true one is within the tolerance, and back.

    The tolerance is in pixels; by default BOUNDARY_TOLERANCE of the diagonal.
    """
    if tolerance is None:
        tolerance = max(1.0, BOUNDARY_TOLERANCE * float(np.hypot(*truth.shape)))
    found_edge, true_edge = outline(found), outline(truth)
    if not found_edge.any() or not true_edge.any():
        return 0.0
    near_true = ndimage.distance_transform_edt(~true_edge) <= tolerance
    near_found = ndimage.distance_transform_edt(~found_edge) <= tolerance
    precision = float(near_true[found_edge].mean())
    recall = float(near_found[true_edge].mean())
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def cut(backend: Cutter, image: Image.Image) -> np.ndarray:
    try:
        return np.asarray(backend.cut(image=image).mask) >= 128
    except CutoutError:
        return np.zeros((image.height, image.width), dtype=bool)


def seconds(backend: Cutter, image: Image.Image, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        cut(backend, image)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def panel(image: Image.Image, mask: np.ndarray | None, truth: np.ndarray, title: str) -> Image.Image:
    """The photo (mask None: with the true outline in red), or a cut: kept product as it is, the backdrop
    it dropped green, backdrop it kept wrongly tinted magenta, product it lost solid red."""
    pixels = np.asarray(image, dtype=np.float32)
    if mask is None:
        edge = ndimage.binary_dilation(outline(truth), iterations=1)
        pixels = np.where(edge[..., None], np.array([230, 20, 20], np.float32), pixels)
    else:
        green, magenta, red = (np.array(c, np.float32) for c in ((40, 200, 70), (255, 0, 200), (230, 20, 20)))
        pixels = np.where((~mask & ~truth)[..., None], 0.25 * pixels + 0.75 * green, pixels)
        pixels = np.where((mask & ~truth)[..., None], 0.4 * pixels + 0.6 * magenta, pixels)
        pixels = np.where((~mask & truth)[..., None], red, pixels)
    shown = Image.fromarray(pixels.astype(np.uint8))
    ImageDraw.Draw(shown).rectangle((0, 0, 7 * len(title) + 8, 14), fill=(0, 0, 0))
    ImageDraw.Draw(shown).text((4, 1), title, fill=(255, 255, 255))
    return shown


def sheet(case: Case, masks: dict[str, np.ndarray], scores: dict[str, tuple[float, ...]]) -> Path:
    panels = [panel(case.image, None, case.truth, f"{case.name}: photo, true outline")]
    for name, mask in masks.items():
        panels.append(panel(case.image, mask, case.truth, f"{name}: IoU {scores[name][0]:.3f}"))
    width, height = case.image.size
    contact = Image.new("RGB", (width * len(panels), height), "white")
    for i, shown in enumerate(panels):
        contact.paste(shown, (i * width, 0))
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{case.name}.png"
    contact.save(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--backends", default="classical,u2netp-plain,u2netp", help="comma-separated: classical, u2netp, u2netp-plain"
    )
    parser.add_argument("--model", default="", help="a local rembg-compatible .onnx file: adds the onnx backend")
    parser.add_argument("--size", type=int, default=0, help="scale each case to this long side (0: as stored)")
    parser.add_argument("--timing-size", type=int, default=2048, help="also time one photo scaled to this side")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime threads")
    parser.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    parser.add_argument("--no-sheets", action="store_true", help="don't write the contact sheets")
    args = parser.parse_args()

    factories = {
        "classical": ClassicalCutter,
        "u2netp": lambda: U2NetPCutter(cpu_threads=args.threads),
        "u2netp-plain": lambda: PlainU2NetP(cpu_threads=args.threads),
    }
    chosen = [name.strip() for name in args.backends.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in factories]
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(unknown)}; use --model PATH for the onnx backend")
    backends: dict[str, Cutter] = {name: factories[name]() for name in chosen}
    if args.model:
        backends["onnx"] = OnnxCutter(model_path=args.model, cpu_threads=args.threads)
    cases = load_cases([c for c in args.cases.split(",") if c] or None, args.size)
    if not cases:
        parser.error("no case matches --cases")

    loading = {}
    for name, backend in backends.items():
        started = time.perf_counter()
        if isinstance(backend, OnnxCutter):
            backend.session()
        loading[name] = time.perf_counter() - started

    scores: dict[str, dict[str, tuple[float, float, float]]] = {}
    times: dict[str, list[float]] = {name: [] for name in backends}
    for case in cases:
        masks = {}
        for name, backend in backends.items():
            masks[name] = cut(backend, case.image)
            times[name].append(seconds(backend, case.image, args.repeats))
        scores[case.name] = {
            name: (iou(m, case.truth), boundary_f(m, case.truth), boundary_f(m, case.truth, STRICT_TOLERANCE))
            for name, m in masks.items()
        }
        if not args.no_sheets:
            sheet(case, masks, scores[case.name])

    metrics = ("IoU", "BF", "BF2px")
    print(
        f"Cut-out quality on {len(cases)} case(s): IoU; boundary F within {BOUNDARY_TOLERANCE:.2%} of the "
        f"diagonal (BF) and within {STRICT_TOLERANCE:g} px (BF2px)"
    )
    print(f"{'':<20}" + "".join(f"{name:^21}" for name in backends))
    print(f"{'case':<20}" + "".join(f"{metric:>7}" for _ in backends for metric in metrics))
    for case in cases:
        row = "".join(f"{value:>7.3f}" for name in backends for value in scores[case.name][name])
        label = case.name + (" (real)" if case.real else "")
        print(f"{label:<20}{row}   {case.image.width}×{case.image.height}")
    groups = {
        "mean real": [c for c in cases if c.real],
        "mean rendered": [c for c in cases if not c.real],
        "mean all": cases,
    }
    for label, group in groups.items():
        if group:
            row = "".join(
                f"{statistics.mean(scores[c.name][name][i] for c in group):>7.3f}"
                for name in backends
                for i in range(len(metrics))
            )
            print(f"{label:<20}{row}")

    print(f"\nTime per photo (median of {args.repeats}, {args.threads} onnxruntime thread(s), BLAS on 1 core)")
    baseline = "classical" if "classical" in backends else next(iter(backends))
    big = cases[0].image.resize(
        (args.timing_size, round(cases[0].image.height * args.timing_size / cases[0].image.width)),
        Image.Resampling.LANCZOS,
    )
    big_times = {name: seconds(backend, big, args.repeats) for name, backend in backends.items()}
    print(f"{'backend':<12}{'load s':>9}{'per case s':>12}{'ratio':>8}{f'at {big.width} px s':>16}{'ratio':>8}")
    mean_base, big_base = statistics.mean(times[baseline]), big_times[baseline]
    for name in backends:
        mean = statistics.mean(times[name])
        print(
            f"{name:<12}{loading[name]:>9.2f}{mean:>12.3f}{mean / mean_base:>8.2f}"
            f"{big_times[name]:>16.3f}{big_times[name] / big_base:>8.2f}"
        )
    print(f"(ratios against {baseline}, measured in this run)")
    if not args.no_sheets:
        print(f"\nContact sheets: {OUT}/<case>.png (dropped backdrop green, kept backdrop magenta, lost product red)")


if __name__ == "__main__":
    main()
