"""Generative staging: Stable Diffusion inpaints a scene around the product, never the product.

    ATELIER_STAGER=diffusion STAGING_MODEL_DIR=/models/sd-inpainting
    ATELIER_BACKENDS["stager"] = {"BACKEND": "catalog.staging.diffusion.DiffusionStager",
                                  "OPTIONS": {"model_dir": "/models/sd-inpainting"}}

The model is a diffusers inpainting pipeline saved in a local folder
(`save_pretrained`); it is loaded with `local_files_only=True`, so nothing is
ever downloaded. It loads on the first `stage()` call, under a lock, and stays
on the instance: the backend registry keeps one instance per process, so a
worker loads it once, after it forked. On a GPU it runs in float16 with
PyTorch's scaled-dot-product attention; on a CPU in float32.

The flow:
1. the compositor's layout and backdrop (shadow and light included) with the
   product laid in: the start image, so the model keeps the look's horizon,
   colours and shadow as far as `strength` lets it;
2. the inpainting mask is everything but the product, dilated a little: the
   model paints the scene and leaves the product's area alone;
3. the pipeline runs at its own resolution (its UNet's sample size, or the
   `resolution` option; sides multiples of what the UNet needs), with the
   look's prompt, negative prompt, seed, strength, steps and guidance; the
   canvas is squeezed to those sides and the scene stretched back, so the
   aspect ratio is kept exactly;
4. the scene is enlarged to the canvas and the original product is laid back
   in by fidelity.enforce: its interior byte for byte, its edge feathered.
   The fidelity rule is measured on the result like the compositor's.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from PIL import Image, ImageFilter

from catalog.staging.base import (
    FidelityError,
    StagedImage,
    Stager,
    StagerUnavailable,
    StagingError,
    Timings,
    prepared_inputs,
)
from catalog.staging.compositor import check_seed, layout_details, render_layout_backdrop
from catalog.staging.fidelity import enforce, measure_fidelity, reference
from catalog.staging.layout import Layout, plan_layout
from catalog.staging.looks import MAX_LONG_SIDE, MIN_LONG_SIDE, LookSpec
from studio.backends import Option, TaskQueue

DEVICES = ("auto", "cuda", "cpu")
DTYPES = ("auto", "float16", "bfloat16", "float32")
ATTENTIONS = ("sdpa", "classic")
SETUP_HINT = (
    "Set STAGING_MODEL_DIR to a folder holding a diffusers Stable Diffusion inpainting pipeline "
    "(made with save_pretrained; nothing is downloaded)."
)
INSTALL_HINT = "pip install -r requirements-diffusion.txt (make gpu-worker does it)."


def _threads_per_worker(queue: TaskQueue) -> int:
    # PyTorch uses every core by default; several CPU workers on one machine then fight over them
    # (and OpenMP's spinning makes that many times slower). Give each worker cores / workers.
    return max(1, (os.cpu_count() or 1) // queue.workers)


class DiffusionStager(Stager):
    """Stable Diffusion inpainting around the product (ATELIER_STAGER=diffusion, STAGING_MODEL_DIR=…)."""

    name = "diffusion"
    option_specs = (
        Option(
            "model_dir",
            env="STAGING_MODEL_DIR",
            required=True,
            help="a local directory holding a diffusers Stable Diffusion inpainting pipeline; nothing is downloaded",
        ),
        Option(
            "cpu_threads",
            env="STAGING_CPU_THREADS",
            type=int,
            minimum=1,
            default=_threads_per_worker,
            help="torch threads per worker process on a CPU",
        ),
    )

    def __init__(
        self,
        *,
        model_dir: str = "",
        device: str = "auto",
        dtype: str = "auto",
        attention: str = "sdpa",
        resolution: int | None = None,
        dilate_px: int = 3,
        max_long_side: int = MAX_LONG_SIDE,
        cpu_threads: int | None = None,
        variant: str | None = None,
    ) -> None:
        for option, value, allowed in (
            ("device", device, DEVICES),
            ("dtype", dtype, DTYPES),
            ("attention", attention, ATTENTIONS),
        ):
            if value not in allowed:
                raise TypeError(f"{option} must be one of {', '.join(allowed)}; got {value!r}")
        if resolution is not None and not 64 <= int(resolution) <= 2048:
            raise TypeError(f"resolution must be between 64 and 2048 px; got {resolution!r}")
        if not MIN_LONG_SIDE <= int(max_long_side) <= MAX_LONG_SIDE:
            raise TypeError(f"max_long_side must be between {MIN_LONG_SIDE} and {MAX_LONG_SIDE} px")
        if cpu_threads is not None and int(cpu_threads) < 1:
            raise TypeError(f"cpu_threads must be at least 1; got {cpu_threads!r}")
        super().__init__(
            model_dir=model_dir,
            device=device,
            dtype=dtype,
            attention=attention,
            resolution=resolution,
            dilate_px=dilate_px,
            max_long_side=max_long_side,
            cpu_threads=cpu_threads,
            variant=variant,
        )
        self.variant = variant or None  # e.g. "fp16": a folder holding only *.fp16.safetensors weights
        self.cpu_threads = None if cpu_threads is None else int(cpu_threads)
        self.model_dir = str(model_dir or "")
        self.device, self.dtype, self.attention = device, dtype, attention
        self.resolution = None if resolution is None else int(resolution)
        self.dilate_px = max(int(dilate_px), 0)
        self.max_long_side = int(max_long_side)
        self.loads = 0  # how many times this instance loaded the pipeline (once, in a healthy worker)
        self.runtime: dict[str, Any] = {}
        self._pipe = None
        self._lock = threading.Lock()  # one load per instance
        self._running = threading.Lock()  # one generation at a time: a pipeline's scheduler keeps per-call state

    # --- The model --------------------------------------------------------------------

    @classmethod
    def describe(cls, *, device: str = "auto", dtype: str = "auto", attention: str = "sdpa", **_: Any) -> dict:
        """Where and how a stager with these options would run, without loading a model (for the bench)."""
        torch = _torch()
        where = _device(torch, device)
        return {
            "device": where,
            "gpu": torch.cuda.get_device_name(0) if where == "cuda" else None,
            "dtype": str(_dtype(torch, dtype, where)).removeprefix("torch."),
            "attention": "sdpa"
            if attention == "sdpa" and hasattr(torch.nn.functional, "scaled_dot_product_attention")
            else "classic",
            "torch": torch.__version__,
        }

    def pipeline(self):
        """The loaded pipeline; the first call loads it (once per instance, under a lock)."""
        if self._pipe is None:
            with self._lock:
                if self._pipe is None:
                    self._pipe = self._load()
        return self._pipe

    def _load(self):
        folder = self.model_dir
        if not folder:
            raise StagerUnavailable(f"Diffusion staging has no model. {SETUP_HINT}")
        if not os.path.isdir(folder):
            raise StagerUnavailable(f"STAGING_MODEL_DIR={folder} does not exist on this machine. {SETUP_HINT}")
        if not os.path.isfile(os.path.join(folder, "model_index.json")):
            raise StagerUnavailable(
                f"STAGING_MODEL_DIR={folder} is not a diffusers pipeline folder "
                f"(it has no model_index.json). {SETUP_HINT}"
            )
        torch = _torch()
        try:
            import diffusers
            from diffusers import AutoPipelineForInpainting
        except ImportError as exc:
            raise StagerUnavailable(f"Diffusion staging needs diffusers installed ({exc}): {INSTALL_HINT}") from None
        info = self.describe(device=self.device, dtype=self.dtype, attention=self.attention)
        dtype = getattr(torch, info["dtype"])
        try:
            extra = {"variant": self.variant} if self.variant else {}
            pipe = AutoPipelineForInpainting.from_pretrained(
                folder, local_files_only=True, **{_dtype_keyword(): dtype}, **extra
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StagerUnavailable(
                f"The model in STAGING_MODEL_DIR={folder} could not be loaded as an inpainting pipeline: {exc}"
            ) from None
        if info["device"] == "cpu" and self.cpu_threads:
            torch.set_num_threads(self.cpu_threads)
        pipe = pipe.to(info["device"])
        pipe.set_progress_bar_config(disable=True)
        _set_attention(pipe, info["attention"])
        self.loads += 1
        self.runtime = {
            **info,
            "pipeline": type(pipe).__name__,
            "diffusers": diffusers.__version__,
            "threads": torch.get_num_threads() if info["device"] == "cpu" else None,
            "resolution": self.resolution or _native_resolution(pipe),
        }
        return pipe

    # --- Staging ----------------------------------------------------------------------

    def stage(self, *, image: Image.Image, mask: Image.Image, look: LookSpec, seed: int) -> StagedImage:
        timings = Timings()
        rgb, mask, box = prepared_inputs(image, mask)
        check_seed(seed)
        scene_seed = look.generative.seed if look.generative.seed is not None else seed
        layout = plan_layout(product_box=box, look=look, ceiling=self.max_long_side)
        with timings("compose"):
            backdrop = render_layout_backdrop(rgb, mask, layout, look, scene_seed)
            start = enforce(rgb, mask, backdrop, layout.placement)
        with timings("load"):
            pipe = self.pipeline()
        size = generation_size(layout.canvas, self.runtime["resolution"], _multiple(pipe))
        with timings("generate"), self._running:
            generated = self._generate(
                pipe,
                start.resize(size, Image.Resampling.LANCZOS),
                self._repaint_mask(rgb, mask, layout, size),
                look,
                scene_seed,
            )
        with timings("enforce"):
            scene = generated.resize(layout.canvas, Image.Resampling.LANCZOS)
            staged = enforce(rgb, mask, scene, layout.placement)
            fidelity = measure_fidelity(rgb, mask, staged, layout.placement)
        if not fidelity.exact:
            raise FidelityError(f"The product's pixels changed while staging ({fidelity}); nothing was kept.")
        details = layout_details(layout, look, timings.done())
        details["model"] = {
            **self.runtime,
            "generation_size": list(size),
            "prompt": look.scene_prompt(),
            "steps": look.generative.steps,
            "strength": look.generative.strength,
            "guidance": look.generative.guidance,
        }
        return StagedImage(image=staged, fidelity=fidelity, backend=self.name, seed=scene_seed, details=details)

    def _repaint_mask(self, rgb: Image.Image, mask: Image.Image, layout: Layout, size: tuple[int, int]) -> Image.Image:
        """White where the model paints (the scene), black over the product and a few pixels around it."""
        _, alpha = reference(rgb, mask, layout.placement.reduction)
        dx, dy = layout.placement.offset
        left, top, right, bottom = layout.placement.box
        keep = Image.new("L", layout.canvas, 0)
        keep.paste(alpha.crop((left - dx, top - dy, right - dx, bottom - dy)), (left, top))
        keep = keep.resize(size, Image.Resampling.BOX).point(lambda v: 255 if v else 0)
        if self.dilate_px:
            keep = keep.filter(ImageFilter.MaxFilter(2 * self.dilate_px + 1))
        return keep.point(lambda v: 255 - v)

    def _generate(self, pipe, start: Image.Image, repaint: Image.Image, look: LookSpec, seed: int) -> Image.Image:
        torch = _torch()
        g = look.generative
        generator = torch.Generator(device="cpu").manual_seed(seed)  # the same scene on any device
        try:
            with torch.inference_mode():
                output = pipe(
                    prompt=look.scene_prompt(),
                    negative_prompt=g.negative_prompt or None,
                    image=start,
                    mask_image=repaint,
                    width=start.width,
                    height=start.height,
                    strength=g.strength,
                    num_inference_steps=g.steps,
                    guidance_scale=g.guidance,
                    generator=generator,
                    output_type="pil",
                )
        except torch.cuda.OutOfMemoryError as exc:
            raise StagingError(
                f"The GPU ran out of memory generating the scene; lower the resolution ({exc})."
            ) from None
        if any(getattr(output, "nsfw_content_detected", None) or []):
            raise StagingError("The model's safety checker blanked the scene; try another seed or prompt.")
        return output.images[0].convert("RGB")


# --- Helpers ------------------------------------------------------------------------


def generation_size(canvas: tuple[int, int], long_side: int, multiple: int) -> tuple[int, int]:
    """The canvas's shape at the model's resolution, both sides whole multiples of `multiple`."""
    width, height = canvas
    scale = long_side / max(width, height)

    def side(length: int) -> int:
        return max(multiple, round(length * scale / multiple) * multiple)

    return side(width), side(height)


def _torch():
    try:
        import torch
    except ImportError as exc:
        raise StagerUnavailable(f"Diffusion staging needs PyTorch installed ({exc}): {INSTALL_HINT}") from None
    return torch


def _device(torch, device: str) -> str:
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise StagerUnavailable("The diffusion stager is set to run on a GPU (device=cuda), but PyTorch sees none.")
    return device


def _dtype(torch, dtype: str, device: str):
    if dtype == "auto":
        return torch.float16 if device == "cuda" else torch.float32  # half precision is slow or unsupported on CPUs
    return getattr(torch, dtype)


def _dtype_keyword() -> str:
    """diffusers renamed from_pretrained's `torch_dtype` to `dtype` (and warns about the old name)."""
    try:
        from diffusers.utils import deprecation_utils
    except ImportError:
        return "torch_dtype"
    return "dtype" if hasattr(deprecation_utils, "_resolve_dtype") else "torch_dtype"


