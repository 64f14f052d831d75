"""Studio-in-a-box timings: a photo from intake to a checked staged image, the cut-out model's share apart.

    DEBUG=1 .venv/bin/python bench/staging.py [--batch 50] [--workers 2] [--size 2048] [--repeats 7]

The photo is a 2048 × 2048 JPEG studio shot from the demo renderer, carrying
EXIF with GPS as a phone would, so intake has metadata to strip. Measured:

- one photo through intake (decode, orientation, sRGB, re-encode without
  metadata, hash) and QC (all checks on a 512 px copy), median of several runs
  on one core (BLAS threads pinned to 1), in wall time and in CPU time (the
  process's own; on a machine others share, wall time grows with the load and
  CPU time hardly does, so the CPU time is what an idle core would take);
- a batch of 50 on 2 worker processes, as images per minute;
- the peak memory one photo adds to a fresh worker process (the kernel's
  high-water mark of resident memory, reset just before the photo, less the
  resident size then; Linux only), and what one more look of an already
  cut-out photo adds to a warm worker (staging, its check and the PNG).

The baseline, measured in the same run on the same bytes, is the least any
intake must do: Image.open + load + save as JPEG. The ratio says how many times
that floor intake + QC costs. The last lines add the cut-out and then one
compositor look (the product staged into "Oak table" and encoded as a lossless
PNG): the whole path of a photo from upload to a staged-image draft.
The cut-out model's own costs are printed apart (load once per process, inference,
refinement at full size), beside the staged-image check and the compositing, each
divided by the same baseline; the refinement and the PNG encode are also timed as they were
before the band refinement and before encode_png wrote its own PNG (Pillow's encoder; same run,
"now N× of before", and both files' sizes).
The last line is one JSON object.
`bench/staging_stagers.py` measures the stagers on their own, the diffusion
stager included (tiny pipeline on CPU; fp32 vs fp16+SDPA on a GPU).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core means one core, numpy's BLAS included

import argparse  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import zlib  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from catalog.photos.cutout import CutoutError, photo_cutout  # noqa: E402
from catalog.photos.intake import photo_clean  # noqa: E402
from catalog.photos.qc import photo_qc  # noqa: E402
from demo.catalogue import COLOURS  # noqa: E402
from demo.photos import Shot, render_photo  # noqa: E402

SIZE = 2048
REPEATS = 7


def phone_photo(seed: int = 11, size: int = SIZE) -> bytes:
    """A demo studio shot re-saved as a phone would: EXIF with the maker's location."""
    shot = Shot("mug", COLOURS[sorted(COLOURS)[0]])
    image = Image.open(io.BytesIO(render_photo(shot=shot, seed=seed, size=size)))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 1
    exif.get_ifd(0x8825).update({1: "N", 2: (55.0, 57.0, 12.5), 3: "W", 4: (3.0, 11.0, 40.2)})
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90, exif=exif)
    return buffer.getvalue()


def baseline(content: bytes) -> int:
    with Image.open(io.BytesIO(content)) as image:
        image.load()
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=92)
    return len(buffer.getvalue())


def intake_and_qc(content: bytes) -> str:
    clean = photo_clean(content=content, filename="phone.jpg")
    return photo_qc(image=clean.image).verdict


def intake_qc_cutout(content: bytes) -> str:
    """Everything a photo goes through at upload, as photo_add runs it."""
    clean = photo_clean(content=content, filename="phone.jpg")
    verdict = photo_qc(image=clean.image).verdict
    try:
        photo_cutout(image=clean.image)
    except CutoutError:
        pass  # stored without a mask, as the service does
    return verdict


_STAGER = None


def whole_pipeline(content: bytes) -> str:
    """Upload to staged image: intake, QC, cut-out, its check, one compositor look, the before/after check, PNG."""
    global _STAGER
    from catalog.staging.base import Placement, encode_png
    from catalog.staging.check import staging_check
    from catalog.staging.compositor import CompositorStager
    from catalog.staging.looks import LookSpec, starter_looks

    clean = photo_clean(content=content, filename="phone.jpg")
    verdict = photo_qc(image=clean.image).verdict
    try:
        cutout = photo_cutout(image=clean.image)
    except CutoutError:
        return verdict  # nothing to stage (the warm-up's blank image)
    rgb = clean.image.convert("RGB")
    checked = staging_check(photo=rgb, mask=cutout.mask, cutout_quality=cutout.quality)
    _STAGER = _STAGER or CompositorStager()
    look = LookSpec.from_dict(dict(starter_looks())["Oak table"])
    staged = _STAGER.stage(image=rgb, mask=cutout.mask, look=look, seed=7)
    placement = Placement.from_dict(staged.details["placement"])
    staging_check(photo=rgb, mask=cutout.mask, staged=staged.image, placement=placement, cutout=checked)
    encode_png(staged.image)
    return verdict


