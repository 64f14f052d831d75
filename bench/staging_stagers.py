"""Studio-in-a-box timings, part two: the stagers (to be merged into bench/staging.py).

    DEBUG=1 .venv/bin/python bench/staging_stagers.py [--batch 50] [--workers 2] [--look "Oak table"]
        [--size 2048] [--repeats 5] [--diffusion-runs 3] [--no-diffusion]
    STAGING_MODEL_DIR=/models/sd-inpainting DEBUG=1 .venv/bin/python bench/staging_stagers.py   # on a GPU machine

The photo is a 2048 × 2048 studio shot drawn here the way the staging tests
draw theirs (a shaded, speckled mug on paper), with its mask feathered like a
cut-out's, both as PNG bytes. Measured:

- compositor: one photo into one look (decode, stage, encode the staged PNG),
  median of several runs on one core (BLAS and PyTorch threads pinned to 1);
  a batch on worker processes as images per minute; the peak memory one
  staging adds to a fresh worker (Linux: the kernel's high-water mark);
- the baseline, on the same bytes in the same run: decode the photo, paste it
  through its mask onto a plain canvas of the same size, save that as PNG:
  the least any stager must do. Ratios are against it;
- diffusion: seconds per image with a tiny random-weight inpainting pipeline
  on the CPU (it measures the code path around the model, not a model); with
  STAGING_MODEL_DIR set and a GPU present, per image with the real model in
  float32 (classic attention), float32 + SDPA, and float16 + SDPA.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core means one core, numpy's BLAS and PyTorch included

import argparse  # noqa: E402
import io  # noqa: E402
import multiprocessing  # noqa: E402
import statistics  # noqa: E402
import string  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw, ImageFilter  # noqa: E402

from catalog.staging.base import encode_png  # noqa: E402
from catalog.staging.compositor import CompositorStager  # noqa: E402
from catalog.staging.looks import LookSpec, starter_looks  # noqa: E402

SIZE = 2048
REPEATS = 5
LOOK_NAME = "Oak table"
_STAGER = CompositorStager()  # one per process, as the registry keeps it


def studio_shot(size: int = SIZE, seed: int = 11) -> tuple[bytes, bytes]:
    """PNG bytes of a mug on paper and of its feathered mask."""
    s = size / 400
    shape = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(shape)
    draw.rounded_rectangle((120 * s, 120 * s, 260 * s, 290 * s), radius=8 * s, fill=255)
    draw.ellipse((120 * s, 108 * s, 260 * s, 132 * s), fill=255)
    draw.ellipse((240 * s, 156 * s, 304 * s, 244 * s), fill=255)
    draw.ellipse((258 * s, 174 * s, 286 * s, 226 * s), fill=0)
    rng = np.random.default_rng(seed)
    ramp = np.linspace(1.25, 0.75, size, dtype=np.float32)[None, :, None]
    body = np.array((60, 100, 150), np.float32) * ramp + rng.integers(-16, 17, (size, size, 3), dtype=np.int8)
    photo = Image.new("RGB", (size, size), (245, 243, 240))
    photo.paste(Image.fromarray(np.clip(body, 0, 255).astype(np.uint8)), mask=shape)
    mask = shape.filter(ImageFilter.GaussianBlur(2 * s / 5))
    return _png(photo), _png(mask)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _look(name: str = LOOK_NAME) -> LookSpec:
    return LookSpec.from_dict(dict(starter_looks())[name])


def baseline(job: tuple[bytes, bytes, str]) -> int:
    """Open the photo and mask, paste through the mask onto a plain canvas, save it losslessly."""
    photo_bytes, mask_bytes, _ = job
    photo, mask = Image.open(io.BytesIO(photo_bytes)), Image.open(io.BytesIO(mask_bytes))
    canvas = Image.new("RGB", photo.size, (233, 227, 217))
    canvas.paste(photo, mask=mask)
    return len(encode_png(canvas))


def compositor(job: tuple[bytes, bytes, str]) -> int:
    photo_bytes, mask_bytes, look_name = job
    photo, mask = Image.open(io.BytesIO(photo_bytes)), Image.open(io.BytesIO(mask_bytes))
    staged = _STAGER.stage(image=photo, mask=mask, look=_look(look_name), seed=7)
    return len(encode_png(staged.image))


def median_seconds(fn, job, repeats: int = REPEATS) -> float:
    fn(job)  # warm up: imports, caches
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn(job)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def per_minute(fn, jobs: list, workers: int) -> float:
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        list(pool.map(fn, jobs[:workers]))  # start the workers before the clock
        started = time.perf_counter()
        list(pool.map(fn, jobs, chunksize=1))
        elapsed = time.perf_counter() - started
    return len(jobs) / elapsed * 60


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


def _peak_in_fresh_process(name: str, job, queue) -> None:
    fn = {"baseline": baseline, "compositor": compositor}[name]
    small = studio_shot(300)
    fn((*small, job[2]))  # load the code paths on a small photo first
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # reset the high-water mark: the peak is this photo's, not the imports'
    before = _status_kib("VmRSS")
    fn(job)
    queue.put((_status_kib("VmHWM") - before) * 1024)


def peak_memory(name: str, job) -> int | None:
    if not os.path.exists("/proc/self/clear_refs"):
        return None
    context = multiprocessing.get_context("spawn")  # a clean process: nothing inherited inflates the peak
    queue = context.Queue()
    process = context.Process(target=_peak_in_fresh_process, args=(name, job, queue))
    process.start()
    peak = queue.get(timeout=300)
    process.join()
    return peak


# --- Diffusion ------------------------------------------------------------------------


def tiny_pipeline(folder: str) -> str:
    """A Stable Diffusion inpainting pipeline with random weights and a 40-symbol tokenizer, saved to folder."""
    import diffusers
    import torch
    import transformers

    torch.manual_seed(0)
    symbols = list(string.ascii_lowercase + string.digits + ",.!-'")
    vocab = {symbol: i for i, symbol in enumerate(symbols)}
    vocab.update({symbol + "</w>": i + len(symbols) for i, symbol in enumerate(symbols)})
    vocab.update({"<|startoftext|>": len(vocab), "<|endoftext|>": len(vocab) + 1})
    pipe = diffusers.StableDiffusionInpaintPipeline(
        vae=diffusers.AutoencoderKL(
            block_out_channels=(32, 64),
            latent_channels=4,
            down_block_types=("DownEncoderBlock2D",) * 2,
            up_block_types=("UpDecoderBlock2D",) * 2,
        ),
        text_encoder=transformers.CLIPTextModel(
            transformers.CLIPTextConfig(
                hidden_size=32,
                intermediate_size=37,
                num_hidden_layers=2,
                num_attention_heads=2,
                vocab_size=1000,
                bos_token_id=0,
                eos_token_id=2,
                pad_token_id=1,
            )
        ),
        tokenizer=transformers.CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77),
        unet=diffusers.UNet2DConditionModel(
            block_out_channels=(32, 64),
            layers_per_block=1,
            sample_size=32,
            in_channels=9,
            out_channels=4,
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
            cross_attention_dim=32,
        ),
        scheduler=diffusers.DDIMScheduler(steps_offset=1, clip_sample=False, set_alpha_to_one=False),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipe.save_pretrained(folder)
    return folder


def diffusion_seconds(
    options: dict, photo: Image.Image, mask: Image.Image, look: LookSpec, runs: int
) -> tuple[float, dict]:
    """Seconds per image after a first, loading run; and what ran."""
    import torch

    from catalog.staging.diffusion import DiffusionStager

    stager = DiffusionStager(**options)
    stager.stage(image=photo, mask=mask, look=look, seed=1)  # loads the model
    if stager.runtime["device"] == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    times = []
    for seed in range(runs):
        started = time.perf_counter()
        stager.stage(image=photo, mask=mask, look=look, seed=seed + 2)
        if stager.runtime["device"] == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - started)
    info = dict(stager.runtime)
    if info["device"] == "cuda":
        info["peak_gpu_mib"] = torch.cuda.max_memory_allocated() / 2**20
    del stager
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return statistics.median(times), info


def bench_diffusion(photo_bytes: bytes, mask_bytes: bytes, look_name: str, runs: int) -> None:
    try:
        import torch  # noqa: F401

        from catalog.staging.diffusion import DiffusionStager
    except ImportError as exc:
        print(f"\nDiffusion: skipped ({exc})")
        return
    photo, mask = Image.open(io.BytesIO(photo_bytes)), Image.open(io.BytesIO(mask_bytes))
    print("\nDiffusion stager")
    base = _look(look_name).to_dict()
    with tempfile.TemporaryDirectory(prefix="tiny-sd-") as folder:
        tiny_look = LookSpec.from_dict(
            {**base, "generative": {**base["generative"], "steps": 2, "strength": 1.0, "prompt": "a table"}}
        )
        seconds, info = diffusion_seconds(
            {"model_dir": tiny_pipeline(folder), "device": "cpu", "cpu_threads": 1}, photo, mask, tiny_look, runs
        )
        print(
            f"  tiny random pipeline, CPU  {seconds:7.2f} s/image   ({info['dtype']}, {info['attention']}, "
            f"{info['resolution']} px, 2 steps: the code path around a model, not a model)"
        )

    model_dir = os.environ.get("STAGING_MODEL_DIR", "").strip()
    if not model_dir:
        print("  real model                 skipped: set STAGING_MODEL_DIR to a diffusers inpainting folder")
        return
    described = DiffusionStager.describe()
    if described["device"] != "cuda":
        print(
            f"  real model                 skipped: no GPU (a {base['generative']['steps']}-step scene takes minutes "
            f"on a CPU)"
        )
        return
    look = _look(look_name)
    rows = [
        ("float32, classic attention", {"dtype": "float32", "attention": "classic"}),
        ("float32 + SDPA", {"dtype": "float32", "attention": "sdpa"}),
        ("float16 + SDPA", {"dtype": "float16", "attention": "sdpa"}),
    ]
    print(f"  real model on {described['gpu']}, {look.generative.steps} steps, median of {runs}")
    first = None
    for label, options in rows:
        options = {"model_dir": model_dir, "device": "cuda", **options}
        seconds, info = diffusion_seconds(options, photo, mask, look, runs)
        first = first or seconds
        print(
            f"  {label:27s}{seconds:7.2f} s/image   ratio {seconds / first:.2f}× the float32 time   "
            f"({info['pipeline']}, {info['resolution']} px, peak {info['peak_gpu_mib']:.0f} MiB)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--look", default=LOOK_NAME, choices=[name for name, _ in starter_looks()])
    parser.add_argument("--diffusion-runs", type=int, default=3)
    parser.add_argument("--no-diffusion", action="store_true")
    parser.add_argument("--size", type=int, default=SIZE, help=f"the photo's side in px (default {SIZE})")
    parser.add_argument(
        "--repeats", type=int, default=REPEATS, help=f"runs the one-photo medians take (default {REPEATS})"
    )
    args = parser.parse_args()
    if min(args.batch, args.workers, args.size, args.repeats, args.diffusion_runs) < 1:
        parser.error("--batch, --workers, --size, --repeats and --diffusion-runs must be positive.")

    photo_bytes, mask_bytes = studio_shot(args.size)
    job = (photo_bytes, mask_bytes, args.look)
    photo, mask = Image.open(io.BytesIO(photo_bytes)), Image.open(io.BytesIO(mask_bytes))
    staged = _STAGER.stage(image=photo, mask=mask, look=_look(args.look), seed=7)
    print(
        f"Photo: {args.size} × {args.size} PNG ({len(photo_bytes) / 1e6:.2f} MB) + mask; look {args.look!r} → "
        f"{staged.image.width} × {staged.image.height}, fidelity {staged.fidelity.identical_share:.4f} "
        f"over {staged.fidelity.pixels_compared:,} interior pixels"
    )
    print("  stage timings (ms):", ", ".join(f"{k} {v:.0f}" for k, v in staged.details["timings_ms"].items()))

    base_one, comp_one = median_seconds(baseline, job, args.repeats), median_seconds(compositor, job, args.repeats)
    print(f"\nOne photo, one core (median of {args.repeats} runs)")
    print(f"  baseline open+paste+save  {base_one * 1000:7.1f} ms")
    print(f"  compositor (open+stage+save) {comp_one * 1000:4.0f} ms   ratio to baseline {comp_one / base_one:.2f}×")

    jobs = [job] * args.batch
    base_rate, comp_rate = per_minute(baseline, jobs, args.workers), per_minute(compositor, jobs, args.workers)
    print(f"\nBatch of {args.batch} on {args.workers} worker processes")
    print(f"  baseline                  {base_rate:7.0f} images/min")
    print(
        f"  compositor                {comp_rate:7.0f} images/min   "
        f"ratio {comp_rate / base_rate:.2f}× the baseline rate"
    )

    base_peak, comp_peak = peak_memory("baseline", job), peak_memory("compositor", job)
    if base_peak is not None:
        print("\nPeak memory one staging adds to a fresh worker")
        print(f"  baseline                  {base_peak / 2**20:7.1f} MiB")
        print(f"  compositor                {comp_peak / 2**20:7.1f} MiB   ratio {comp_peak / max(base_peak, 1):.2f}×")

    if not args.no_diffusion:
        bench_diffusion(photo_bytes, mask_bytes, args.look, args.diffusion_runs)


if __name__ == "__main__":
    main()