def _set_attention(pipe, attention: str) -> None:
    """SDPA is diffusers' default with PyTorch 2; set it (or the classic one, for comparison) explicitly."""
    unet = getattr(pipe, "unet", None)
    if unet is None:
        return
    from diffusers.models.attention_processor import AttnProcessor, AttnProcessor2_0

    wanted = AttnProcessor2_0 if attention == "sdpa" else AttnProcessor
    if not all(isinstance(processor, wanted) for processor in unet.attn_processors.values()):
        unet.set_attn_processor(wanted())


def _native_resolution(pipe) -> int:
    """The long side the model was trained at: its UNet's sample size in pixels (512 for SD 1.5, 1024 for SDXL)."""
    sample = getattr(getattr(pipe, "unet", None), "config", {}).get("sample_size", 64)
    sample = max(sample) if isinstance(sample, (list, tuple)) else sample
    return int(sample * getattr(pipe, "vae_scale_factor", 8))


def _multiple(pipe) -> int:
    """What both sides must be a multiple of: the VAE's scale times the UNet's downsampling, at least 8."""
    unet_config = getattr(getattr(pipe, "unet", None), "config", {})
    downsamples = 2 ** max(len(unet_config.get("block_out_channels", (0,) * 4)) - 1, 0)
    return max(8, int(getattr(pipe, "vae_scale_factor", 8)) * downsamples)
