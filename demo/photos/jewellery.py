"""Jewellery: rings lying on the table, stacking sets, bangles, hoops, pendants on
fine chains and drop earrings, in polished or hammered metal with cabochon stones."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from demo.photos.render import (
    Body,
    Scene,
    colour,
    emboss,
    grid,
    heightfield_normal,
    lambert,
    metal,
    normalise,
    revolve,
    specular,
)


def _hammered(rng: np.random.Generator, shape: tuple[int, int], *, scale: float) -> np.ndarray:
    """Planishing marks: overlapping shallow round dents, as a normal perturbation."""
    h, w = shape
    radius = max(3, int(scale * 0.6))
    yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    dent = np.clip(1 - (xx**2 + yy**2) / radius**2, 0, None).astype(np.float32) ** 1.5
    height = np.zeros((h + 2 * radius, w + 2 * radius), np.float32)
    count = int(h * w / (radius * radius) * 0.9)
    for y, x, depth in zip(
        rng.integers(0, h, count), rng.integers(0, w, count), rng.uniform(0.6, 1.0, count), strict=True
    ):
        patch = height[y : y + 2 * radius + 1, x : x + 2 * radius + 1]
        np.minimum(patch, -depth * dent, out=patch)  # a new blow flattens what was there
    height = height[radius : radius + h, radius : radius + w]
    gy, gx = np.gradient(height)
    k = radius * 0.35
    return np.stack([-gx * k, gy * k, np.zeros_like(gx)], axis=-1)


def _band(
    scene: Scene,
    *,
    cx: float,
    base_y: float,
    radius: float,
    height: float,
    wall: float,
    k: float,
    metal_rgb: np.ndarray,
    hammered: bool = False,
) -> Body:
    """A plain band lying flat: outer wall, a rounded top edge, the inside of the far
    wall, and the table showing through the middle."""
    rng = scene.rng
    t = np.linspace(0, 1, 32)
    radii = radius * (0.975 + 0.025 * np.sin(np.pi * t))  # comfort-fit: slightly domed outside
    body = revolve(cx=cx, base_y=base_y, height=height, radii=radii, k=k)
    r_in = body.top_r - wall
    inner_top = body.within(r=r_in, cy=body.top_y)
    inner_bottom = body.within(r=r_in, cy=base_y)
    hole = inner_top & inner_bottom
    inner_wall = inner_top & ~inner_bottom
    normal = body.normal.copy()
    # the top edge: rounded from the outer to the inner wall
    iu, iw = (body.x - body.cx) / body.top_r, (body.y - body.top_y) / (k * body.top_r)
    rho = np.sqrt(iu**2 + iw**2) + 1e-6
    across = np.clip((rho - (r_in / body.top_r + 1) / 2) / ((1 - r_in / body.top_r) / 2), -1, 1)
    rim_normal = normalise(np.stack([iu / rho * across, np.sqrt(1 - across**2) + 0.2, iw / rho * across], axis=-1))
    rim = body.top & ~inner_top
    normal = np.where(rim[..., None], rim_normal, normal)
    # the far wall's inside faces the camera
    ju = np.clip((body.x - body.cx) / r_in, -1, 1)
    wall_normal = normalise(np.stack([-ju, np.full_like(ju, 0.15), np.sqrt(1 - ju**2)], axis=-1))
    normal = np.where(inner_wall[..., None], wall_normal, normal)
    if hammered:
        normal = normalise(normal + 0.6 * _hammered(rng, normal.shape[:2], scale=scene.size * 0.02))
    rgb = metal(metal_rgb, normal)
    rgb = np.where(inner_wall[..., None], rgb * 0.8, rgb)
    body.mask = body.mask & ~hole
    scene.paint(x0=body.x0, y0=body.y0, rgb=rgb, mask=body.mask)
    return body


def _stone(
    scene: Scene, *, cx: float, cy: float, rx: float, ry: float, stone: np.ndarray, metal_rgb: np.ndarray
) -> None:
    """A cabochon in a metal bezel: a glossy dome with light glowing through its far side."""
    x0, y0 = int(cx - rx * 1.3), int(cy - ry * 1.3)
    w, h = int(rx * 2.6) + 1, int(ry * 2.6) + 1
    x, y = grid(x0, y0, w, h)
    ex, ey = (x - cx) / rx, (y - cy) / ry
    rho2 = ex**2 + ey**2
    bezel = rho2 < 1.28**2
    gem = rho2 < 1.0
    z = np.sqrt(np.clip(1 - rho2, 0, 1))
    normal = normalise(np.stack([ex, -ey, z + 0.05], axis=-1))
    glow = np.clip(0.5 * (ex + ey * 1.2), 0, 1) ** 1.5  # light passing through, out the lower right
    gem_rgb = stone * (0.35 + 0.55 * lambert(normal) + 0.45 * glow)[..., None]
    gem_rgb = gem_rgb + (0.9 * specular(normal, 80) + 0.25 * specular(normal, 8))[..., None]
    rr = np.sqrt(rho2) + 1e-6
    s = np.clip((rr - 1.14) / 0.14, -1, 1)
    bezel_normal = normalise(np.stack([ex / rr * s, -ey / rr * s, np.sqrt(1 - s**2) + 0.1], axis=-1))
    rgb = np.where(gem[..., None], gem_rgb, metal(metal_rgb, bezel_normal))
    scene.paint(x0=x0, y0=y0, rgb=rgb, mask=bezel)


def draw_ring(scene: Scene, shot) -> None:
    s = scene.size
    metal_rgb = colour(shot.colour)
    radius, k = 0.27 * s, 0.5
    cx, base_y = 0.5 * s, 0.5 * s + 0.13 * s
    scene.ground_shadow(
        cx=cx, base_y=base_y - 0.01 * s, rx=radius * 1.02, ry=radius * k * 1.02, height=0.05 * s, hole=0.8
    )
    hammered = shot.shape == "hammered_ring"
    body = _band(
        scene,
        cx=cx,
        base_y=base_y,
        radius=radius,
        height=0.07 * s if hammered else 0.06 * s,
        wall=0.035 * s,
        k=k,
        metal_rgb=metal_rgb,
        hammered=hammered,
    )
    if shot.accent:
        _stone(
            scene,
            cx=cx,
            cy=body.top_y - radius * k * 0.92,
            rx=0.06 * s,
            ry=0.06 * s * 0.75,
            stone=colour(shot.accent),
            metal_rgb=metal_rgb,
        )


METALS = {"gold": (212, 175, 98), "silver": (200, 201, 204), "rose": (212, 152, 128)}


def draw_stack(scene: Scene, shot) -> None:
    """Three fine stacking rings, one on another: the colourway's metal in the middle."""
    s = scene.size
    radius, k = 0.25 * s, 0.5
    cx, base_y = 0.5 * s, 0.5 * s + 0.12 * s
    metals = [colour(shot.accent or METALS["gold"]), colour(shot.colour), colour(METALS["rose"])]
    scene.ground_shadow(cx=cx, base_y=base_y - 0.01 * s, rx=radius, ry=radius * k, height=0.09 * s, hole=0.85)
    for i, m in enumerate(metals):
        _band(
            scene,
            cx=cx + (i - 1) * 0.006 * s,
            base_y=base_y - i * 0.026 * s,
            radius=radius * (1 - 0.01 * i),
            height=0.022 * s,
            wall=0.014 * s,
            k=k,
            metal_rgb=m,
            hammered=i == 1,
        )


