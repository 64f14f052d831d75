"""Light on the backdrop: the product's shadow, the light's fall-off, the colour grade.

Everything here changes the backdrop only. The product is laid in afterwards
(fidelity.enforce), so no shadow, grade or vignette can reach its pixels.

The shadow has two parts, both made from the product's own silhouette:
- a contact shadow: the footprint (the silhouette's lowest rows) squashed flat
  and blurred a little, dark right where the product touches the surface;
- a cast shadow: the silhouette projected onto the surface plane away from the
  light (an affine shear: the product's top lands `shadow.length` × its height
  away, foreshortened when it falls towards or away from the camera), sharper
  near the base and softer and fainter as it reaches out, like a real one.
It is drawn on a small copy of the canvas and enlarged: it is soft anyway.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageFilter

from catalog.staging.layout import Layout
from catalog.staging.looks import LookSpec
from catalog.staging.surfaces import STRIP_ROWS, Backdrop  # STRIP_ROWS: rows lit and quantised at a time

SHADOW_WORK_HEIGHT = 240  # the product's height in px on the small canvas the shadow is drawn on
SHADOW_WORK_SIDE = 640  # and that canvas's long side at most
FORESHORTENING = 0.45  # a shadow falling towards or away from the camera looks this much shorter
LEAST_SPREAD = 0.05  # a shadow cast sideways still spreads this much (of the product's height) on the plane
FOOTPRINT = 0.1  # the silhouette's lowest share of rows counts as the footprint
MAX_CAST = 0.15  # the ambient match never tints the backdrop by more than this per channel


def light_direction(angle: float) -> tuple[float, float]:
    """The unit vector (x right, y down) pointing *towards* the light, from its compass bearing."""
    theta = math.radians(angle)
    return round(math.sin(theta), 9), round(-math.cos(theta), 9)  # exactly 0 at 90 and 270, not ±1e-16


def shadow_map(silhouette: Image.Image, layout: Layout, look: LookSpec) -> np.ndarray:
    """How much of the light the product takes from each canvas pixel: 0..1, shape (height, width)."""
    canvas_w, canvas_h = layout.canvas
    left, top, right, bottom = layout.placement.box
    product_h = bottom - top
    q = max(product_h / SHADOW_WORK_HEIGHT, max(canvas_w, canvas_h) / SHADOW_WORK_SIDE, 1.0)
    small_w, small_h = max(round(canvas_w / q), 1), max(round(canvas_h / q), 1)
    sil_w, sil_h = max(round((right - left) / q), 1), max(round(product_h / q), 1)
    small = silhouette.resize((sil_w, sil_h), Image.Resampling.BOX)
    x0, base = left / q, bottom / q
    s = look.shadow

    cast = np.zeros((small_h, small_w), np.float32)
    if s.length > 0 and s.opacity > 0:
        cast = _cast(small, (small_w, small_h), x0, base, look)
    contact = _contact(small, (small_w, small_h), x0, base, s.softness)
    darkness = 1.0 - (1.0 - 0.7 * cast) * (1.0 - contact)
    full = Image.fromarray(darkness.astype(np.float32), "F").resize((canvas_w, canvas_h), Image.Resampling.BILINEAR)
    return np.clip(np.asarray(full), 0, 1) * np.float32(s.opacity)


def _cast(small: Image.Image, size: tuple[int, int], x0: float, base: float, look: LookSpec) -> np.ndarray:
    sil_h = small.height
    toward_x, toward_y = light_direction(look.light.angle)
    shear = -toward_x * look.shadow.length  # canvas px sideways per px of product height
    drop = -toward_y * look.shadow.length * FORESHORTENING  # canvas px down per px of height (up: behind)
    if abs(drop) < LEAST_SPREAD:
        drop = math.copysign(LEAST_SPREAD, drop if drop else -1.0)
    # Product pixel (xs, ys) at height u = sil_h - ys lands at (x0 + xs + shear·u, base + drop·u); Pillow wants
    # the inverse: for each canvas pixel, the silhouette pixel it shows.
    coefficients = (1.0, -shear / drop, shear * base / drop - x0, 0.0, -1.0 / drop, sil_h + base / drop)
    projected = small.transform(size, Image.Transform.AFFINE, coefficients, Image.Resampling.BILINEAR)
    near = projected.filter(ImageFilter.GaussianBlur(max((0.01 + 0.03 * look.shadow.softness) * sil_h, 0.6)))
    far = projected.filter(ImageFilter.GaussianBlur(max((0.04 + 0.12 * look.shadow.softness) * sil_h, 1.0)))
    near_values = np.asarray(near, dtype=np.float32) / 255.0
    far_values = np.asarray(far, dtype=np.float32) / 255.0
    # How far out along the shadow each row is (0 at the base, 1 where the product's top falls): the
    # projection is parametrised by height, and height maps to rows alone.
    ys = np.arange(size[1], dtype=np.float32)[:, None]
    t = np.clip((ys - base) / (drop * sil_h), 0, 1)
    return (near_values * (1 - t) + far_values * t) * (1.0 - 0.55 * t)


def _contact(small: Image.Image, size: tuple[int, int], x0: float, base: float, softness: float) -> np.ndarray:
    sil_w, sil_h = small.size
    rows = max(round(FOOTPRINT * sil_h), 1)
    footprint = small.crop((0, sil_h - rows, sil_w, sil_h))
    thickness = max(round(0.035 * sil_h), 2)
    flat = footprint.resize((sil_w, thickness), Image.Resampling.BOX)
    layer = Image.new("L", size, 0)
    layer.paste(flat, (round(x0), round(base - thickness * 0.6)))
    layer = layer.filter(ImageFilter.GaussianBlur(max((0.008 + 0.02 * softness) * sil_h, 0.8)))
    return np.asarray(layer, dtype=np.float32) / 255.0


def ambient_cast(photo: Image.Image, mask: Image.Image) -> np.ndarray:
    """The colour cast of the light the product was photographed in, per channel (1.0 = neutral).

    Read from the photo's own backdrop (where the mask is 0): a warm tungsten
    shot has a warm backdrop. Tinting the new backdrop a little towards it makes
    the product look lit by the same light as its surroundings.
    """
    step = max(max(photo.size) // 256, 1)
    small, small_mask = photo.reduce(step), mask.reduce(step)
    pixels = np.asarray(small, dtype=np.float32).reshape(-1, 3)
    around = np.asarray(small_mask).reshape(-1) == 0
    if around.sum() < 50:
        return np.ones(3, np.float32)
    colour = np.median(pixels[around], axis=0)
    grey = float(colour.mean())
    if grey < 20:  # a black backdrop says nothing about the light's colour
        return np.ones(3, np.float32)
    return np.clip(colour / grey, 1 - MAX_CAST, 1 + MAX_CAST).astype(np.float32)


def lit_image(
    backdrop: Backdrop, look: LookSpec, *, shadow: np.ndarray, cast: np.ndarray, rng: np.random.Generator
) -> Image.Image:
    """The backdrop with the colour grade, the ambient match, the light and the shadow applied, as 8-bit RGB.

    Worked STRIP_ROWS rows at a time (shadow: 0..1 per canvas pixel), dithered so smooth gradients don't
    band: the same pixels as shading the whole canvas at once, in a fraction of the memory.
    """
    g, light = look.grade, look.light
    width, height = backdrop.size
    channel = (1.0 + light.ambient * (cast - 1.0)) * np.array(
        [1 + 0.06 * g.warmth, 1 + 0.015 * g.warmth, 1 - 0.06 * g.warmth], np.float32
    )
    channel = channel.astype(np.float32)[:, None, None]
    xs = (np.arange(width, dtype=np.float32) / max(width - 1, 1) - 0.5)[None, :]
    ys = (np.arange(height, dtype=np.float32) / max(height - 1, 1) - 0.5)[:, None]
    mid = _contrast_mid(backdrop, channel) if g.contrast else None
    to_x, to_y = light_direction(light.angle)
    out = np.empty((height, width, 3), np.uint8)
    for start in range(0, height, STRIP_ROWS):
        stop = min(start + STRIP_ROWS, height)
        planes = backdrop.rows(start, stop)
        planes *= channel
        if g.saturation or g.contrast:
            luma = _luma(planes)
            if g.saturation:
                planes -= luma
                planes *= np.float32(1 + g.saturation)
                planes += luma
            if g.contrast:
                planes -= mid
                planes *= np.float32(1 + 0.6 * g.contrast)
                planes += mid
        strip_ys = ys[start:stop]
        factor = 1.0 + np.float32(0.2 * light.intensity) * (xs * np.float32(to_x) + strip_ys * np.float32(to_y))
        if g.vignette:
            factor *= 1.0 - np.float32(0.35 * g.vignette) * 2 * (xs * xs + strip_ys * strip_ys)
        factor *= 1.0 - shadow[start:stop]
        planes *= factor[None]
        np.clip(planes, 0, 1, out=planes)
        dither = rng.random((stop - start, width), dtype=np.float32)  # the same stream as one whole-canvas draw
        for c in range(3):
            out[start:stop, :, c] = np.clip(planes[c] * 255.0 + dither, 0, 255)
    return Image.fromarray(out, "RGB")


def _luma(planes: np.ndarray) -> np.ndarray:
    return 0.2126 * planes[0] + 0.7152 * planes[1] + 0.0722 * planes[2]


def _contrast_mid(backdrop: Backdrop, channel: np.ndarray) -> np.float32:
    """The backdrop's mean luma after the colour grade, the pivot of the contrast (a first pass over the strips)."""
    luma = np.empty((backdrop.height, backdrop.width), np.float32)
    for start in range(0, backdrop.height, STRIP_ROWS):
        stop = min(start + STRIP_ROWS, backdrop.height)
        planes = backdrop.rows(start, stop)
        planes *= channel
        luma[start:stop] = _luma(planes)
    return np.float32(luma.mean())  # over the whole canvas in one call, as numpy sums it: the same pivot as before
