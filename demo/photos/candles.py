"""Candles: poured into a glass jar or a travel tin with a printed label, hand-dipped
pillars and a pair of tapers in brass holders. Jars and pillars are shown lit."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from demo.photos.pottery import CLAYS, glaze_surface, profile
from demo.photos.render import (
    Body,
    Scene,
    colour,
    grid,
    lambert,
    metal,
    revolve,
    shade,
    smooth_noise,
    speckle,
)

WAX = (241, 233, 216)
STUDIO = "KILN & LOOM"


def _label_texture(*, text: str, width: int, height: int, paper: tuple[int, int, int]) -> np.ndarray:
    """A printed label, flat: the studio's name, the scent, and the small print."""
    img = Image.new("RGB", (width, height), paper)
    draw = ImageDraw.Draw(img)
    ink = (52, 46, 40)
    lines = [(STUDIO, 0.11, 0.2), (text.upper(), 0.16, 0.5), ("hand-poured soy wax", 0.085, 0.78)]
    for words, size, at in lines:
        font = ImageFont.load_default(size=max(8, int(height * size)))
        box = draw.textbbox((0, 0), words, font=font)
        tw = box[2] - box[0]
        if tw > width * 0.86:  # long scent names get a smaller size, never run off the label
            font = ImageFont.load_default(size=max(8, int(height * size * width * 0.86 / tw)))
            box = draw.textbbox((0, 0), words, font=font)
            tw = box[2] - box[0]
        draw.text(((width - tw) / 2, height * at - (box[3] - box[1]) / 2 - box[1]), words, fill=ink, font=font)
    draw.line([(width * 0.3, height * 0.33), (width * 0.7, height * 0.33)], fill=ink, width=max(1, height // 90))
    return np.asarray(img, dtype=np.float32) / 255.0


def _apply_label(
    body: Body, rgb: np.ndarray, *, texture: np.ndarray, t0: float, t1: float, half_angle: float
) -> np.ndarray:
    """Wrap the label round the body between heights t0 and t1, centred on the camera."""
    rows, cols = texture.shape[:2]
    on = body.mask & ~body.top & (body.t > t0) & (body.t < t1) & (np.abs(body.theta) < half_angle)
    ri = np.clip(((t1 - body.t) / (t1 - t0) * (rows - 1)).astype(np.int32), 0, rows - 1)
    ci = np.clip(((body.theta + half_angle) / (2 * half_angle) * (cols - 1)).astype(np.int32), 0, cols - 1)
    paper = texture[ri, ci]
    lit = shade(paper, body.normal, ambient=0.5, diffuse=0.55, gloss=0.05, power=20)
    return np.where(on[..., None], lit, rgb)


def _wax_top(
    scene: Scene,
    body: Body,
    rgb: np.ndarray,
    *,
    wax: np.ndarray,
    inner_wall: np.ndarray,
    wall: float,
    depth: float,
    lit: bool,
) -> np.ndarray:
    """Looking into the vessel: the far inside wall, then the wax surface with its melt pool."""
    r_in = body.top_r - wall
    inside = body.top & body.within(r=r_in, cy=body.top_y)
    surface = inside & body.within(r=r_in * 0.99, cy=body.top_y + depth)
    iu = (body.x - body.cx) / r_in
    iw = (body.y - body.top_y - depth) / (body.k * r_in)
    rho = np.sqrt(iu**2 + iw**2)
    pool = np.clip(1 - rho / 0.55, 0, 1) if lit else np.zeros_like(rho)
    flecks = speckle(scene.rng, body.mask.shape, density=0.004, dot=scene.size * 0.003)
    wax_light = 0.86 - 0.08 * iw + 0.05 * iu + 0.1 * pool - 0.12 * np.clip(rho - 0.85, 0, 1) / 0.15
    warm = np.array([1.0, 0.8, 0.5], dtype=np.float32)
    wax_rgb = wax * (wax_light * (1 - 0.1 * flecks))[..., None] + (0.25 * pool**2)[..., None] * warm
    wall_rgb = inner_wall * (0.55 + 0.25 * (iu + 1) / 2)[..., None]
    rgb = np.where(inside[..., None], wall_rgb, rgb)
    return np.where(surface[..., None], wax_rgb, rgb)


def _wick_and_flame(scene: Scene, *, cx: float, wax_y: float, lit: bool) -> None:
    s = scene.size
    wick_h = 0.022 * s
    x0, y0 = int(cx - 0.01 * s), int(wax_y - wick_h - 2)
    x, y = grid(x0, y0, int(0.02 * s), int(wick_h + 4))
    bend = ((wax_y - y) / wick_h) ** 2 * 0.004 * s
    wick = (np.abs(x - cx - bend) < 0.0028 * s) & (y < wax_y) & (y > wax_y - wick_h)
    shade_ = 0.12 + 0.1 * np.clip((x - cx - bend) / (0.003 * s), -1, 1)
    scene.paint(
        x0=x0,
        y0=y0,
        rgb=np.broadcast_to(shade_[..., None], wick.shape + (3,)) * np.array([1, 0.9, 0.8]),
        mask=wick,
        soften=0.8,
    )
    if not lit:
        return
    fh, fw = 0.085 * s, 0.019 * s
    fy = wax_y - wick_h * 0.6  # the flame's base sits on the wick's tip
    scene.glow(cx=cx, cy=fy - fh * 0.45, radius=0.07 * s, tint=(255, 190, 110), strength=0.28)
    x0, y0 = int(cx - fw * 1.6), int(fy - fh * 1.1)
    x, y = grid(x0, y0, int(fw * 3.2), int(fh * 1.2))
    t = np.clip((fy - y) / fh, 0, 1)  # 0 at the base, 1 at the tip
    half = fw * np.sin(np.pi * np.clip(t, 0, 1) ** 0.55) * (1 - t) ** 0.35
    ex = (x - cx) / np.maximum(half, 1e-3)
    flame = (np.abs(ex) < 1) & (y < fy) & (y > fy - fh)
    core = np.exp(-(ex**2) / 0.35 - ((t - 0.3) / 0.28) ** 2)
    rgb = (
        np.array([1.0, 0.62, 0.22]) * (0.75 + 0.25 * (1 - np.abs(ex)))[..., None]
        + np.array([0.15, 0.35, 0.55]) * core[..., None]
    )
    blue = np.exp(-(((t - 0.04) / 0.07) ** 2)) * np.clip(np.abs(ex), 0, 1)
    rgb = rgb * (1 - 0.6 * blue[..., None]) + np.array([0.3, 0.35, 0.8]) * (0.6 * blue[..., None])
    scene.paint(x0=x0, y0=y0, rgb=np.clip(rgb * 1.05, 0, 1), mask=flame, soften=2.0)


def draw_jar(scene: Scene, shot) -> None:
    """A candle poured into a tumbler of coloured glass, with a wrap-around label."""
    s, rng = scene.size, scene.rng
    height, radius, k = 0.4 * s, 0.2 * s, 0.24
    cx, base_y = 0.5 * s, 0.5 * s + 0.27 * s
    glass = colour(shot.colour)
    wax = colour(shot.accent or WAX)
    t = np.linspace(0, 1, 64)
    radii = radius * (1 - 0.05 * np.clip(1 - t / 0.04, 0, 1) ** 2 - 0.015 * t)
    scene.ground_shadow(cx=cx, base_y=base_y, rx=radius, ry=k * radius, height=height)
    body = revolve(cx=cx, base_y=base_y, height=height, radii=radii, k=k)
    variation = 1.0 + 0.03 * smooth_noise(rng, body.mask.shape, 6)
    rgb = shade(glass * variation[..., None], body.normal, ambient=0.5, diffuse=0.5, gloss=0.6, power=120, window=0.75)
    rgb = _apply_label(
        body,
        rgb,
        texture=_label_texture(text=shot.label or "Fig & Cedar", width=900, height=400, paper=(236, 229, 214)),
        t0=0.28,
        t1=0.7,
        half_angle=1.0,
    )
    depth = height * 0.14
    rgb = _wax_top(scene, body, rgb, wax=wax, inner_wall=glass * 0.9, wall=radius * 0.05, depth=depth, lit=True)
    rim = body.top & ~body.within(r=body.top_r - radius * 0.05, cy=body.top_y)
    rgb = np.where(rim[..., None], glass * 0.7 + 0.3, rgb)
    scene.paint(x0=body.x0, y0=body.y0, rgb=rgb, mask=body.mask)
    _wick_and_flame(scene, cx=cx, wax_y=body.top_y + depth, lit=True)


def draw_vessel(scene: Scene, shot) -> None:
    """A candle poured into a glazed stoneware cup, lit: the cup is for keeping afterwards."""
    s = scene.size
    height, radius, k = 0.34 * s, 0.21 * s, 0.26
    cx, base_y = 0.5 * s, 0.5 * s + 0.25 * s
    glaze = colour(shot.colour)
    radii = radius * profile([(0, 0.8), (0.05, 0.86), (0.2, 0.95), (0.6, 1.0), (1, 1.0)])
    scene.ground_shadow(cx=cx, base_y=base_y, rx=radii[0], ry=k * radii[0], height=height)
    body = revolve(cx=cx, base_y=base_y, height=height, radii=radii, k=k)
    clay, speck_density = CLAYS["stoneware"]
    rgb = glaze_surface(
        scene,
        body,
        glaze=glaze,
        clay=colour(clay),
        speck_density=speck_density,
        accent=None,
        height=height,
        radius=radius,
        foot=0.07,
    )
    depth = height * 0.12
    rgb = _wax_top(
        scene,
        body,
        rgb,
        wax=colour(shot.accent or WAX),
        inner_wall=glaze * 0.9,
        wall=radius * 0.05,
        depth=depth,
        lit=True,
    )
    rim = body.top & ~body.within(r=body.top_r - radius * 0.05, cy=body.top_y)
    rgb = np.where(rim[..., None], glaze * 0.85 + colour(clay) * 0.2, rgb)
    scene.paint(x0=body.x0, y0=body.y0, rgb=rgb, mask=body.mask)
    _wick_and_flame(scene, cx=cx, wax_y=body.top_y + depth, lit=True)


def draw_tin(scene: Scene, shot) -> None:
    """A travel candle in a round tin, its lid propped behind it, label on the side."""
    s = scene.size
    height, radius, k = 0.17 * s, 0.24 * s, 0.36
    cx, base_y = 0.46 * s, 0.5 * s + 0.18 * s
    tin = colour(shot.colour)
    wax = colour(shot.accent or WAX)
    # the lid, standing on its edge behind the tin
    lid_cx, lid_cy = cx + 0.13 * s, base_y - 0.26 * s
    scene.shadow(cx=lid_cx + 0.05 * s, cy=lid_cy + 0.2 * s, rx=0.22 * s, ry=0.05 * s, opacity=0.2, blur=0.02 * s)
    x0, y0, w, h = int(lid_cx - 0.25 * s), int(lid_cy - 0.25 * s), int(0.5 * s), int(0.5 * s)
    x, y = grid(x0, y0, w, h)
    ex, ey = (x - lid_cx) / (0.245 * s), (y - lid_cy) / (0.245 * s)
    rho = np.sqrt(ex**2 + ey**2) + 1e-6
    lid = rho < 1
    bevel = np.clip((rho - 0.9) / 0.1, 0, 1)
    normal = np.stack([ex / rho * bevel, -ey / rho * bevel, np.sqrt(1 - bevel**2) + 0.05], axis=-1)
    normal = normal / np.linalg.norm(normal, axis=-1, keepdims=True)
    lid_rgb = metal(tin, normal) * 0.92
    label = _label_texture(
        text=shot.label or "Sea Salt", width=int(0.3 * s), height=int(0.3 * s), paper=(238, 231, 216)
    )
    lx, ly = int(lid_cx - 0.15 * s) - x0, int(lid_cy - 0.15 * s) - y0
    round_label = ((x - lid_cx) ** 2 + (y - lid_cy) ** 2) < (0.15 * s) ** 2
    patch = np.zeros_like(lid_rgb)
    patch[ly : ly + label.shape[0], lx : lx + label.shape[1]] = label[: h - ly, : w - lx]
    lid_rgb = np.where(round_label[..., None], patch * (0.9 + 0.1 * lambert(normal))[..., None], lid_rgb)
    scene.paint(x0=x0, y0=y0, rgb=lid_rgb, mask=lid)

    scene.ground_shadow(cx=cx, base_y=base_y, rx=radius, ry=k * radius, height=height)
    t = np.linspace(0, 1, 32)
    radii = radius * (1 - 0.04 * np.clip(1 - t / 0.08, 0, 1) ** 2 + 0.01 * np.clip((t - 0.9) / 0.1, 0, 1))
    body = revolve(cx=cx, base_y=base_y, height=height, radii=radii, k=k)
    rgb = metal(tin, body.normal)
    depth = height * 0.18
    rgb = _wax_top(scene, body, rgb, wax=wax, inner_wall=tin * 0.75, wall=radius * 0.02, depth=depth, lit=False)
    rim = body.top & ~body.within(r=body.top_r - radius * 0.02, cy=body.top_y)
    rgb = np.where(rim[..., None], tin * 1.05 + 0.1, rgb)
    scene.paint(x0=body.x0, y0=body.y0, rgb=rgb, mask=body.mask)
    _wick_and_flame(scene, cx=cx, wax_y=body.top_y + depth, lit=False)


def draw_pillar(scene: Scene, shot) -> None:
    """A hand-dipped pillar, lit, glowing a little through its top edge."""
    s, rng = scene.size, scene.rng
    height, radius, k = 0.5 * s, 0.14 * s, 0.24
    cx, base_y = 0.5 * s, 0.5 * s + 0.3 * s
    wax = colour(shot.colour)
    t = np.linspace(0, 1, 64)
    radii = radius * (1 - 0.03 * np.clip(1 - t / 0.03, 0, 1) - 0.06 * np.clip((t - 0.97) / 0.03, 0, 1) ** 2)
    scene.ground_shadow(cx=cx, base_y=base_y, rx=radius, ry=k * radius, height=height)
    body = revolve(cx=cx, base_y=base_y, height=height, radii=radii, k=k)
    layers = 1.0 + 0.012 * np.sin(body.t * 140 + 3 * smooth_noise(rng, body.mask.shape, 5))  # dipping rings
    glow = np.clip((body.t - 0.8) / 0.2, 0, 1) ** 2
    rgb = shade(wax * layers[..., None], body.normal, ambient=0.6, diffuse=0.45, gloss=0.06, power=12)
    rgb = rgb + (0.22 * glow)[..., None] * np.array([1.0, 0.75, 0.45])
    iu = (body.x - body.cx) / body.top_r
    iw = (body.y - body.top_y) / (k * body.top_r)
    rho = np.sqrt(iu**2 + iw**2)
    top_rgb = wax * (0.9 + 0.08 * np.clip(1 - rho, 0, 1) - 0.05 * iw)[..., None] + (
        0.18 * np.clip(1 - rho / 0.6, 0, 1) ** 2
    )[..., None] * np.array([1.0, 0.8, 0.5])
    rgb = np.where(body.top[..., None], top_rgb, rgb)
    scene.paint(x0=body.x0, y0=body.y0, rgb=rgb, mask=body.mask)
    _wick_and_flame(scene, cx=cx, wax_y=body.top_y + 0.004 * s, lit=True)


def draw_tapers(scene: Scene, shot) -> None:
    """A pair of dinner tapers standing in turned brass holders."""
    s, rng = scene.size, scene.rng
    wax = colour(shot.colour)
    brass = colour((190, 156, 88))
    for dx, lift in ((-0.12, 0.0), (0.12, 0.03)):
        cx, base_y = (0.5 + dx) * s, 0.84 * s - lift * s
        hr, k = 0.09 * s, 0.3
        scene.ground_shadow(cx=cx, base_y=base_y, rx=hr, ry=k * hr, height=0.6 * s)
        holder = revolve(
            cx=cx,
            base_y=base_y,
            height=0.09 * s,
            k=k,
            radii=hr * np.array([1.0, 0.98, 0.6, 0.34, 0.3, 0.34, 0.42, 0.44]),
        )
        rgb = metal(brass, holder.normal)
        scene.paint(x0=holder.x0, y0=holder.y0, rgb=rgb, mask=holder.mask)
        t = np.linspace(0, 1, 64)
        tip = np.where(t > 0.96, np.sqrt(np.clip((1 - t) / 0.04, 0, 1)) * 0.6 + 0.4, 1.0)
        radii = 0.026 * s * (1 - 0.35 * t) * tip
        taper = revolve(cx=cx, base_y=holder.top_y + 0.01 * s, height=0.55 * s, radii=radii, k=k)
        tint = 1.0 + 0.02 * smooth_noise(rng, taper.mask.shape, 4)
        trgb = shade(wax * tint[..., None], taper.normal, ambient=0.6, diffuse=0.45, gloss=0.08, power=14)
        scene.paint(x0=taper.x0, y0=taper.y0, rgb=trgb, mask=taper.mask)
        _wick_and_flame(scene, cx=cx, wax_y=taper.top_y + 0.004 * s, lit=False)


SHAPES = {
    "jar_candle": draw_jar,
    "vessel_candle": draw_vessel,
    "tin_candle": draw_tin,
    "pillar_candle": draw_pillar,
    "taper_candles": draw_tapers,
}
