"""Quality control: is this photo good enough for the marketplaces the studio sells on?

Every measurement but the size runs on a small copy (ANALYSIS_SIDE px on the long
side), so a check costs a few milliseconds whatever the camera. Each check says
pass / warn / fail in words a maker understands and carries the number behind
it; the report's verdict is the worst of them. A failing photo is still kept:
QC advises, the maker decides.

The product is found the way a photographer would describe it: whatever differs
clearly from the backdrop, the backdrop being the median colour of the frame's
border.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
from django.conf import settings
from PIL import Image

PASS, WARN, FAIL = "pass", "warn", "fail"
_RANK = {PASS: 0, WARN: 1, FAIL: 2}

ANALYSIS_SIDE = 512

# Marketplace image rules (DESIGN.md, "Marketplace facts"). A setting of the same
# name may override or add profiles: {"etsy": {"recommended_short_side": 3000}}.
DEFAULT_PROFILES: dict[str, dict] = {
    "etsy": {
        "label": "Etsy",
        "min_short_side": 1000,  # below this, Etsy's zoom and search thumbnails look soft
        "recommended_short_side": 2000,  # Etsy recommends 2000 px or more
        "max_side": None,
        "max_pixels": None,
    },
    "shopify": {
        "label": "Shopify",
        "min_short_side": 0,
        "recommended_short_side": 800,  # Shopify's zoom needs 800 px; 2048 × 2048 is its ideal
        "max_side": 4472,  # Shopify refuses images over 4472 × 4472 px …
        "max_pixels": 20_000_000,  # … or over 20 megapixels
    },
}

# Thresholds, each calibrated on the demo studio's shots (which pass) and on synthetic faults (tests).
SHARPNESS_GOOD, SHARPNESS_SOFT = 100.0, 40.0  # variance of the Laplacian at ANALYSIS_SIDE px
BLACK_LEVEL, WHITE_LEVEL = 10, 250  # luma at or below is black; every channel at or above is blown
CAST_WARN, CAST_FAIL = 7.0, 12.0  # chroma (a*, b*) of what should be white or grey
BUSY_WARN, BUSY_FAIL = 6.0, 12.0  # spread (ΔE) of the border around the backdrop colour
FILL_GOOD, FILL_SMALL = 0.4, 0.25  # share of the frame's width or height the product spans
OFF_CENTRE_WARN, OFF_CENTRE_FAIL = 0.12, 0.25  # distance of the product's centre from the frame's


@dataclass(frozen=True)
class Check:
    check: str
    label: str
    verdict: str
    message: str
    profile: str = ""
    value: float | None = None


@dataclass(frozen=True)
class Report:
    verdict: str
    checks: list[Check] = field(default_factory=list)

    def as_json(self) -> list[dict]:
        return [asdict(check) for check in self.checks]


def profiles() -> dict[str, dict]:
    custom = getattr(settings, "ATELIER_PHOTO_QC_PROFILES", None) or {}
    merged = {name: dict(spec) for name, spec in DEFAULT_PROFILES.items()}
    for name, spec in custom.items():
        merged[name] = {
            **merged.get(
                name,
                {
                    "label": name.title(),
                    "min_short_side": 0,
                    "recommended_short_side": 0,
                    "max_side": None,
                    "max_pixels": None,
                },
            ),
            **spec,
        }
    return merged


def photo_qc(*, image: Image.Image, width: int | None = None, height: int | None = None) -> Report:
    """Check a (cleaned, upright) photo; width and height default to the image's own."""
    width, height = width or image.width, height or image.height
    checks = [resolution_check(name, spec, width, height) for name, spec in profiles().items()]
    rgb = analysis_pixels(image)
    lab = to_lab(rgb)
    background, spread = _background(lab)
    mask = _product_mask(lab, background, spread)
    checks += [
        sharpness_check(rgb),
        exposure_check(rgb, mask),
        colour_cast_check(lab, background),
        background_check(spread),
        *framing_checks(mask, busy=spread >= BUSY_FAIL),
    ]
    return Report(verdict=worst(check.verdict for check in checks), checks=checks)


def worst(verdicts) -> str:
    return max(verdicts, key=_RANK.__getitem__, default=PASS)


# --- The small copy ------------------------------------------------------------------