def draw_bangle(scene: Scene, shot) -> None:
    s = scene.size
    radius, k = 0.34 * s, 0.42
    cx, base_y = 0.5 * s, 0.5 * s + 0.1 * s
    scene.ground_shadow(cx=cx, base_y=base_y - 0.01 * s, rx=radius, ry=radius * k, height=0.04 * s, hole=0.9)
    _band(
        scene,
        cx=cx,
        base_y=base_y,
        radius=radius,
        height=0.035 * s,
        wall=0.016 * s,
        k=k,
        metal_rgb=colour(shot.colour),
        hammered=True,
    )


def draw_hoops(scene: Scene, shot) -> None:
    s = scene.size
    radius, k = 0.16 * s, 0.55
    for dx in (-0.19, 0.19):
        cx, base_y = (0.5 + dx) * s, 0.56 * s
        scene.ground_shadow(cx=cx, base_y=base_y, rx=radius, ry=radius * k, height=0.02 * s, hole=0.88)
        _band(
            scene,
            cx=cx,
            base_y=base_y,
            radius=radius,
            height=0.016 * s,
            wall=0.012 * s,
            k=k,
            metal_rgb=colour(shot.colour),
        )


def _chain_path(rng: np.random.Generator, *, cx: float, cy: float, a: float, b: float, n: int) -> np.ndarray:
    """A necklace laid out on the table: a loose, slightly uneven loop, pointed at the pendant."""
    s = np.linspace(0, 2 * np.pi, n, endpoint=False)
    wobble = 1 + 0.04 * np.sin(2 * s + rng.uniform(0, 6)) + 0.025 * np.sin(3 * s + rng.uniform(0, 6))
    x = cx + a * np.sin(s) * wobble * (1 - 0.25 * np.clip(-np.cos(s), 0, 1) ** 2)
    y = cy - b * np.cos(s) * wobble
    return np.stack([x, y], axis=-1)


