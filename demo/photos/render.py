"""Drawing primitives for the demo product shots: a paper backdrop, soft shadows,
solids of revolution and height fields, lit like a one-softbox studio shot.

Geometry is rasterised by Pillow (fast, in C); shading is vectorised numpy over
each object's bounding box only, so a 2000 px shot takes a fraction of a second.
Object space: x right, y up, z towards the camera; screen y grows downwards.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

RGB = tuple[int, int, int]


def _unit(*v: float) -> np.ndarray:
    a = np.array(v, dtype=np.float32)
    return a / np.linalg.norm(a)


# One big softbox high on the left, the camera a little above the table.
LIGHT = _unit(-0.55, 0.62, 0.56)
VIEW = _unit(0.0, 0.28, 1.0)
HALF = _unit(*(LIGHT + VIEW))


def colour(rgb: RGB) -> np.ndarray:
    return np.array(rgb, dtype=np.float32) / 255.0


def normalise(n: np.ndarray) -> np.ndarray:
    return n / np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-6)


def lambert(n: np.ndarray) -> np.ndarray:
    return np.clip(n @ LIGHT, 0.0, 1.0)


def specular(n: np.ndarray, power: float) -> np.ndarray:
    return np.clip(n @ HALF, 0.0, 1.0) ** power


def softbox(n: np.ndarray, *, width: float = 0.16) -> np.ndarray:
    """The tall window highlight glossy things show: the softbox seen in the reflection."""
    r = 2.0 * (n @ VIEW)[..., None] * n - VIEW
    return np.exp(-(((r[..., 0] + 0.42) / width) ** 2) - (((r[..., 1] - 0.3) / 0.5) ** 2))


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], cells: int) -> np.ndarray:
    """Soft value noise in [-1, 1]: random values on a coarse grid, resized bicubically."""
    h, w = shape
    ch, cw = max(2, round(cells * h / max(h, w))), max(2, round(cells * w / max(h, w)))
    coarse = Image.fromarray(rng.uniform(-1, 1, (ch, cw)).astype(np.float32), mode="F")
    return np.asarray(coarse.resize((w, h), Image.BICUBIC), dtype=np.float32)


def speckle(rng: np.random.Generator, shape: tuple[int, int], *, density: float, dot: float) -> np.ndarray:
    """Soft round dots in [0, 1], like iron specks in stoneware or flecks in wax."""
    h, w = shape
    small = (max(2, int(h / dot)), max(2, int(w / dot)))
    dots = (rng.random(small) < density).astype(np.float32)
    img = Image.fromarray(dots * 255, mode="F").resize((w, h), Image.BILINEAR)
    return np.clip(np.asarray(img, dtype=np.float32) / 160.0, 0.0, 1.0)


@lru_cache(maxsize=1)
def _grain_tile() -> np.ndarray:
    return np.random.default_rng(20240601).normal(0.0, 1.6, (509, 509)).astype(np.float32)


class Scene:
    """A square shot: backdrop, shadows, objects painted back to front, then a JPEG."""

    def __init__(self, *, size: int, tone: RGB, rng: np.random.Generator, light_x: float = 0.38) -> None:
        self.size = size
        self.rng = rng
        y = np.linspace(0.0, 1.0, size, dtype=np.float32)[:, None]
        x = np.linspace(0.0, 1.0, size, dtype=np.float32)[None, :]
        # A paper sweep: brightest just behind the subject, darker towards the top and
        # the front edge, and falling off away from the softbox on the left. Every
        # term is a function of x or of y alone, so it is two vectors and one sum.
        fy = 1.03 - 0.07 * (1 - y) ** 2 - 0.06 * y**3 - 0.12 * (y - 0.55) ** 2
        fx = -0.05 * (x - light_x) - 0.12 * (x - 0.5) ** 2
        f = (fy + fx) * 255.0 + self.grain(0, 0, size, size)
        # The canvas stays 8-bit; only the patches being drawn on go through floats.
        self.pixels = np.dstack([np.clip(f * c, 0, 255).astype(np.uint8) for c in colour(tone)])

    def grain(self, x0: int, y0: int, w: int, h: int) -> np.ndarray:
        """Film-like grain (in 8-bit levels) for a patch; it also hides gradient banding."""
        tile = _grain_tile()
        n = tile.shape[0]
        reps_y, reps_x = -(-(y0 % n + h) // n), -(-(x0 % n + w) // n)
        big = np.tile(tile, (reps_y, reps_x))
        return big[y0 % n : y0 % n + h, x0 % n : x0 % n + w]

    def shadow(
        self, *, cx: float, cy: float, rx: float, ry: float, opacity: float, blur: float, hole: float = 0.0
    ) -> None:
        """Darken an elliptical patch of the backdrop with a soft, blurred edge
        (a ring of it, when hole gives the inner size as a fraction)."""
        pad = 3 * blur
        x0, y0 = max(0, int(cx - rx - pad)), max(0, int(cy - ry - pad))
        x1, y1 = min(self.size, int(cx + rx + pad)), min(self.size, int(cy + ry + pad))
        if x1 <= x0 or y1 <= y0:
            return
        q = 4  # blur at quarter resolution; a shadow has no detail to lose
        w, h = max(1, (x1 - x0) // q), max(1, (y1 - y0) // q)
        img = Image.new("L", (w, h), 0)
        ImageDraw.Draw(img).ellipse(
            [(cx - rx - x0) / q, (cy - ry - y0) / q, (cx + rx - x0) / q, (cy + ry - y0) / q], fill=255
        )
        if hole:
            ix, iy = rx * hole, ry * hole
            ImageDraw.Draw(img).ellipse(
                [(cx - ix - x0) / q, (cy - iy - y0) / q, (cx + ix - x0) / q, (cy + iy - y0) / q], fill=0
            )
        img = img.filter(ImageFilter.GaussianBlur(blur / q)).resize((x1 - x0, y1 - y0), Image.BILINEAR)
        s = np.asarray(img, dtype=np.float32) / 255.0
        patch = self.pixels[y0:y1, x0:x1].astype(np.float32) * (1.0 - opacity * s)[..., None]
        self.pixels[y0:y1, x0:x1] = np.clip(patch, 0, 255).astype(np.uint8)

    def ground_shadow(
        self, *, cx: float, base_y: float, rx: float, ry: float, height: float, hole: float = 0.0
    ) -> None:
        """The usual pair: a wide soft shadow falling back-right, and a dark contact line."""
        self.shadow(
            cx=cx + 0.18 * rx + 0.1 * height,
            cy=base_y - 0.25 * ry,
            rx=rx * 1.15 + 0.12 * height,
            ry=ry * 1.25,
            opacity=0.2 * (1 - 0.6 * hole),
            blur=0.05 * self.size,
        )
        self.shadow(
            cx=cx + 0.04 * rx,
            cy=base_y + 0.05 * ry,
            rx=rx * 0.96,
            ry=ry * 0.75,
            opacity=0.42,
            blur=0.008 * self.size,
            hole=hole,
        )

    def paint(self, *, x0: int, y0: int, rgb: np.ndarray, mask: np.ndarray, soften: float = 0.9) -> None:
        """Composite an object's pixels with a slightly soft, anti-aliased edge."""
        h, w = mask.shape
        cx0, cy0 = max(0, x0), max(0, y0)
        cx1, cy1 = min(self.size, x0 + w), min(self.size, y0 + h)
        if cx1 <= cx0 or cy1 <= cy0:
            return
        sl = (slice(cy0 - y0, cy1 - y0), slice(cx0 - x0, cx1 - x0))
        alpha_img = Image.fromarray(mask.astype(np.uint8) * 255)
        if soften:
            alpha_img = alpha_img.filter(ImageFilter.GaussianBlur(soften))
        alpha = (np.asarray(alpha_img, dtype=np.float32) / 255.0)[sl][..., None]
        bg = self.pixels[cy0:cy1, cx0:cx1].astype(np.float32)
        fg = rgb[sl] * 255.0 + self.grain(cx0, cy0, cx1 - cx0, cy1 - cy0)[..., None]
        fg = np.where(mask[sl][..., None], fg, bg)  # just outside the shape, blending changes nothing
        self.pixels[cy0:cy1, cx0:cx1] = np.clip(bg * (1.0 - alpha) + fg * alpha, 0, 255).astype(np.uint8)

    def glow(self, *, cx: float, cy: float, radius: float, tint: RGB, strength: float) -> None:
        """Add light (a candle flame's halo) rather than paint over."""
        x0, y0 = max(0, int(cx - 3 * radius)), max(0, int(cy - 3 * radius))
        x1, y1 = min(self.size, int(cx + 3 * radius)), min(self.size, int(cy + 3 * radius))
        y, x = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        g = np.exp(-((x - cx) ** 2 + ((y - cy) * 0.8) ** 2) / (2 * radius**2)) * strength
        patch = self.pixels[y0:y1, x0:x1].astype(np.float32) + g[..., None] * colour(tint) * 255.0
        self.pixels[y0:y1, x0:x1] = np.clip(patch, 0, 255).astype(np.uint8)

    def jpeg(self, *, quality: int = 88) -> bytes:
        buf = io.BytesIO()
        Image.fromarray(self.pixels).save(buf, "JPEG", quality=quality, optimize=True)
        return buf.getvalue()