def model_costs(content: bytes, repeats: int) -> dict[str, float]:
    """The cut-out model's share of the pipeline, stage by stage, in ms (one core, medians; load once)."""
    from catalog.cutout import learned
    from catalog.cutout.refine import backdrop_holes_cleared, refined_mask
    from catalog.staging.base import Placement, encode_png
    from catalog.staging.check import staging_check
    from catalog.staging.compositor import CompositorStager
    from catalog.staging.looks import LookSpec, starter_looks

    rgb = photo_clean(content=content, filename="phone.jpg").image.convert("RGB")
    cutter = learned.U2NetPCutter(cpu_threads=1)
    started = time.perf_counter()
    cutter.session()
    load = time.perf_counter() - started

    cpu: dict[str, float] = {}

    def median(fn, name: str = "") -> float:
        fn()
        runs, cpu_runs = [], []
        for _ in range(repeats):
            started, cpu_started = time.perf_counter(), time.process_time()
            fn()
            runs.append(time.perf_counter() - started)
            cpu_runs.append(time.process_time() - cpu_started)
        if name:
            cpu[name] = statistics.median(cpu_runs) * 1000
        return statistics.median(runs) * 1000

    probability = cutter.probability(rgb)
    inference = median(lambda: cutter.probability(rgb), "inference_ms")

    def refine():
        cleared = backdrop_holes_cleared(probability, rgb)
        return refined_mask(cleared.probability, rgb, backdrop=cleared.backdrop)[0]

    refinement = median(refine, "refinement_ms")
    mask = refine()
    refinement_before = median(_whole_photo(refine), "refinement_before_ms")
    stager = CompositorStager()
    look = LookSpec.from_dict(dict(starter_looks())["Oak table"])
    staged = stager.stage(image=rgb, mask=mask, look=look, seed=7)
    compositing = median(lambda: stager.stage(image=rgb, mask=mask, look=look, seed=7), "compositing_ms")
    placement = Placement.from_dict(staged.details["placement"])
    cut_check = median(lambda: staging_check(photo=rgb, mask=mask), "cutout_check_ms")
    checked = staging_check(photo=rgb, mask=mask)
    compare = median(
        lambda: staging_check(photo=rgb, mask=mask, staged=staged.image, placement=placement, cutout=checked),
        "staged_check_ms",
    )
    encode = median(lambda: encode_png(staged.image), "png_ms")
    encode_before = median(lambda: _png_by_pillow(staged.image), "png_before_ms")
    png_sizes = {"png_bytes": len(encode_png(staged.image)), "png_before_bytes": len(_png_by_pillow(staged.image))}
    return (
        png_sizes,
        {key.replace("_ms", "_cpu_ms"): value for key, value in cpu.items()},
        {
            "model_load_ms": load * 1000,
            "inference_ms": inference,
            "refinement_ms": refinement,
            "refinement_before_ms": refinement_before,
            "cutout_check_ms": cut_check,
            "compositing_ms": compositing,
            "staged_check_ms": compare,
            "png_ms": encode,
            "png_before_ms": encode_before,
        },
    )


def _whole_photo(refine):
    """The refinement as it was before it worked out only the band along the outline: every pixel at full size."""
    from catalog.cutout import refine as module

    def whole():
        decided = module._decided
        module._decided = lambda a, b, probability, gain, size, ndimage: (
            np.zeros(size[::-1], bool),
            np.zeros(size[::-1], bool),
        )
        try:
            return refine()
        finally:
            module._decided = decided

    return whole