def _metal_strokes(
    scene: Scene,
    draw_fn,
    *,
    box: tuple[int, int, int, int],
    metal_rgb: np.ndarray,
    radius: float,
    relief: float,
    shadow: bool = False,
) -> None:
    """Draw wire shapes (links, hooks) as a mask, round them into wire, and polish them."""
    x0, y0, w, h = box
    img = Image.new("L", (w, h), 0)
    draw_fn(ImageDraw.Draw(img), x0, y0)
    if shadow:  # a fine chain's own soft shadow, just below and to the right
        cast = np.asarray(img.filter(ImageFilter.GaussianBlur(scene.size * 0.004)), dtype=np.float32) / 255.0
        sx, sy = int(scene.size * 0.004), int(scene.size * 0.006)
        patch = scene.pixels[y0 + sy : y0 + sy + h, x0 + sx : x0 + sx + w].astype(np.float32)
        cast = cast[: patch.shape[0], : patch.shape[1]]
        darker = patch * (1 - 0.35 * cast[..., None])
        scene.pixels[y0 + sy : y0 + sy + h, x0 + sx : x0 + sx + w] = darker.astype(np.uint8)
    z = emboss(img, radius=radius)
    mask = z > 0.3
    normal = heightfield_normal(z, relief=relief)
    scene.paint(x0=x0, y0=y0, rgb=metal(metal_rgb, normal), mask=mask, soften=0.7)


