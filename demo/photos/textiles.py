"""Woven textiles: folded tea towels, napkins, runners, throws and scarves, and cushions."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from demo.photos.render import Scene, colour, emboss, grid, heightfield_normal, shade, smooth_noise

LINEN = (216, 205, 186)

# width and top depth as fractions of the shot, number of folded layers, layer
# thickness, weave pitch in px, pattern, and whether the ends carry a fringe
CLOTHS: dict[str, dict] = {
    "tea_towel": {"w": 0.64, "d": 0.27, "layers": 5, "tl": 0.016, "pitch": 5, "pattern": "stripes"},
    "waffle_towel": {"w": 0.58, "d": 0.25, "layers": 5, "tl": 0.022, "pitch": 5, "pattern": "waffle"},
    "napkins": {"w": 0.52, "d": 0.27, "layers": 8, "tl": 0.013, "pitch": 5, "pattern": "hemmed"},
    "runner": {"w": 0.8, "d": 0.17, "layers": 6, "tl": 0.014, "pitch": 6, "pattern": "herringbone"},
    "throw": {"w": 0.68, "d": 0.29, "layers": 6, "tl": 0.03, "pitch": 8, "pattern": "check", "fringe": True},
    "scarf": {"w": 0.58, "d": 0.2, "layers": 6, "tl": 0.014, "pitch": 5, "pattern": "pinstripe", "fringe": True},
}


def _weave(a: np.ndarray, b: np.ndarray, *, pitch: float, rng: np.random.Generator) -> np.ndarray:
    """Plain weave at thread scale: warp and weft alternate over and under, each thread
    rounded, with slubs (thicker, lighter stretches) along random rows and columns."""
    fa, fb = a / pitch, b / pitch
    ia, ib = np.floor(fa).astype(np.int64), np.floor(fb).astype(np.int64)
    over = (ia + ib) % 2 == 0
    warp = 0.84 + 0.16 * np.sin(np.pi * (fa - ia))
    weft = 0.84 + 0.16 * np.sin(np.pi * (fb - ib))
    rows, cols = rng.normal(0, 0.012, 997), rng.normal(0, 0.01, 991)
    rows[rng.random(997) < 0.05] += rng.uniform(0.03, 0.07)  # the odd thick slub
    cols[rng.random(991) < 0.03] += rng.uniform(0.02, 0.05)
    rows, cols = rows.astype(np.float32), cols.astype(np.float32)
    return np.where(over, warp, weft) * (1.0 + rows[ib % 997] + cols[ia % 991])


def _pattern(
    kind: str, a: np.ndarray, b: np.ndarray, *, width: float, main: np.ndarray, second: np.ndarray, pitch: float
) -> np.ndarray:
    """The cloth's design in fabric coordinates (a across, b along, in px)."""
    if kind == "stripes":  # a natural ground with a band of coloured stripes
        period = width * 0.9
        pos = np.mod(b, period) / period
        band = ((pos > 0.12) & (pos < 0.2)) | ((pos > 0.24) & (pos < 0.26)) | ((pos > 0.3) & (pos < 0.32))
        return np.where(band[..., None], main, second)
    if kind == "check":  # two colours crossing: solid where both cross, half-tone where one does
        period = width / 4.5
        ca = np.mod(a, period) < period * 0.5
        cb = np.mod(b, period) < period * 0.5
        mix = (ca.astype(np.float32) + cb.astype(np.float32)) / 2
        return main * mix[..., None] + second * (1 - mix[..., None])
    if kind == "pinstripe":
        line = np.mod(a, width / 14) < pitch * 1.2
        return np.where(line[..., None], second, main)
    if kind == "hemmed":  # solid, with a stitched hem a finger's width from the edge
        hem = np.abs(a - width * 0.05) < 2.5
        return np.where(hem[..., None], main * 0.8, main)
    if kind == "herringbone":
        zig = np.mod(a, pitch * 8) < pitch * 4
        diag = np.mod(b + np.where(zig, a, -a), pitch * 3) < pitch * 1.5
        return main * np.where(diag, 1.04, 0.94)[..., None]
    if kind == "waffle":
        cell = pitch * 4.5
        da, db = np.abs(np.mod(a, cell) / cell - 0.5), np.abs(np.mod(b, cell) / cell - 0.5)
        pocket = np.clip(1 - np.maximum(da, db) * 2.4, 0, 1)
        return main * (1.05 - 0.22 * pocket)[..., None]
    return np.broadcast_to(main, a.shape + (3,))


