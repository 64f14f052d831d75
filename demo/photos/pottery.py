"""Thrown pots: mugs, cups, bowls, plates and vases in a glaze over a clay body."""

from __future__ import annotations

import numpy as np

from demo.photos.render import (
    Body,
    Scene,
    colour,
    grid,
    lambert,
    normalise,
    revolve,
    shade,
    smooth_noise,
    speckle,
    surface_lookup,
)

CLAYS: dict[str, tuple[tuple[int, int, int], float]] = {
    # body colour, how speckled it fires
    "buff": ((208, 188, 156), 0.010),
    "stoneware": ((152, 131, 112), 0.006),
    "porcelain": ((238, 234, 226), 0.0),
}


def profile(points: list[tuple[float, float]], samples: int = 400) -> np.ndarray:
    """A smooth lathe profile (radius by height) through hand-placed control points.

    Monotone cubic (PCHIP) interpolation: curves stay smooth, so the shading has no
    facets, and never overshoot, so a foot or a neck keeps the width it was given.
    """
    xs, ys = (np.array(v, dtype=np.float64) for v in zip(*points, strict=True))
    h, delta = np.diff(xs), np.diff(ys) / np.diff(xs)
    m = np.zeros_like(ys)
    m[0], m[-1] = delta[0], delta[-1]
    for j in range(1, len(xs) - 1):
        if delta[j - 1] * delta[j] > 0:
            w1, w2 = 2 * h[j] + h[j - 1], h[j] + 2 * h[j - 1]
            m[j] = (w1 + w2) / (w1 / delta[j - 1] + w2 / delta[j])
    t = np.linspace(0.0, 1.0, samples)
    j = np.clip(np.searchsorted(xs, t, side="right") - 1, 0, len(xs) - 2)
    s = (t - xs[j]) / h[j]
    h00, h10, h01, h11 = 2 * s**3 - 3 * s**2 + 1, s**3 - 2 * s**2 + s, -2 * s**3 + 3 * s**2, s**3 - s**2
    r = h00 * ys[j] + h10 * h[j] * m[j] + h01 * ys[j + 1] + h11 * h[j] * m[j + 1]
    return r.astype(np.float32)


# h and r are fractions of the shot's size; k is the sine of the camera's elevation.
POTS: dict[str, dict] = {
    "mug": {
        "h": 0.42,
        "r": 0.19,
        "k": 0.26,
        "handle": True,
        "points": [(0, 0.86), (0.03, 0.96), (0.08, 1.0), (0.5, 1.0), (0.92, 0.97), (1, 0.97)],
    },
    "espresso": {
        "h": 0.27,
        "r": 0.16,
        "k": 0.3,
        "handle": True,
        "points": [(0, 0.62), (0.08, 0.7), (0.3, 0.9), (0.7, 1.0), (1, 1.0)],
    },
    "beaker": {"h": 0.48, "r": 0.18, "k": 0.26, "points": [(0, 0.78), (0.04, 0.84), (0.5, 0.92), (1, 1.0)]},
    "tea_bowl": {
        "h": 0.33,
        "r": 0.26,
        "k": 0.3,
        "points": [(0, 0.48), (0.07, 0.48), (0.1, 0.6), (0.35, 0.86), (0.7, 0.97), (1, 1.0)],
    },
    "bowl": {
        "h": 0.25,
        "r": 0.36,
        "k": 0.34,
        "points": [(0, 0.38), (0.06, 0.38), (0.09, 0.46), (0.35, 0.78), (0.7, 0.95), (1, 1.0)],
    },
    "serving_bowl": {
        "h": 0.19,
        "r": 0.42,
        "k": 0.38,
        "points": [(0, 0.42), (0.07, 0.42), (0.1, 0.56), (0.4, 0.86), (0.75, 0.97), (1, 1.0)],
    },
    "plate": {
        "h": 0.045,
        "r": 0.43,
        "k": 0.46,
        "shallow": True,
        "points": [(0, 0.66), (0.5, 0.76), (0.8, 0.9), (1, 1.0)],
    },
    "bud_vase": {
        "h": 0.56,
        "r": 0.16,
        "k": 0.24,
        "points": [
            (0, 0.6),
            (0.04, 0.72),
            (0.12, 0.88),
            (0.22, 0.97),
            (0.3, 0.97),
            (0.38, 0.88),
            (0.46, 0.68),
            (0.54, 0.48),
            (0.62, 0.36),
            (0.72, 0.31),
            (0.86, 0.31),
            (0.95, 0.35),
            (1, 0.41),
        ],
    },
    "moon_vase": {
        "h": 0.56,
        "r": 0.26,
        "k": 0.22,
        "clay": "porcelain",
        # a true circle (the "moon") on a small foot, with a short neck
        "points": [(0.0, 0.36), (0.02, 0.44)]
        + [(t, float(np.sqrt(1 - ((t - 0.46) / 0.47) ** 2))) for t in np.linspace(0.04, 0.8, 14)]
        + [(0.86, 0.4), (0.89, 0.31), (0.97, 0.3), (1.0, 0.35)],
    },
    "bottle_vase": {
        "h": 0.62,
        "r": 0.17,
        "k": 0.22,
        "points": [(0, 0.92), (0.03, 1.0), (0.5, 1.0), (0.58, 0.9), (0.66, 0.52), (0.72, 0.3), (0.95, 0.26), (1, 0.3)],
    },
}