@dataclass
class Body:
    """A solid of revolution rasterised into its bounding box at (x0, y0)."""

    x0: int
    y0: int
    mask: np.ndarray  # covered pixels
    top: np.ndarray  # pixels of the topmost slice (rim, lid, wax surface, opening)
    t: np.ndarray  # height fraction of the visible surface, 0 at the foot
    u: np.ndarray  # across the body, -1 left edge .. 1 right edge
    theta: np.ndarray  # angle round the body, 0 facing the camera
    normal: np.ndarray
    x: np.ndarray
    y: np.ndarray
    cx: float
    top_y: float  # screen y of the top slice's centre
    top_r: float
    base_y: float
    base_r: float
    k: float

    def within(self, *, r: float, cy: float) -> np.ndarray:
        """Pixels inside the horizontal circle of radius r (px) whose centre is at screen y cy."""
        r = max(r, 1e-3)
        return ((self.x - self.cx) / r) ** 2 + ((self.y - cy) / (self.k * r)) ** 2 < 1.0


def _smooth(v: np.ndarray, *, sigma: float) -> np.ndarray:
    half = int(3 * sigma)
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) / sigma) ** 2)
    return np.convolve(np.pad(v, half, mode="edge"), kernel / kernel.sum(), mode="valid").astype(np.float32)