def analysis_pixels(image: Image.Image) -> np.ndarray:
    """RGB floats (0–255), ANALYSIS_SIDE px on the long side; transparency laid on white."""
    if image.mode.startswith("I"):
        image = Image.fromarray((np.asarray(image, dtype=np.float32) / 257).clip(0, 255).astype(np.uint8), "L")
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode != "RGB":
        image = image.convert("RGB")
    factor = max(image.size) // ANALYSIS_SIDE
    if factor > 1:
        image = image.reduce(factor)  # a fast box average, then a gentle resize to the exact size
    scale = ANALYSIS_SIDE / max(image.size)
    if scale < 1:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BILINEAR)
    return np.asarray(image, dtype=np.float32)


_SRGB_TO_LINEAR = np.array(
    [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in np.arange(256) / 255.0], dtype=np.float32
)
_LINEAR_TO_XYZ = (
    np.array([[0.4124, 0.2126, 0.0193], [0.3576, 0.7152, 0.1192], [0.1805, 0.0722, 0.9505]], dtype=np.float32)
    / np.array([0.95047, 1.0, 1.08883], dtype=np.float32)  # relative to the D65 white
)


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) of sRGB pixels; the sRGB curve is a 256-entry table."""
    xyz = _SRGB_TO_LINEAR[np.rint(rgb).astype(np.uint8)] @ _LINEAR_TO_XYZ
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def border_pixels(a: np.ndarray) -> np.ndarray:
    h, w = a.shape[:2]
    band = max(2, round(0.05 * min(h, w)))
    return np.concatenate(
        [
            a[:band].reshape(-1, *a.shape[2:]),
            a[-band:].reshape(-1, *a.shape[2:]),
            a[band:-band, :band].reshape(-1, *a.shape[2:]),
            a[band:-band, -band:].reshape(-1, *a.shape[2:]),
        ]
    )


def _background(lab: np.ndarray) -> tuple[np.ndarray, float]:
    """The backdrop's colour (median of the border) and how much the border varies around it.

    The spread is a trimmed standard deviation of the colour difference: the tenth of
    border pixels furthest away are left out, so a product touching one edge
    doesn't make a plain backdrop look busy.
    """
    border = border_pixels(lab)
    median = np.median(border, axis=0)
    distance = np.linalg.norm(border - median, axis=1)
    kept = distance[distance <= np.quantile(distance, 0.9)]
    spread = float(np.sqrt(np.mean(kept**2))) if kept.size else 0.0
    return median, spread


def _product_mask(lab: np.ndarray, background: np.ndarray, spread: float) -> np.ndarray:
    """Pixels clearly unlike the backdrop, cleaned of specks on a 4 × 4 block grid."""
    difference = lab - background
    distance = np.sqrt(np.einsum("...i,...i->...", difference, difference))
    mask = distance > max(10.0, 3.0 * spread)
    h, w = (mask.shape[0] // 4) * 4, (mask.shape[1] // 4) * 4
    if h == 0 or w == 0:
        return mask
    blocks = mask[:h, :w].reshape(h // 4, 4, w // 4, 4).mean(axis=(1, 3)) >= 0.5
    cleaned = np.zeros_like(mask)
    cleaned[:h, :w] = np.repeat(np.repeat(blocks, 4, axis=0), 4, axis=1)
    return cleaned


# --- The checks --------------------------------------------------------------------------


def resolution_check(name: str, spec: dict, width: int, height: int) -> Check:
    label = f"Size for {spec['label']}"
    short, megapixels = min(width, height), width * height / 1e6
    size = f"{width:,} × {height:,} px"
    max_side, max_pixels = spec.get("max_side"), spec.get("max_pixels")
    recommended = spec.get("recommended_short_side") or 0
    if max_side and max(width, height) > max_side:
        return Check(
            "resolution",
            label,
            FAIL,
            f"too big for {spec['label']}: {size}; it takes at most {max_side:,} px a side — export a smaller copy.",
            name,
            short,
        )
    if max_pixels and width * height > max_pixels:
        return Check(
            "resolution",
            label,
            FAIL,
            f"too big for {spec['label']}: {size} is {megapixels:.1f} MP; it "
            f"takes at most {max_pixels / 1e6:.0f} MP — export a smaller copy.",
            name,
            short,
        )
    if short < (spec.get("min_short_side") or 0):
        return Check(
            "resolution",
            label,
            FAIL,
            f"too small for {spec['label']}: {size}; {spec['label']} "
            f"recommends {recommended:,} px or more on the short side.",
            name,
            short,
        )
    if short < recommended:
        return Check(
            "resolution",
            label,
            WARN,
            f"a bit small for {spec['label']}: {size}; {spec['label']} "
            f"recommends {recommended:,} px or more on the short side.",
            name,
            short,
        )
    return Check("resolution", label, PASS, f"right size for {spec['label']}: {size}.", name, short)


def sharpness(rgb: np.ndarray) -> float:
    """Variance of the Laplacian, over the most detailed parts of the frame.

    Measured per 32 px tile and averaged over the sharpest 5% of tiles: a plain
    backdrop has no detail to be sharp about, so a whole-frame figure would call
    every clean studio shot blurry.
    """
    grey = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    lap = grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:] - 4 * grey[1:-1, 1:-1]
    tile = 32
    h, w = (lap.shape[0] // tile) * tile, (lap.shape[1] // tile) * tile
    if h == 0 or w == 0:
        return float(lap.var()) if lap.size else 0.0
    tiles = lap[:h, :w].reshape(h // tile, tile, w // tile, tile).var(axis=(1, 3)).ravel()
    top = max(1, math.ceil(0.05 * tiles.size))
    return float(np.sort(tiles)[-top:].mean())


def sharpness_check(rgb: np.ndarray) -> Check:
    value = sharpness(rgb)
    aim = f"aim for {SHARPNESS_GOOD:.0f}+"
    if value < SHARPNESS_SOFT:
        return Check(
            "sharpness",
            "Sharpness",
            FAIL,
            f"blurry: sharpness {value:.0f}, {aim} — hold the camera steady or tap to focus on the product.",
            value=round(value, 1),
        )
    if value < SHARPNESS_GOOD:
        return Check(
            "sharpness", "Sharpness", WARN, f"a bit soft: sharpness {value:.0f}, {aim}.", value=round(value, 1)
        )
    return Check("sharpness", "Sharpness", PASS, f"sharp: sharpness {value:.0f}.", value=round(value, 1))


def exposure_check(rgb: np.ndarray, mask: np.ndarray) -> Check:
    """Shadows clipped to black anywhere, highlights blown to white on the product.

    A white backdrop is meant to be white, so blown highlights count only on the product.
    """
    grey = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    black = float(np.mean(grey <= BLACK_LEVEL))
    product = rgb[mask] if mask.any() else rgb.reshape(-1, 3)
    white = float(np.mean(product.min(axis=-1) >= WHITE_LEVEL)) if product.size else 0.0
    brightness = float(grey.mean()) / 255
    value = round(100 * max(black, white), 1)
    if black >= 0.15:
        return Check(
            "exposure",
            "Exposure",
            FAIL,
            f"too dark: {black:.0%} of pixels are black — add light or raise the exposure.",
            value=value,
        )
    if white >= 0.25:
        return Check(
            "exposure",
            "Exposure",
            FAIL,
            f"too bright: {white:.0%} of the product is pure white — lower the exposure or soften the light.",
            value=value,
        )
    if brightness < 0.25:
        return Check(
            "exposure",
            "Exposure",
            FAIL,
            f"too dark: the photo is {brightness:.0%} bright on average — add light or raise the exposure.",
            value=value,
        )
    if black >= 0.05:
        return Check(
            "exposure",
            "Exposure",
            WARN,
            f"a bit dark: {black:.0%} of pixels are black, so shadow detail is lost.",
            value=value,
        )
    if white >= 0.08:
        return Check(
            "exposure",
            "Exposure",
            WARN,
            f"a bit bright: {white:.0%} of the product is pure white, so highlight detail is lost.",
            value=value,
        )
    return Check(
        "exposure",
        "Exposure",
        PASS,
        f"well exposed: {black:.0%} black, {white:.0%} of the product blown out.",
        value=value,
    )


def colour_cast_check(lab: np.ndarray, background: np.ndarray) -> Check:
    """Whites and greys should have no hue.

    The backdrop is the reference when it is light and nearly neutral (it is meant to
    be white or grey paper); otherwise the photo's own near-neutral pixels are (grey world).
    """
    light, chroma = float(background[0]), math.hypot(float(background[1]), float(background[2]))
    if light > 40 and chroma < 30:
        a, b = float(background[1]), float(background[2])
    else:
        flat = lab.reshape(-1, 3)
        neutral = flat[(np.hypot(flat[:, 1], flat[:, 2]) < 12) & (flat[:, 0] > 20) & (flat[:, 0] < 99)]
        if neutral.shape[0] < 0.05 * flat.shape[0]:
            return Check("colour", "Colour", PASS, "no white or grey areas to judge the colour balance by.")
        a, b = float(neutral[:, 1].mean()), float(neutral[:, 2].mean())
    cast = math.hypot(a, b)
    if cast < CAST_WARN:
        return Check("colour", "Colour", PASS, f"neutral: whites look white (cast {cast:.0f}).", value=round(cast, 1))
    hue = math.degrees(math.atan2(b, a)) % 360
    tint = "pink" if hue < 45 or hue >= 315 else "yellow" if hue < 135 else "green" if hue < 225 else "blue"
    verdict = FAIL if cast >= CAST_FAIL else WARN
    lead = "a strong" if verdict == FAIL else "a slight"
    return Check(
        "colour",
        "Colour",
        verdict,
        f"{lead} {tint} cast: whites look {tint} (cast {cast:.0f}, aim for "
        f"under {CAST_WARN:.0f}) — set the white balance, or ignore this if the backdrop is meant to be "
        "coloured.",
        value=round(cast, 1),
    )


def background_check(spread: float) -> Check:
    if spread >= BUSY_FAIL:
        return Check(
            "background",
            "Background",
            FAIL,
            f"busy background: the edges of the frame vary a lot "
            f"(spread {spread:.0f}, aim for under {BUSY_WARN:.0f}) — a plain backdrop lets the product "
            "stand out.",
            value=round(spread, 1),
        )
    if spread >= BUSY_WARN:
        return Check(
            "background",
            "Background",
            WARN,
            f"uneven background: the edges of the frame vary (spread {spread:.0f}, aim for under {BUSY_WARN:.0f}).",
            value=round(spread, 1),
        )
    return Check("background", "Background", PASS, f"plain background (spread {spread:.0f}).", value=round(spread, 1))


def framing_checks(mask: np.ndarray, *, busy: bool = False) -> list[Check]:
    """How much of the frame the product spans, and whether it sits in the middle."""
    h, w = mask.shape
    if busy:
        reason = "couldn't find the product's edges against this background."
        return [Check("fill", "Product size in frame", WARN, reason), Check("centring", "Centring", WARN, reason)]
    ys, xs = np.nonzero(mask)
    if ys.size < 0.003 * mask.size:
        reason = "couldn't find the product: it blends into the background or isn't in the photo."
        return [Check("fill", "Product size in frame", FAIL, reason), Check("centring", "Centring", WARN, reason)]
    top, bottom = np.quantile(ys, [0.005, 0.995])
    left, right = np.quantile(xs, [0.005, 0.995])
    span = max((right - left + 1) / w, (bottom - top + 1) / h)
    percent = f"{min(span, 1):.0%}"
    if span < FILL_SMALL:
        fill = Check(
            "fill",
            "Product size in frame",
            FAIL,
            f"the product is small in the frame: it spans {percent} "
            f"of it — move closer or crop (aim for {FILL_GOOD:.0%} or more).",
            value=round(float(span), 3),
        )
    elif span < FILL_GOOD:
        fill = Check(
            "fill",
            "Product size in frame",
            WARN,
            f"the product is a little small: it spans {percent} of the frame (aim for {FILL_GOOD:.0%} or more).",
            value=round(float(span), 3),
        )
    elif min(top, left) <= 1 or bottom >= h - 2 or right >= w - 2:
        fill = Check(
            "fill",
            "Product size in frame",
            WARN,
            "the product touches the edge of the frame — leave a little space around it.",
            value=round(float(span), 3),
        )
    else:
        fill = Check(
            "fill",
            "Product size in frame",
            PASS,
            f"the product spans {percent} of the frame.",
            value=round(float(span), 3),
        )
    dx, dy = (left + right) / 2 / w - 0.5, (top + bottom) / 2 / h - 0.5
    offset = max(abs(dx), abs(dy))
    where = " and ".join(
        part
        for part, size in (("left" if dx < 0 else "right", abs(dx)), ("high" if dy < 0 else "low", abs(dy)))
        if size >= OFF_CENTRE_WARN / 2
    )
    if offset >= OFF_CENTRE_FAIL:
        centring = Check(
            "centring",
            "Centring",
            FAIL,
            f"off-centre: the product sits {where}, {offset:.0%} of the frame from the middle — centre it or crop.",
            value=round(float(offset), 3),
        )
    elif offset >= OFF_CENTRE_WARN:
        centring = Check(
            "centring",
            "Centring",
            WARN,
            f"a little off-centre: the product sits {where}, {offset:.0%} of the frame from the middle.",
            value=round(float(offset), 3),
        )
    else:
        centring = Check("centring", "Centring", PASS, "centred.", value=round(float(offset), 3))
    return [fill, centring]