def glaze_surface(
    scene: Scene,
    body: Body,
    *,
    glaze: np.ndarray,
    clay: np.ndarray,
    speck_density: float,
    accent: np.ndarray | None,
    height: float,
    radius: float,
    foot: float,
) -> np.ndarray:
    """Glazed stoneware: an unglazed foot with a wavy edge, a dipped second glaze with
    runs, throwing lines, iron specks and glaze pooling, then lit."""
    rng = scene.rng
    th, t = body.theta, body.t
    edge = foot + 0.012 * np.sin(th * 3 + rng.uniform(0, 6)) + 0.007 * np.sin(th * 7 + rng.uniform(0, 6))
    glazed = t > edge
    base = np.where(glazed[..., None], glaze, clay)
    if accent is not None:
        dip = 0.64 + 0.025 * np.sin(th * 2 + rng.uniform(0, 6))
        for _ in range(int(rng.integers(3, 7))):  # runs where the second glaze flowed down
            centre, width, length = rng.uniform(-1.4, 1.4), rng.uniform(0.04, 0.1), rng.uniform(0.03, 0.12)
            dip = dip - length * np.exp(-(((th - centre) / width) ** 2))
        base = np.where((t > dip)[..., None], accent, base)
        overlap = np.clip(1 - np.abs(t - dip) / 0.02, 0, 1)[..., None] * glazed[..., None]
        base = base * (1 - 0.25 * overlap)
    pooling = 1.0 - 0.18 * np.exp(-np.clip(t - edge, 0, None) / 0.05)
    base = base * np.where(glazed, pooling, 1.0)[..., None]

    rows, cols = max(8, int(height / 2)), max(8, int(np.pi * radius / 2))
    mottle = 0.05 * smooth_noise(rng, (rows, cols), 9) + 0.02 * smooth_noise(rng, (rows, cols), 31)
    specks = np.zeros((rows, cols), np.float32)
    if speck_density:
        specks = speckle(rng, (rows, cols), density=speck_density, dot=1.3)
    texture = np.stack([1.0 + mottle, specks], axis=-1)
    looked = surface_lookup(body, texture)
    rings = 1.0 + (0.012 + 0.008 * np.sin(t * 5 + rng.uniform(0, 6))) * np.sin(
        t * height / (0.012 * scene.size) * 2 * np.pi + 2 * np.sin(t * 9)
    )
    base = base * (looked[..., 0] * rings * (1.0 - 0.55 * looked[..., 1]))[..., None]
    return shade(base, body.normal, ambient=0.4, diffuse=0.66, gloss=0.3 * glazed, power=70, window=0.4 * glazed)