def revolve(*, cx: float, base_y: float, height: float, radii: np.ndarray | list[float], k: float) -> Body:
    """A lathe-turned shape (mug, vase, jar, ring) seen from a little above.

    Drawn as a stack of horizontal discs, bottom to top, each disc an ellipse
    squashed by k (the sine of the camera's elevation); a pixel belongs to the
    highest disc that covers it. Pillow rasterises the discs into an index image.
    """
    n = max(int(round(height / 2)), 2)  # a disc every other pixel row: the shading hides the step
    t = np.linspace(0.0, 1.0, n, dtype=np.float32)
    r = np.interp(t, np.linspace(0.0, 1.0, len(radii)), np.asarray(radii, dtype=np.float32)).astype(np.float32)
    c = base_y - t * height
    # The slope sets the normals; smoothing it over a few pixels hides the joins
    # between profile segments that would otherwise show as bands in the shading.
    drdh = _smooth(np.gradient(r) / (height / (n - 1)), sigma=max(2.0, n / 120))
    x0, x1 = int(np.floor(cx - r.max())) - 3, int(np.ceil(cx + r.max())) + 3
    y0, y1 = int(np.floor((c - k * r).min())) - 3, int(np.ceil((c + k * r).max())) + 3
    img = Image.new("I", (x1 - x0, y1 - y0), 0)
    draw = ImageDraw.Draw(img)
    for i in range(n):
        if r[i] > 0.5:
            draw.ellipse([cx - r[i] - x0, c[i] - k * r[i] - y0, cx + r[i] - x0, c[i] + k * r[i] - y0], fill=i + 1)
    idx = np.asarray(img)
    mask = idx > 0
    i = np.clip(idx - 1, 0, n - 1)
    y, x = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    ri = np.maximum(r[i], 1e-3)
    u = np.clip((x - cx) / ri, -1.0, 1.0)
    w = np.clip((y - c[i]) / (k * ri), -1.0, 1.0)
    normal = normalise(np.stack([u, -drdh[i], w], axis=-1))
    return Body(
        x0=x0,
        y0=y0,
        mask=mask,
        top=idx == n,
        t=t[i],
        u=u,
        theta=np.arctan2(u, w),
        normal=normal,
        x=x,
        y=y,
        cx=cx,
        top_y=float(c[-1]),
        top_r=float(r[-1]),
        base_y=base_y,
        base_r=float(r[0]),
        k=k,
    )


