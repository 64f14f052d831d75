"""The diffusion stager through its real code path, on a tiny random-weight pipeline built here.

No weights are downloaded: the test builds a Stable Diffusion inpainting
pipeline with a few thousand random parameters (UNet, VAE, CLIP text encoder,
a CLIP tokenizer over a 40-symbol vocabulary), saves it with save_pretrained
to a temporary folder, and the stager loads that folder the way it loads a
real model (AutoPipelineForInpainting, local_files_only). The scenes it paints
are noise, which is all a test needs: the product must come through untouched.
"""

import string

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured
from PIL import Image

from catalog.staging.base import StagerUnavailable, encode_png
from catalog.staging.compositor import CompositorStager
from catalog.staging.diffusion import DiffusionStager, generation_size
from catalog.staging.looks import LookSpec
from studio.backends import backends
from tests.catalog.test_staging_compositor import look_with, product_photo

torch = pytest.importorskip("torch")
diffusers = pytest.importorskip("diffusers")
transformers = pytest.importorskip("transformers")


def _tiny_tokenizer():
    symbols = list(string.ascii_lowercase + string.digits + ",.!-'")
    vocab = {symbol: index for index, symbol in enumerate(symbols)}
    vocab.update({symbol + "</w>": index + len(symbols) for index, symbol in enumerate(symbols)})
    vocab.update({"<|startoftext|>": len(vocab), "<|endoftext|>": len(vocab) + 1})
    return transformers.CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    torch.manual_seed(0)
    unet = diffusers.UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=32,
        in_channels=9,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
    )
    vae = diffusers.AutoencoderKL(
        block_out_channels=(32, 64),
        in_channels=3,
        out_channels=3,
        latent_channels=4,
        down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2,
    )
    text_encoder = transformers.CLIPTextModel(
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
    )
    pipe = diffusers.StableDiffusionInpaintPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=_tiny_tokenizer(),
        unet=unet,
        scheduler=diffusers.DDIMScheduler(steps_offset=1, clip_sample=False, set_alpha_to_one=False),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    folder = tmp_path_factory.mktemp("tiny-sd-inpainting")
    pipe.save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="module")
def stager(model_dir):
    threads = torch.get_num_threads()
    yield DiffusionStager(model_dir=model_dir, device="cpu", cpu_threads=1)  # a tiny model gains nothing from more
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def photo():
    return product_photo(400, seed=1)


def quick_look(**generative) -> LookSpec:
    return look_with("Marble", generative={"steps": 2, "strength": 1.0, "guidance": 5.0, **generative})