def draw_folded(scene: Scene, shot) -> None:
    """A folded cloth seen from the front and above: a soft top face, and the folds
    stacked below its front edge, each rounded where it turns."""
    spec = CLOTHS[shot.shape]
    s, rng = scene.size, scene.rng
    width, depth, layers = spec["w"] * s, spec["d"] * s, spec["layers"]
    tl, pitch = spec["tl"] * s, spec["pitch"] * s / 2000
    main = colour(shot.colour)
    second = colour(shot.accent) if shot.accent else colour(LINEN)
    thickness = layers * tl
    cx = s * 0.5
    y_front = s * 0.5 + (depth - thickness) * 0.5 + s * 0.02
    y_back = y_front - depth
    fringe = 0.04 * s if spec.get("fringe") else 0.0

    scene.shadow(
        cx=cx + 0.04 * width,
        cy=y_front + thickness * 0.7,
        rx=width * 0.56,
        ry=depth * 0.2 + thickness * 0.6,
        opacity=0.22,
        blur=0.035 * s,
    )
    scene.shadow(cx=cx, cy=y_front + thickness, rx=width * 0.5, ry=thickness * 0.2 + 4, opacity=0.4, blur=0.006 * s)

    x0, y0 = int(cx - width / 2 - 8), int(y_back - 8)
    w, h = int(width + 16), int(depth + thickness + fringe + 16)
    x, y = grid(x0, y0, w, h)
    wobble = smooth_noise(rng, (h, w), 6)

    # top face: v from the front edge (0) to the back (1), u across
    v = (y_front - y) / depth
    half = width / 2 * (1 - 0.07 * np.clip(v, 0, 1))
    u = (x - cx) / half
    # square at the front, where it turns into the first fold; soft corners at the back
    top = (np.abs(u) ** 10 + np.clip(v, 0, None) ** 10 < 1.0 + 0.02 * wobble) & (v >= 0)
    a_top = (u + 1) / 2 * width
    b_top = v * depth / 0.55

    # front face: one rounded band per fold, each set a little off true
    f = (y - y_front) / tl
    j = np.clip(np.floor(f), 0, layers - 1).astype(np.int64)
    p = f - np.floor(f)
    shifts = rng.normal(0, 0.006 * width, layers).astype(np.float32)
    ends = width / 2 - tl * 0.6 * (1 - np.sqrt(np.clip(1 - (2 * p - 1) ** 2, 0, 1))) + shifts[j] * 0.3
    front = (f >= 0) & (f < layers) & (np.abs(x - cx - shifts[j]) < ends)
    a_front = x - (cx - width / 2) - shifts[j]
    b_front = j * depth * 0.61 + p * tl

    a = np.where(top, a_top, a_front)
    b = np.where(top, b_top, b_front)
    base = _pattern(spec["pattern"], a, b, width=width, main=main, second=second, pitch=pitch)
    weave = _weave(a, b, pitch=pitch * (2.0 if spec["pattern"] == "check" else 1.0), rng=rng)
    heather = 1.0 + 0.05 * smooth_noise(rng, (h, w), 18)
    base = base * (weave * heather)[..., None]

    # light: the top faces the softbox; creases; the front edge rolls away; folds are rounded
    light_top = 0.95 - 0.05 * u + 0.04 * v - 0.3 * np.clip(1 - v / 0.07, 0, 1) ** 2
    for _ in range(int(rng.integers(1, 4))):  # soft creases from handling
        angle, offset, strength = rng.uniform(-0.5, 0.5), rng.uniform(-0.6, 0.6), rng.uniform(0.03, 0.06)
        d = (u * np.cos(angle) + (2 * v - 1) * np.sin(angle)) - offset
        reach = np.exp(-((((2 * v - 1) * np.cos(angle) - u * np.sin(angle)) / rng.uniform(0.4, 0.9)) ** 2))
        ridge, groove = np.exp(-(((d - 0.05) / 0.04) ** 2)), np.exp(-((d / 0.035) ** 2))
        light_top = light_top + strength * reach * (0.7 * ridge - groove)
    roll = np.sin(np.pi * np.clip(p, 0, 1)) ** 0.7
    light_front = (0.42 + 0.42 * roll) * (0.98 - 0.03 * j / layers) - 0.05 * (x - cx) / width
    light = np.where(top, light_top, light_front)
    rgb = base * light[..., None]
    mask = top | front

    if fringe:
        rgb, mask = _fringe(
            scene, rgb, mask, x0=x0, y0=y0, cx=cx, width=width, y_edge=y_front + thickness, length=fringe, colour=main
        )
    scene.paint(x0=x0, y0=y0, rgb=rgb, mask=mask, soften=1.1)