def shade(
    base: np.ndarray,
    normal: np.ndarray,
    *,
    ambient: float = 0.42,
    diffuse: float = 0.62,
    gloss: float | np.ndarray = 0.0,
    power: float = 40.0,
    window: float | np.ndarray = 0.0,
) -> np.ndarray:
    """Lit colour: ambient + Lambert from the softbox + a specular and a window highlight.

    gloss and window may be per-pixel arrays (a glazed body over an unglazed foot).
    """
    lit = base * (ambient + diffuse * lambert(normal))[..., None]
    if np.isscalar(gloss) and np.isscalar(window) and not gloss and not window:
        return lit
    hi = gloss * specular(normal, power) + window * softbox(normal)
    return lit + hi[..., None]


def metal(base: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """Polished metal: mostly a reflection of the studio (the softbox, a bright ceiling,
    a darker band at the horizon, the pale table below), tinted by the metal's colour."""
    r = 2.0 * (normal @ VIEW)[..., None] * normal - VIEW
    rx, ry = r[..., 0], r[..., 1]
    env = (
        0.55
        + 0.3 * np.clip((ry + 0.1) / 0.7, 0, 1)
        - 0.38 * np.exp(-(((ry + 0.08) / 0.13) ** 2))
        + 1.0 * np.exp(-(((rx + 0.42) / 0.24) ** 2) - (((ry - 0.3) / 0.4) ** 2))
        + 0.35 * np.exp(-(((rx - 0.6) / 0.25) ** 2) - ((ry / 0.5) ** 2))
    )
    sheen = np.clip(env - 1.0, 0, None)[..., None]  # the brightest highlights burn out to white
    return base * env[..., None] + sheen * 0.55


def heightfield_normal(z: np.ndarray, *, relief: float) -> np.ndarray:
    """Normals of a surface given as heights over the screen (bumps, pillows, domes)."""
    gy, gx = np.gradient(z * relief)
    return normalise(np.stack([-gx, gy, np.ones_like(z)], axis=-1))


def emboss(mask_img: Image.Image, *, radius: float) -> np.ndarray:
    """Heights for a flat drawn shape (a wire, a chain link, a pendant): the mask
    blurred inside its own edge, so thin strokes come out round like wire."""
    blurred = np.asarray(mask_img.filter(ImageFilter.GaussianBlur(radius)), dtype=np.float32) / 255.0
    return np.sqrt(np.clip(blurred, 0.0, 1.0))


def surface_lookup(body: Body, texture: np.ndarray, *, turn: float = 1.0) -> np.ndarray:
    """Sample a texture wrapped round a body: rows run up the height, columns round
    the circumference (turn=1: the texture spans the visible front half once)."""
    rows, cols = texture.shape[:2]
    ti = np.clip(((1.0 - body.t) * (rows - 1)).astype(np.int32), 0, rows - 1)
    a = (body.theta / np.pi + 0.5) / turn  # front half: 0 .. 1
    ci = np.clip((a * (cols - 1)).astype(np.int32), 0, cols - 1)
    return texture[ti, ci]


def grid(x0: int, y0: int, w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    y, x = np.mgrid[y0 : y0 + h, x0 : x0 + w].astype(np.float32)
    return x, y