def _opening(
    scene: Scene, body: Body, rgb: np.ndarray, *, inner: np.ndarray, lip: np.ndarray, wall: float, shallow: bool
) -> np.ndarray:
    """The mouth of the pot: a lip where the glaze thins, and the inside lit from the back."""
    r_in = body.top_r - wall
    inside = body.top & body.within(r=r_in, cy=body.top_y)
    rim = body.top & ~inside
    iu = (body.x - body.cx) / r_in
    iw = (body.y - body.top_y) / (body.k * r_in)
    if shallow:  # a plate's well is flat; its rim rises towards the edge and catches the light
        rho = np.sqrt(iu**2 + iw**2) + 1e-6
        slope = 0.9 * np.clip((rho - 0.72) / 0.28, 0, 1) ** 1.5
        normal = normalise(np.stack([-iu / rho * slope, np.ones_like(rho), -iw / rho * slope], axis=-1))
        light = 0.55 + 0.5 * lambert(normal)
    else:
        light = 0.52 + 0.12 * (1 - iw) + 0.08 * (iu + 1) - 0.2 * np.clip(iw, 0, 1) ** 2
    window = 0.22 * np.exp(-(((iu - 0.3) / 0.2) ** 2) - (((iw + 0.6) / 0.22) ** 2))
    mottle = 1.0 + 0.04 * smooth_noise(scene.rng, body.mask.shape, 9)
    inner_rgb = inner * (light * mottle)[..., None] + window[..., None]
    lip_rgb = lip * (1.0 + 0.12 * np.clip(-body.u, 0, 1))[..., None] + 0.05
    rgb = np.where(inside[..., None], inner_rgb, rgb)
    return np.where(rim[..., None], lip_rgb, rgb)


def _handle(scene: Scene, *, cx: float, base_y: float, radius: float, height: float, glaze: np.ndarray) -> None:
    """A pulled handle: a D-shaped loop of round section on the right."""
    hcx, hcy = cx + radius * 0.97, base_y - height * 0.53
    hrx, hry, tube = radius * 0.42, height * 0.29, radius * 0.1
    x0, y0 = int(cx + radius * 0.6), int(hcy - hry - tube * 2)
    w, h = int(hrx + tube * 2 + radius * 0.45), int(2 * hry + tube * 4)
    x, y = grid(x0, y0, w, h)
    ex, ey = (x - hcx) / hrx, (y - hcy) / hry
    rho = np.sqrt(ex**2 + ey**2) + 1e-6
    # the loop thins a little where it was pulled, and is thicker at the top joint
    thickness = tube * (1.0 + 0.25 * np.clip(-ey / rho, 0, 1))
    s = (rho - 1.0) / (thickness / ((hrx + hry) / 2))
    mask = (np.abs(s) < 1.0) & (x > cx + radius * 0.7)
    sc = np.clip(s, -1, 1)
    normal = normalise(np.stack([ex / rho * sc, -ey / rho * sc, np.sqrt(1 - sc**2) + 0.05], axis=-1))
    base = glaze * (1.0 + 0.04 * smooth_noise(scene.rng, mask.shape, 5))[..., None]
    rgb = shade(base, normal, ambient=0.38, diffuse=0.66, gloss=0.3, power=70, window=0.35)
    scene.paint(x0=x0, y0=y0, rgb=rgb, mask=mask)


def draw_pot(scene: Scene, shot) -> None:
    spec = POTS[shot.shape]
    s, rng = scene.size, scene.rng
    height, radius, k = spec["h"] * s, spec["r"] * s, spec["k"]
    radii = profile(spec["points"]) * radius
    cx = s * (0.5 - (0.05 if spec.get("handle") else 0.0))
    base_y = s * 0.5 + height * 0.5 + k * radius * 0.45
    glaze = colour(shot.colour)
    accent = colour(shot.accent) if shot.accent else None
    clay_rgb, speck_density = CLAYS[spec.get("clay") or ("buff", "stoneware", "porcelain")[int(rng.integers(3))]]
    clay = colour(clay_rgb)
    scene.ground_shadow(cx=cx, base_y=base_y, rx=radii[0], ry=k * radii[0], height=height)
    if spec.get("handle"):
        _handle(scene, cx=cx, base_y=base_y, radius=radius, height=height, glaze=glaze)
    body = revolve(cx=cx, base_y=base_y, height=height, radii=radii, k=k)
    rgb = glaze_surface(
        scene,
        body,
        glaze=glaze,
        clay=clay,
        speck_density=speck_density,
        accent=accent,
        height=height,
        radius=radius,
        foot=0.0 if spec.get("shallow") else 0.055,
    )
    top = accent if accent is not None else glaze
    rgb = _opening(
        scene,
        body,
        rgb,
        inner=glaze,
        lip=top * 0.82 + clay * 0.22,
        wall=max(4.0, radius * 0.035),
        shallow=bool(spec.get("shallow")),
    )
    scene.paint(x0=body.x0, y0=body.y0, rgb=rgb, mask=body.mask)


SHAPES = {name: draw_pot for name in POTS}