def draw_necklace(scene: Scene, shot) -> None:
    """A pendant on a fine trace chain, the chain laid in a loop above it."""
    s, rng = scene.size, scene.rng
    metal_rgb = colour(shot.colour)
    cx, cy, a, b = 0.5 * s, 0.42 * s, 0.25 * s, 0.25 * s
    link = 0.015 * s
    length = 2 * np.pi * np.sqrt((a * a + b * b) / 2)
    path = _chain_path(rng, cx=cx, cy=cy, a=a, b=b, n=int(length / link))
    bottom = path[len(path) // 2]

    def links(draw: ImageDraw.ImageDraw, x0: int, y0: int) -> None:
        for i in range(len(path)):
            if abs(i - len(path) // 2) < 2:
                continue  # the pendant's bail hangs here
            p, q = path[i] - (x0, y0), path[(i + 1) % len(path)] - (x0, y0)
            d = (q - p) / (np.linalg.norm(q - p) + 1e-6)
            if i % 2:  # seen face on: an oval loop
                nrm = np.array([-d[1], d[0]])
                pts = [
                    tuple(p + (q - p) * 0.5 + d * np.cos(t) * link * 0.75 + nrm * np.sin(t) * link * 0.38)
                    for t in np.linspace(0, 2 * np.pi, 14)
                ]
                draw.line(pts, fill=255, width=max(2, int(link * 0.22)), joint="curve")
            else:  # seen edge on: a short bar
                draw.line(
                    [tuple(p - d * link * 0.2), tuple(q + d * link * 0.2)], fill=255, width=max(2, int(link * 0.26))
                )

    pad = int(0.02 * s)
    box = (int(cx - a * 1.1) - pad, int(cy - b * 1.1) - pad, int(2.2 * a) + 2 * pad, int(2.2 * b) + 2 * pad)
    _metal_strokes(scene, links, box=box, metal_rgb=metal_rgb, radius=1.4 * s / 2000, relief=2.0, shadow=True)
    px, py = float(bottom[0]), float(bottom[1]) + 0.085 * s
    if shot.shape == "bar_necklace":
        _bar(scene, cx=px, cy=float(bottom[1]) + 0.014 * s, metal_rgb=metal_rgb)
    else:
        stone = colour(shot.accent) if shot.accent else None
        _disc(scene, cx=px, cy=py, r=0.075 * s, metal_rgb=metal_rgb, stone=stone)
        _metal_strokes(
            scene,
            lambda d, x0, y0: d.ellipse(
                [px - 0.014 * s - x0, float(bottom[1]) - 0.008 * s - y0, px + 0.014 * s - x0, py - 0.05 * s - y0],
                outline=255,
                width=int(0.006 * s),
            ),
            box=(int(px - 0.03 * s), int(bottom[1] - 0.02 * s), int(0.06 * s), int(0.06 * s)),
            metal_rgb=metal_rgb,
            radius=2.0,
            relief=4.0,
        )


def _disc(scene: Scene, *, cx: float, cy: float, r: float, metal_rgb: np.ndarray, stone: np.ndarray | None) -> None:
    """A hammered disc pendant with a raised rim, or a stone set in a bezel."""
    if stone is not None:
        _stone(scene, cx=cx, cy=cy, rx=r * 0.72, ry=r * 0.72 * 0.85, stone=stone, metal_rgb=metal_rgb)
        return
    scene.shadow(cx=cx + 0.1 * r, cy=cy + 0.12 * r, rx=r, ry=r * 0.85, opacity=0.25, blur=r * 0.15)
    x0, y0, w = int(cx - r * 1.05), int(cy - r * 1.05), int(r * 2.1)
    x, y = grid(x0, y0, w, w)
    ex, ey = (x - cx) / r, (y - cy) / (r * 0.85)
    rho = np.sqrt(ex**2 + ey**2)
    mask = rho < 1
    # gently domed, with a rolled edge
    z = 0.35 * (1 - np.clip(rho, 0, 1) ** 2) + 0.25 * np.sqrt(np.clip(1 - ((rho - 0.93) / 0.07) ** 2, 0, 1))
    normal = heightfield_normal(z, relief=r * 0.5)
    normal = normalise(normal + _hammered(scene.rng, mask.shape, scale=r * 0.22) * 0.7)
    scene.paint(x0=x0, y0=y0, rgb=metal(metal_rgb, normal), mask=mask)


def _bar(scene: Scene, *, cx: float, cy: float, metal_rgb: np.ndarray) -> None:
    s = scene.size
    hw, hh = 0.12 * s, 0.018 * s
    scene.shadow(cx=cx + 0.01 * s, cy=cy + 0.012 * s, rx=hw, ry=hh, opacity=0.25, blur=0.006 * s)
    x0, y0 = int(cx - hw - 4), int(cy - hh - 4)
    x, y = grid(x0, y0, int(2 * hw + 8), int(2 * hh + 8))
    ex, ey = (x - cx) / hw, (y - cy) / hh
    mask = np.abs(ex) ** 12 + np.abs(ey) ** 2.5 < 1
    z = np.sqrt(np.clip(1 - np.abs(ey) ** 2, 0, 1)) * np.clip((1 - np.abs(ex) ** 12) * 4, 0, 1)
    normal = heightfield_normal(z, relief=hh * 0.8)
    scene.paint(x0=x0, y0=y0, rgb=metal(metal_rgb, normal), mask=mask)


def draw_drops(scene: Scene, shot) -> None:
    """A pair of drop earrings lying side by side: ear wire, bead and a stone drop."""
    s = scene.size
    metal_rgb = colour(shot.colour)
    stone = colour(shot.accent) if shot.accent else None
    for dx in (-0.16, 0.16):
        cx, top = (0.5 + dx) * s, 0.24 * s

        def wire(draw: ImageDraw.ImageDraw, x0: int, y0: int, cx: float = cx, top: float = top) -> None:
            draw.arc(
                [cx - 0.09 * s - x0, top - y0, cx + 0.03 * s - x0, top + 0.16 * s - y0],
                190,
                360,
                fill=255,
                width=int(0.007 * s),
            )
            draw.line(
                [(cx + 0.03 * s - x0, top + 0.08 * s - y0), (cx + 0.03 * s - x0, top + 0.2 * s - y0)],
                fill=255,
                width=int(0.007 * s),
            )

        _metal_strokes(
            scene,
            wire,
            box=(int(cx - 0.1 * s), int(top - 0.02 * s), int(0.16 * s), int(0.26 * s)),
            metal_rgb=metal_rgb,
            radius=2.2,
            relief=5.0,
        )
        _drop(scene, cx=cx + 0.03 * s, top=top + 0.2 * s, metal_rgb=metal_rgb, stone=stone)


def _drop(scene: Scene, *, cx: float, top: float, metal_rgb: np.ndarray, stone: np.ndarray | None) -> None:
    s = scene.size
    length, width = 0.22 * s, 0.075 * s
    scene.shadow(cx=cx + 0.012 * s, cy=top + length * 0.6, rx=width * 0.9, ry=length * 0.45, opacity=0.2, blur=0.01 * s)
    x0, y0 = int(cx - width - 4), int(top - 4)
    x, y = grid(x0, y0, int(2 * width + 8), int(length + 8))
    t = np.clip((y - top) / length, 0, 1)
    half = width * np.sqrt(np.clip(np.sin(np.pi * t**0.75), 0, 1)) * t**0.15
    ex = (x - cx) / np.maximum(half, 1e-3)
    mask = (np.abs(ex) < 1) & (y > top) & (y < top + length)
    z = np.sqrt(np.clip(1 - ex**2, 0, 1)) * np.sqrt(np.clip(np.sin(np.pi * t), 0, 1))
    normal = heightfield_normal(z, relief=width * 0.5)
    if stone is None:
        rgb = metal(metal_rgb, normalise(normal + 0.6 * _hammered(scene.rng, mask.shape, scale=width * 0.3)))
    else:
        glow = np.clip(0.6 * ex + 0.8 * (t - 0.4), 0, 1) ** 1.5
        rgb = stone * (0.32 + 0.5 * lambert(normal) + 0.45 * glow)[..., None]
        rgb = rgb + (0.9 * specular(normal, 90) + 0.2 * specular(normal, 8))[..., None]
    scene.paint(x0=x0, y0=y0, rgb=rgb, mask=mask)


SHAPES = {
    "ring": draw_ring,
    "hammered_ring": draw_ring,
    "stacking_rings": draw_stack,
    "bangle": draw_bangle,
    "hoops": draw_hoops,
    "necklace": draw_necklace,
    "bar_necklace": draw_necklace,
    "drops": draw_drops,
}