def _png_by_pillow(image: Image.Image) -> bytes:
    """The PNG as encode_png had Pillow write it before (four row filters tried per row, Huffman only)."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", image.size, image.tobytes()).save(
        buffer, format="PNG", compress_level=1, compress_type=zlib.Z_HUFFMAN_ONLY
    )
    return buffer.getvalue()


def _timed(fn, content: bytes) -> tuple[float, float]:
    started, cpu = time.perf_counter(), time.process_time()
    fn(content)
    return time.perf_counter() - started, time.process_time() - cpu


def median_seconds(fn, content: bytes, repeats: int = REPEATS) -> tuple[float, float]:
    """Median wall time and median CPU time (this process's, all its threads) of `repeats` runs.

    On a machine others share, wall time grows with the load and CPU time hardly does: the CPU time
    is what one core of our own would take.
    """
    fn(content)  # warm up: imports, caches
    runs = [_timed(fn, content) for _ in range(repeats)]
    return statistics.median(wall for wall, _ in runs), statistics.median(cpu for _, cpu in runs)


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


def _peak_in_fresh_process(name: str, content: bytes, queue) -> None:
    if name == "look":
        return _look_peak(content, queue)
    fn = {"baseline": baseline, "intake": intake_and_qc, "upload": intake_qc_cutout, "staged": whole_pipeline}[name]
    fn(_tiny())  # load the code paths on a tiny image first
    # Reset the kernel's high-water mark, so the peak is this photo's, not the imports'.
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")
    before = _status_kib("VmRSS")
    fn(content)
    queue.put((_status_kib("VmHWM") - before) * 1024)


def _look_peak(content: bytes, queue) -> None:
    """What one more look of an uploaded photo adds on a warm worker: staging, its check and the PNG.

    A worker that stages a photo into several looks loads the model and cuts the photo out once.
    """
    from catalog.staging.base import Placement, encode_png
    from catalog.staging.check import staging_check
    from catalog.staging.compositor import CompositorStager
    from catalog.staging.looks import LookSpec, starter_looks

    whole_pipeline(content)  # every code path loaded, the model too
    rgb = photo_clean(content=content, filename="phone.jpg").image.convert("RGB")
    cutout = photo_cutout(image=rgb)
    checked = staging_check(photo=rgb, mask=cutout.mask, cutout_quality=cutout.quality)
    stager, look = CompositorStager(), LookSpec.from_dict(dict(starter_looks())["Oak table"])
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")
    before = _status_kib("VmRSS")
    staged = stager.stage(image=rgb, mask=cutout.mask, look=look, seed=7)
    placement = Placement.from_dict(staged.details["placement"])
    staging_check(photo=rgb, mask=cutout.mask, staged=staged.image, placement=placement, cutout=checked)
    encode_png(staged.image)
    queue.put((_status_kib("VmHWM") - before) * 1024)


def _tiny() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(buffer, format="JPEG")
    return buffer.getvalue()


def peak_memory(name: str, content: bytes) -> int:
    context = multiprocessing.get_context("spawn")  # a clean process: nothing inherited inflates the peak
    queue = context.Queue()
    process = context.Process(target=_peak_in_fresh_process, args=(name, content, queue))
    process.start()
    peak = queue.get(timeout=120)
    process.join()
    return peak


def per_minute(fn, photos: list[bytes], workers: int) -> float:
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        list(pool.map(fn, photos[:workers]))  # start the workers before the clock
        started = time.perf_counter()
        list(pool.map(fn, photos, chunksize=1))
        elapsed = time.perf_counter() - started
    return len(photos) / elapsed * 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--size", type=int, default=SIZE, help=f"the photo's side in px (default {SIZE})")
    parser.add_argument(
        "--repeats", type=int, default=REPEATS, help=f"runs the one-photo medians take (default {REPEATS})"
    )
    args = parser.parse_args()
    if min(args.batch, args.workers, args.size, args.repeats) < 1:
        parser.error("--batch, --workers, --size and --repeats must be positive.")
    repeats = args.repeats

    content = phone_photo(size=args.size)
    clean = photo_clean(content=content, filename="phone.jpg")
    report = photo_qc(image=clean.image)
    print(
        f"Photo: {args.size} × {args.size} JPEG, {len(content) / 1e6:.2f} MB with EXIF + GPS; "
        f"stored {len(clean.content) / 1e6:.2f} MB without; QC verdict: {report.verdict}"
    )

    base_one, base_cpu = median_seconds(baseline, content, repeats)
    clean_one, clean_cpu = median_seconds(lambda c: photo_clean(content=c, filename="phone.jpg"), content, repeats)
    full_one, full_cpu = median_seconds(intake_and_qc, content, repeats)
    upload_one, upload_cpu = median_seconds(intake_qc_cutout, content, repeats)
    print("\nOne photo, one core (median of", repeats, "runs; wall time, and CPU time: what an idle core would take)")

    def line(label: str, wall: float, cpu: float, extra: str = "") -> None:
        print(f"  {label:26s}{wall * 1000:7.1f} ms   CPU {cpu * 1000:7.1f} ms{extra}")

    line("baseline open+load+save", base_one, base_cpu)
    line("intake", clean_one, clean_cpu)
    line("QC", full_one - clean_one, full_cpu - clean_cpu)
    line("intake + QC", full_one, full_cpu, f"   ratio to baseline {full_one / base_one:.2f}×")
    line("cut-out", upload_one - full_one, upload_cpu - full_cpu)
    line("intake + QC + cut-out", upload_one, upload_cpu, f"   ratio to baseline {upload_one / base_one:.2f}×")
    staged_one, staged_cpu = median_seconds(whole_pipeline, content, repeats)
    line("+ one compositor look", staged_one - upload_one, staged_cpu - upload_cpu)
    line("whole pipeline", staged_one, staged_cpu, f"   ratio to baseline {staged_one / base_one:.2f}×")
    print(
        f"  target < 2000 ms on one core: {'met' if staged_one < 2 else 'NOT met'} in wall time, "
        f"{'met' if staged_cpu < 2 else 'NOT met'} in CPU time (load average {os.getloadavg()[0]:.1f})"
    )

    png_sizes, cpu_costs, costs = model_costs(content, repeats)
    print("\nThe cut-out model and what follows it, one core (median of", repeats, "runs; the model loaded once)")
    labels = {
        "model_load_ms": "u2netp model load (once)",
        "inference_ms": "inference at 320 px",
        "refinement_ms": "refinement at full size",
        "refinement_before_ms": "  before: every pixel",
        "cutout_check_ms": "cut-out check",
        "compositing_ms": "compositing one look",
        "staged_check_ms": "before/after check",
        "png_ms": "PNG encode",
        "png_before_ms": "  before: Pillow's encoder",
    }
    for key, label in labels.items():
        text = f"  {label:26s}{costs[key]:7.1f} ms"
        cpu_key = key.replace("_ms", "_cpu_ms")
        text += f"   CPU {cpu_costs[cpu_key]:7.1f} ms" if cpu_key in cpu_costs else " " * 18
        text += f"   ratio to baseline {costs[key] / (base_one * 1000):.2f}×"
        if key.endswith("_before_ms"):  # the same step as it was before this change, measured in this run
            text += f"   now {cpu_costs[cpu_key.replace('_before', '')] / cpu_costs[cpu_key]:.2f}× of before (CPU)"
        print(text)
    print(f"  PNG size {png_sizes['png_bytes'] / 1e6:.2f} MB (before: {png_sizes['png_before_bytes'] / 1e6:.2f} MB)")

    photos = [content] * args.batch
    base_rate = per_minute(baseline, photos, args.workers)
    full_rate = per_minute(intake_and_qc, photos, args.workers)
    upload_rate = per_minute(intake_qc_cutout, photos, args.workers)
    print(f"\nBatch of {args.batch} on {args.workers} worker processes")
    print(f"  baseline                  {base_rate:7.0f} images/min")
    print(
        f"  intake + QC               {full_rate:7.0f} images/min   "
        f"ratio {full_rate / base_rate:.2f}× the baseline rate"
    )
    print(
        f"  intake + QC + cut-out     {upload_rate:7.0f} images/min   "
        f"ratio {upload_rate / base_rate:.2f}× the baseline rate"
    )
    staged_rate = per_minute(whole_pipeline, photos, args.workers)
    print(
        f"  + one compositor look     {staged_rate:7.0f} images/min   "
        f"ratio {staged_rate / base_rate:.2f}× the baseline rate"
    )

    base_peak, full_peak = peak_memory("baseline", content), peak_memory("intake", content)
    print("\nPeak memory one photo adds to a fresh worker")
    print(f"  baseline                  {base_peak / 2**20:7.1f} MiB")
    print(f"  intake + QC               {full_peak / 2**20:7.1f} MiB   ratio {full_peak / max(base_peak, 1):.2f}×")
    upload_peak = peak_memory("upload", content)
    print(f"  intake + QC + cut-out     {upload_peak / 2**20:7.1f} MiB   ratio {upload_peak / max(base_peak, 1):.2f}×")
    staged_peak = peak_memory("staged", content)
    print(f"  + one compositor look     {staged_peak / 2**20:7.1f} MiB   ratio {staged_peak / max(base_peak, 1):.2f}×")
    look_peak = peak_memory("look", content)
    print(f"  one more look, warm worker {look_peak / 2**20:6.1f} MiB   (staging + its check + PNG; target well < 210)")
    print(
        json.dumps(
            {
                "size": args.size,
                "baseline_ms": round(base_one * 1000, 1),
                "intake_qc_ms": round(full_one * 1000, 1),
                "upload_ms": round(upload_one * 1000, 1),
                "whole_ms": round(staged_one * 1000, 1),
                "whole_cpu_ms": round(staged_cpu * 1000, 1),
                "whole_ratio": round(staged_one / base_one, 2),
                "target_met": staged_one < 2,
                "target_met_cpu": staged_cpu < 2,
                "load_average": round(os.getloadavg()[0], 1),
                **{key: round(value, 1) for key, value in costs.items()},
                **{key: round(value, 1) for key, value in cpu_costs.items()},
                **png_sizes,
                "staged_per_min": round(staged_rate, 1),
                "peak_mib": round(staged_peak / 2**20, 1),
                "look_peak_mib": round(look_peak / 2**20, 1),
                "baseline_peak_mib": round(base_peak / 2**20, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