def _fringe(
    scene: Scene,
    rgb: np.ndarray,
    mask: np.ndarray,
    *,
    x0: int,
    y0: int,
    cx: float,
    width: float,
    y_edge: float,
    length: float,
    colour: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Twisted tassels lying on the table in front of the bottom fold."""
    h, w = mask.shape
    img = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(img)
    rng = scene.rng
    pitch = width / 46
    for i in range(44):
        sx = cx - width / 2 + pitch * (i + 1) + rng.normal(0, pitch * 0.1) - x0
        sy = y_edge - y0 - 4
        angle = rng.normal(0, 0.18)
        ln = length * rng.uniform(0.75, 1.0)
        ex, ey = sx + np.sin(angle) * ln, sy + np.cos(angle) * ln
        draw.line([(sx, sy), (ex, ey)], fill=255, width=max(3, int(width / 130)))
    z = emboss(img, radius=2.0)
    strands = (z > 0.25) & ~mask
    normal = heightfield_normal(z, relief=6.0)
    lit = shade(colour * (0.9 + 0.1 * smooth_noise(rng, (h, w), 40))[..., None], normal, ambient=0.4, diffuse=0.55)
    rgb = np.where(strands[..., None], lit, rgb)
    return rgb, mask | strands


def draw_cushion(scene: Scene, shot) -> None:
    """A square cushion standing on the table: plump in the middle, pinched at the
    corners, with a piped edge."""
    s, rng = scene.size, scene.rng
    half = 0.3 * s
    cx, cy = s * 0.5, s * 0.49
    main = colour(shot.colour)
    second = colour(shot.accent) if shot.accent else colour(LINEN)
    scene.ground_shadow(cx=cx, base_y=cy + half * 0.97, rx=half * 1.0, ry=half * 0.14, height=half * 1.2)
    x0, y0, w = int(cx - half * 1.1), int(cy - half * 1.1), int(half * 2.2)
    x, y = grid(x0, y0, w, w)
    nx, ny = (x - cx) / half, (y - cy) / half
    wob = 0.012 * smooth_noise(rng, (w, w), 5)
    inside = (np.abs(nx) < 1 - 0.07 * (1 - ny**2) + wob) & (np.abs(ny) < 1 - 0.07 * (1 - nx**2) + wob)
    z = (np.clip(1 - np.abs(nx) ** 2.2, 0, 1) * np.clip(1 - np.abs(ny) ** 2.2, 0, 1)) ** 0.6
    z = z + 0.03 * smooth_noise(rng, (w, w), 7)
    normal = heightfield_normal(z, relief=half * 0.9)
    a, b = (nx + 1) * half, (ny + 1) * half
    stripes = np.mod(a, half / 3.2) < half / 9
    base = np.where(stripes[..., None], second, main) if shot.accent else np.broadcast_to(main, a.shape + (3,))
    base = base * _weave(a, b, pitch=6 * s / 2000, rng=rng)[..., None]
    edge = np.maximum(np.abs(nx) / (1 - 0.07 * (1 - ny**2)), np.abs(ny) / (1 - 0.07 * (1 - nx**2)))
    piping = edge > 0.965
    base = np.where(piping[..., None], main * 0.82, base)
    rgb = shade(base, normal, ambient=0.42, diffuse=0.62)
    scene.paint(x0=x0, y0=y0, rgb=rgb, mask=inside)


SHAPES = {name: draw_folded for name in CLOTHS} | {"cushion": draw_cushion}