@pytest.fixture(scope="module")
def first(stager, photo, model_dir):
    """The first staging of the module: it loads the model; the load is watched."""
    calls = []
    original = diffusers.AutoPipelineForInpainting.from_pretrained

    def watched(*args, **kwargs):
        calls.append((args, kwargs))
        return original(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(diffusers.AutoPipelineForInpainting, "from_pretrained", watched)
        assert stager.loads == 0, "constructing the stager loads nothing (workers load after they fork)"
        staged = stager.stage(image=photo[0], mask=photo[1], look=quick_look(), seed=7)
        again = stager.stage(image=photo[0], mask=photo[1], look=quick_look(), seed=7)
    return staged, again, calls


def test_the_model_loads_from_the_folder_only_and_only_once(first, stager, model_dir):
    _, _, calls = first
    assert len(calls) == 1 and stager.loads == 1
    ((args, kwargs),) = calls
    assert args[-1] == model_dir
    assert kwargs["local_files_only"] is True
    assert (kwargs.get("dtype") or kwargs.get("torch_dtype")) == torch.float32  # on a CPU
    assert stager.runtime["device"] == "cpu" and stager.runtime["pipeline"] == "StableDiffusionInpaintPipeline"
    assert stager.runtime["attention"] == "sdpa" and stager.runtime["threads"] == 1


def test_the_staged_image_has_the_looks_shape_and_the_products_own_pixels(first):
    staged, _, _ = first
    assert staged.backend == "diffusion" and staged.image.mode == "RGB"
    width, height = staged.image.size
    assert list(staged.image.size) == staged.details["layout"]["canvas"]
    assert abs(width / height - 4 / 5) < 0.002  # Marble is a 4:5 look
    assert staged.fidelity.identical_share == 1.0 and staged.fidelity.max_abs_diff == 0
    assert staged.fidelity.pixels_compared > 10_000
    gen_w, gen_h = staged.details["model"]["generation_size"]
    assert max(gen_w, gen_h) == 64 and gen_w % 8 == 0 and gen_h % 8 == 0  # the tiny UNet's 32 latents × 2


def test_the_model_paints_the_scene_not_the_compositors_backdrop(first, photo):
    staged, _, _ = first
    composed = CompositorStager().stage(image=photo[0], mask=photo[1], look=quick_look(), seed=7)
    assert staged.image.size == composed.image.size
    corner_generated = np.asarray(staged.image)[:100, :100].astype(int)
    corner_composed = np.asarray(composed.image)[:100, :100].astype(int)
    assert np.abs(corner_generated - corner_composed).mean() > 5


def test_the_same_seed_gives_the_same_bytes(first):
    staged, again, _ = first
    assert encode_png(staged.image) == encode_png(again.image)


def test_another_seed_paints_another_scene_around_the_same_product(first, stager, photo):
    staged, _, _ = first
    other = stager.stage(image=photo[0], mask=photo[1], look=quick_look(), seed=8)
    assert other.fidelity.exact and other.seed == 8
    assert np.abs(np.asarray(other.image)[:100].astype(int) - np.asarray(staged.image)[:100].astype(int)).mean() > 1
    assert stager.loads == 1


def test_a_seed_in_the_look_fixes_the_scene_for_every_product(stager, photo):
    look = quick_look(seed=1234, strength=0.8, steps=3)
    a = stager.stage(image=photo[0], mask=photo[1], look=look, seed=1)
    b = stager.stage(image=photo[0], mask=photo[1], look=look, seed=2)
    assert a.seed == b.seed == 1234
    assert encode_png(a.image) == encode_png(b.image)


def test_generation_size_keeps_the_aspect_within_the_multiple():
    assert generation_size((2048, 2048), 512, 64) == (512, 512)
    assert generation_size((1638, 2048), 512, 64) == (384, 512)
    assert generation_size((4472, 2516), 1024, 32) == (1024, 576)
    assert generation_size((1024, 1024), 64, 8) == (64, 64)


def test_a_missing_model_folder_says_which_setting_to_fix(tmp_path, photo):
    missing = DiffusionStager(model_dir=str(tmp_path / "nowhere"))
    with pytest.raises(StagerUnavailable, match="STAGING_MODEL_DIR=.*nowhere does not exist"):
        missing.stage(image=photo[0], mask=photo[1], look=quick_look(), seed=1)
    with pytest.raises(StagerUnavailable, match="set STAGING_MODEL_DIR|Set STAGING_MODEL_DIR"):
        DiffusionStager().stage(image=photo[0], mask=photo[1], look=quick_look(), seed=1)
    (tmp_path / "weights.bin").write_bytes(b"not a pipeline")
    with pytest.raises(StagerUnavailable, match="not a diffusers pipeline folder"):
        DiffusionStager(model_dir=str(tmp_path)).stage(image=photo[0], mask=photo[1], look=quick_look(), seed=1)


def test_describe_reports_where_it_would_run_without_loading():
    info = DiffusionStager.describe(device="cpu")
    assert info == {**info, "device": "cpu", "dtype": "float32", "attention": "sdpa", "gpu": None}
    assert DiffusionStager.describe(device="cpu", dtype="bfloat16")["dtype"] == "bfloat16"


def test_the_registry_builds_it_from_settings_without_loading(settings, model_dir):
    settings.ATELIER_BACKENDS = {
        "stager": {
            "BACKEND": "catalog.staging.diffusion.DiffusionStager",
            "OPTIONS": {"model_dir": model_dir, "resolution": 128},
        }
    }
    stager = backends["stager"]
    assert isinstance(stager, DiffusionStager) and stager.step == "stager" and stager.loads == 0
    settings.ATELIER_BACKENDS = {
        "stager": {
            "BACKEND": "catalog.staging.diffusion.DiffusionStager",
            "OPTIONS": {"model_dir": model_dir, "device": "tpu"},
        }
    }
    with pytest.raises(ImproperlyConfigured, match="device"):
        backends["stager"]


def test_the_product_survives_a_model_that_paints_over_it(stager, photo, monkeypatch):
    """Whatever the pipeline returns (here: solid green, product area included), the product is laid back in."""
    monkeypatch.setattr(stager, "_generate", lambda pipe, start, *rest: Image.new("RGB", start.size, (0, 255, 0)))
    staged = stager.stage(image=photo[0], mask=photo[1], look=quick_look(), seed=3)
    assert staged.fidelity.exact
    assert staged.image.getpixel((5, 5)) == (0, 255, 0)
