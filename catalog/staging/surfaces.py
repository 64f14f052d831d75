"""Procedural backdrops: a wall and a tabletop (or one seamless sweep), made from a seed.

Fast because nothing is computed per pixel in Python: smooth noise is a small
random grid enlarged by Pillow (bicubic), thread, grain and vein patterns are
vectorised numpy on whole rows and columns, terrazzo chips are drawn by
Pillow, and the tabletop is rendered flat (as seen from above) and laid into
perspective by one Pillow transform. The same seed gives the same pixels;
every material's features scale with the canvas, so a look reads the same at
1024 and at 4472 px.

Images are float32 planes, shape (3, height, width), values 0..1: numpy is
several times faster on whole planes than on a trailing axis of 3. The
compositor lights, grades and quantises them.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from catalog.staging.looks import LookSpec

Planes = np.ndarray
PERSPECTIVE_RATIO = 1.6  # the far edge of the table shows this many times the width of the near edge
FLAT_DENSITY = 0.75  # flat-texture pixels per output pixel at the near edge (the front is soft anyway)
FLAT_DEPTH = 1.5  # flat-texture rows per output row of the tabletop (foreshortening)
TRANSITION = 0.003  # the horizon's soft blend, as a share of the height
STRIP_ROWS = 128  # rows worked at a time where whole-canvas temporaries would cost more memory than they save


def hex_rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float32) / 255.0


class Backdrop:
    """A look's backdrop before its light and grade: the wall and the tabletop, kept apart.

    The compositor lights, grades and quantises it a strip of rows at a time (`rows`), so the
    canvas is never held as one more set of float planes: joining wall and table into a single
    array, then the shading's and the dither's whole-canvas temporaries, cost ~100 MiB and, in
    fresh pages, more time than the arithmetic. Seamless looks have a wall and no table.
    """

    def __init__(self, wall: Planes, table: Tabletop | None = None) -> None:
        self.wall, self.table = wall, table
        self.horizon_y = None if table is None else wall.shape[1]
        self.width = wall.shape[2]
        self.height = wall.shape[1] + (0 if table is None else table.height)
        if table is not None:
            self._seam, self._seam_t, self._light = _seam_and_light(self.horizon_y, self.height)
            self._table_top = table.rows(0, 1)[:, 0]

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    def rows(self, start: int, stop: int) -> Planes:
        """Rows start..stop of the backdrop as new float planes: wall over table, seam blended, light fallen off."""
        if self.table is None:
            return self.wall[:, start:stop].copy()
        horizon_y = self.horizon_y
        strip = np.empty((3, stop - start, self.width), np.float32)
        split = min(max(horizon_y, start), stop)
        strip[:, : split - start] = self.wall[:, start:split]
        if stop > split:
            strip[:, split - start :] = self.table.rows(split - horizon_y, stop - horizon_y)
        # Across the seam the wall's last row fades into the table's first row.
        first, last = max(self._seam.start, start), min(self._seam.stop, stop)
        for row in range(first, last):
            t = self._seam_t[row - self._seam.start]
            here = strip[:, row - start]
            wall_side, table_side = (here, self._table_top) if row < horizon_y else (self.wall[:, -1], here)
            strip[:, row - start] = wall_side * (1 - t) + table_side * t
        strip *= self._light[None, start:stop, None]
        return strip


def _seam_and_light(horizon_y: int, height: int) -> tuple[slice, np.ndarray, np.ndarray]:
    """The rows of the soft seam and their blend (0 wall … 1 table), and the light's fall-off for every row."""
    band = max(TRANSITION * height, 1.5)
    rows = np.arange(height, dtype=np.float32)
    seam = slice(max(int(horizon_y - band), 0), min(int(np.ceil(horizon_y + band)), height))
    t = np.clip((rows[seam] - horizon_y + band) / (2 * band), 0, 1)
    distance = np.abs(rows - horizon_y) / height
    up = np.clip(1 - rows / max(horizon_y, 1), 0, 1)
    down = np.clip((rows - horizon_y) / max(height - horizon_y, 1), 0, 1)
    light = (1.0 - 0.07 * np.exp(-distance / 0.02)) * (1.0 - 0.06 * up**1.5) * (1.0 - 0.05 * down**2)
    return seam, t, light.astype(np.float32)


def render_backdrop(
    look: LookSpec, size: tuple[int, int], seed: int, *, horizon_y: int | None, focus_y: int | None = None
) -> Backdrop:
    """The look's backdrop at `size` (width, height): wall above `horizon_y`, tabletop below it.

    `focus_y` is the row the product stands on: the table is sharpest there and
    softens towards the back, as with a real lens; the wall, further still, softer.
    """
    width, height = size
    unit = max(width, height) / 2048
    wall_seed, surface_seed = np.random.SeedSequence(seed).spawn(2)
    b = look.backdrop
    if horizon_y is None:
        return Backdrop(
            material(
                b.kind, b.colour, b.colour_2, width, height, np.random.default_rng(wall_seed), unit=unit, angle=b.angle
            )
        )
    horizon_y = int(np.clip(horizon_y, 1, height - 1))
    wall_rng = np.random.default_rng(wall_seed)
    if b.kind in {"colour", "gradient"}:  # smooth already: cheap at full size
        wall = material(b.kind, b.colour, b.colour_2, width, horizon_y, wall_rng, unit=unit, angle=b.angle)
    else:  # a textured wall is behind the focus: render it at half size and let enlarging soften it
        wall = material(
            b.kind,
            b.colour,
            b.colour_2,
            max(width // 2, 1),
            max(horizon_y // 2, 1),
            wall_rng,
            unit=unit / 2,
            angle=b.angle,
        )
        wall = enlarge(wall, (width, horizon_y))
    s = look.surface
    table = _tabletop(
        s.material,
        s.colour,
        s.colour_2,
        width,
        height - horizon_y,
        np.random.default_rng(surface_seed),
        unit=unit,
        focus_row=None if focus_y is None else focus_y - horizon_y,
    )
    return Backdrop(wall, table)


# --- Helpers ----------------------------------------------------------------------------


def mix(c1: np.ndarray, c2: np.ndarray, t: np.ndarray) -> Planes:
    """Planes of colour c1 where t is 0, c2 where t is 1."""
    out = np.empty((3, *t.shape), np.float32)
    for channel in range(3):
        np.multiply(t, c2[channel] - c1[channel], out=out[channel])
        out[channel] += c1[channel]
    return out


def noise(rng: np.random.Generator, width: int, height: int, cells_x: int, cells_y: int) -> np.ndarray:
    """Smooth value noise in 0..1: a (cells_y × cells_x) random grid enlarged bicubically."""
    grid = rng.random((max(cells_y, 1) + 3, max(cells_x, 1) + 3), dtype=np.float32)
    box = (1.0, 1.0, grid.shape[1] - 2.0, grid.shape[0] - 2.0)
    return np.asarray(Image.fromarray(grid, "F").resize((width, height), Image.Resampling.BICUBIC, box=box))


def fbm(
    rng: np.random.Generator, width: int, height: int, cells: int, octaves: int = 4, *, turbulent: bool = False
) -> np.ndarray:
    """Fractal noise (octaves of value noise), summed small and enlarged once; about 0..1.

    `turbulent` folds each octave (|n - 0.5|), which gives marble its creased look.
    """
    small_w, small_h = max(width // 4, 8), max(height // 4, 8)
    aspect = width / max(height, 1)
    total, weight = np.zeros((small_h, small_w), np.float32), 0.0
    for octave in range(octaves):
        c = cells * 2**octave
        layer = noise(rng, small_w, small_h, max(round(c * aspect), 1), c)
        total += (np.abs(layer - 0.5) * 2 if turbulent else layer) * 0.5**octave
        weight += 0.5**octave
    return enlarge(total / weight, (width, height))


def enlarge(values: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bicubic resize of a plane (2-D) or of planes (3-D, channels first) to (width, height)."""
    if values.ndim == 3:
        return np.stack([enlarge(plane, size) for plane in values])
    if values.shape[::-1] == tuple(size):
        return values
    plane = Image.fromarray(values.astype(np.float32, copy=False), "F")
    return np.asarray(plane.resize(size, Image.Resampling.BICUBIC))


def to_image(planes: Planes, rng: np.random.Generator) -> Image.Image:
    """0..1 planes to an 8-bit RGB image, dithered so smooth gradients don't band."""
    dither = rng.random(planes.shape[1:], dtype=np.float32)
    bands = [Image.fromarray(np.clip(plane * 255.0 + dither, 0, 255).astype(np.uint8), "L") for plane in planes]
    return Image.merge("RGB", bands)


def from_image(image: Image.Image) -> Planes:
    return np.stack([np.asarray(band, dtype=np.float32) for band in image.split()]) / 255.0


# --- Materials (flat) ---------------------------------------------------------------------


def material(
    kind: str,
    colour: str,
    colour_2: str,
    width: int,
    height: int,
    rng: np.random.Generator,
    *,
    unit: float = 1.0,
    angle: float = 90.0,
) -> Planes:
    """A flat `width` × `height` patch of a backdrop kind; `unit` scales its features (1.0 at 2048 px)."""
    c1, c2 = hex_rgb(colour), hex_rgb(colour_2)
    if kind == "gradient":
        return _gradient(c1, c2, width, height, angle, rng)
    maker = {"colour": _plain, "linen": _linen, "oak": _oak, "marble": _marble, "terrazzo": _terrazzo}[kind]
    return maker(c1, c2, width, height, rng, max(unit, 0.25))


def _plain(c1, c2, width: int, height: int, rng, unit: float) -> Planes:
    shade = 1.0 + 0.035 * (fbm(rng, width, height, 3, 3) - 0.5)
    return c1[:, None, None] * shade[None]


def _gradient(c1, c2, width: int, height: int, angle: float, rng) -> Planes:
    theta = float(np.deg2rad(angle))
    cos, sin = np.float32(np.cos(theta)), np.float32(np.sin(theta))
    xs = (np.arange(width, dtype=np.float32) - width / 2)[None, :]
    ys = (np.arange(height, dtype=np.float32) - height / 2)[:, None]
    extent = np.float32(abs(cos) * width + abs(sin) * height)
    t = np.clip((xs * cos + ys * sin) / max(extent, 1) + 0.5, 0, 1)
    t = t * t * (3 - 2 * t)  # eased ends, like light falling off a paper sweep
    return mix(c1, c2, t) * (1.0 + 0.02 * (fbm(rng, width, height, 3, 3) - 0.5))


def _linen(c1, c2, width: int, height: int, rng, unit: float) -> Planes:
    """Plain weave: warp and weft threads over one, under one, each its own tone, with slubs."""
    period = max(5.5 * unit, 3.0)

    def threads(length: int, across: int) -> tuple[np.ndarray, np.ndarray]:
        """(brightness, shape (length, across); thread id per position) for one direction of threads."""
        position = np.arange(length, dtype=np.float32)
        ids = np.floor(position / period).astype(np.int32)
        profile = 0.45 + 0.55 * np.sin(np.pi * (position / period - ids))  # a round thread: crown and gap
        count = int(ids.max()) + 1
        tone = rng.normal(0.0, 0.09, count).astype(np.float32)
        # Slubs: a thread thickens and brightens along its length, independently of its neighbours.
        slub_grid = rng.random((count, max(int(across / (45 * period)), 2)), dtype=np.float32)
        slub = np.asarray(Image.fromarray(slub_grid, "F").resize((across, count), Image.Resampling.BICUBIC))
        slub = np.clip((slub - 0.55) * 2.2, 0, 1) ** 2 * 0.25
        return (profile * (1 + tone[ids]))[:, None] + slub[ids], ids

    weft, weft_ids = threads(height, width)
    warp, warp_ids = threads(width, height)
    over = ((weft_ids[:, None] + warp_ids[None, :]) & 1).astype(bool)
    value = np.where(over, np.ascontiguousarray(warp.T), weft)
    fibre = mix(c1, c2, np.clip(0.55 - 0.5 * value, 0, 1))
    return fibre * (0.8 + 0.28 * value + 0.06 * (fbm(rng, width, height, 4, 3) - 0.5))


def _oak(c1, c2, width: int, height: int, rng, unit: float) -> Planes:
    """Boards running left to right: growth rings cut into cathedral arches, pore streaks, seams, butt joints.

    The random draws come first, in a fixed order; the per-pixel work then runs STRIP_ROWS rows at a time
    (its dozen whole-texture temporaries were the compositor's peak memory, ~130 MiB at 2048 px).
    """
    plank = max(int(330 * unit), 24)
    rows = np.arange(height)
    board = (rows // plank).astype(np.int32)
    boards = int(board.max()) + 1
    xs = np.arange(width, dtype=np.float32)[None, :]
    # Each board is cut from its own log: where its arches peak, how tight its rings are, its tone.
    centre = (rng.uniform(0.0, 1.0, boards) * width).astype(np.float32)
    reach = (rng.uniform(0.45, 1.2, boards) * width).astype(np.float32)
    depth = rng.uniform(0.4, 1.6, boards).astype(np.float32) * plank
    phase = rng.uniform(0, 1, boards).astype(np.float32)
    tone = rng.normal(0.0, 0.08, boards).astype(np.float32)
    ring = (max(16.0 * unit, 3.0) * rng.uniform(0.7, 1.5, boards)).astype(np.float32)

    bend = (fbm(rng, width, height, 2, 3) - 0.5) * np.float32(0.18 * plank)
    local_y = (rows - board * plank).astype(np.float32)[:, None]
    uneven = (noise(rng, 1, height, 1, max(int(height / (3 * ring.mean())), 2))[:, :1] - 0.5) * ring.mean() * 2.5
    ring_shade = rng.uniform(0.25, 1.0, 97).astype(np.float32)  # no two rings alike
    pores = noise(rng, width, height, max(int(width / (160 * unit)), 2), max(int(height / (1.5 * unit)), 2))
    figure = fbm(rng, width, height, 3, 3)
    seam_width = np.float32(max(1.3 * unit, 0.7))
    joint_x = np.where(rng.random(boards) < 0.5, rng.uniform(0.1, 0.9, boards) * width, -1e6).astype(np.float32)

    wood = np.empty((3, height, width), np.float32)
    for start in range(0, height, STRIP_ROWS):
        at = slice(start, min(start + STRIP_ROWS, height))
        b, y = board[at], local_y[at]
        # Cathedral: rings cut at a slant show as nested arches; flatter (straight grain) away from the peak.
        distance = (xs - centre[b][:, None]) / reach[b][:, None]
        arch = depth[b][:, None] / (1.0 + distance * distance)
        rings = (y + uneven[at] - arch + bend[at]) / ring[b][:, None] + phase[b][:, None]
        which = np.floor(rings)
        t = rings - which
        latewood = np.clip(2.2 * t - 1.2, 0, 1)
        latewood *= latewood
        latewood *= ring_shade[which.astype(np.int32) % 97]
        strip_pores = np.clip((pores[at] - 0.6) * 3.0, 0, 1)
        darkness = np.clip(
            0.3 + 0.4 * latewood + 0.3 * strip_pores * (0.4 + latewood) + tone[b][:, None] + 0.2 * (figure[at] - 0.5),
            0,
            1,
        )
        seam = np.exp(-((np.minimum(y, plank - 1 - y) / seam_width) ** 2))
        joint = np.exp(-(((xs - joint_x[b][:, None]) / seam_width) ** 2))
        wood[:, at] = mix(c1, c2, darkness) * (1.0 - 0.5 * np.maximum(seam, joint))
    return wood


def _marble(c1, c2, width: int, height: int, rng, unit: float) -> Planes:
    """Veins: sine ridges bent by turbulence and sharpened, a faint haze around them, fine veins across."""
    turbulence = fbm(rng, width, height, 3, 5, turbulent=True)
    cloud = fbm(rng, width, height, 3, 4)
    xs = np.arange(width, dtype=np.float32)[None, :]
    ys = np.arange(height, dtype=np.float32)[:, None]
    span = np.float32(max(width, height))

    def ridge(angle: float, period: float, twist: float) -> np.ndarray:
        a = np.deg2rad(angle)
        across = xs * np.float32(np.cos(a)) + ys * np.float32(np.sin(a))
        return 1.0 - np.abs(np.sin(across * np.float32(np.pi / (period * span)) + np.float32(twist) * turbulence))

    angle = float(rng.uniform(25, 65))
    main = ridge(angle, float(rng.uniform(0.3, 0.45)), 1.6)
    fine = ridge(angle + float(rng.uniform(55, 90)), float(rng.uniform(0.12, 0.2)), 2.4)
    halo = main * main
    halo *= halo  # main ** 4: a faint haze either side of the vein
    core = halo * halo
    core *= core
    core *= halo  # main ** 20: the vein itself
    for _ in range(6):
        fine *= fine  # fine ** 64: hairlines
    veins = np.clip(0.85 * core + 0.2 * halo + 0.4 * fine + 0.1 * (cloud - 0.5), 0, 1)
    stone = mix(c1, c2, veins)
    return stone * (1.0 - 0.04 * (cloud - 0.5))


def _terrazzo(c1, c2, width: int, height: int, rng, unit: float) -> Planes:
    """Chips of a few colours set in a pale binder, with fine speckle."""
    palette = np.stack(
        [
            c2,
            c2 * 0.72,
            np.full(3, 0.45, np.float32),
            np.full(3, 0.2, np.float32),
            np.clip(c1 * 1.05, 0, 1),
            (c2 + 0.3) / 1.3,
        ]
    )
    share = [0.3, 0.15, 0.2, 0.1, 0.1, 0.15]
    base = Image.new("RGB", (width, height), tuple(int(v * 255) for v in c1))
    draw = ImageDraw.Draw(base)
    for radius, density, sides in ((16 * unit, 0.4, 7), (5 * unit, 0.18, 5)):
        count = int(width * height * density / (np.pi * radius * radius))
        centres = rng.random((count, 1, 2)) * (width, height)
        angles = rng.random((count, 1)) * 2 * np.pi + np.sort(rng.random((count, sides)), axis=1) * 2 * np.pi
        radii = radius * rng.lognormal(0.0, 0.35, (count, 1)) * rng.uniform(0.75, 1.0, (count, sides))
        squash = rng.uniform(0.65, 1.0, (count, 1))
        points = centres + np.stack([radii * np.cos(angles), radii * squash * np.sin(angles)], axis=-1)
        shade = rng.normal(1.0, 0.08, (count, 1)) + rng.normal(0.0, 0.012, (count, 3))
        fills = np.clip(palette[rng.choice(len(palette), count, p=share)] * shade * 255, 0, 255).astype(np.uint8)
        for outline, fill in zip(points.reshape(count, -1).tolist(), map(tuple, fills.tolist()), strict=True):
            draw.polygon(outline, fill=fill)
    stone = from_image(base)
    speckle = rng.random((height, width), dtype=np.float32) > 0.985
    return stone * (1.0 - 0.3 * speckle) * (1.0 + 0.04 * (fbm(rng, width, height, 3, 3) - 0.5))


# --- The tabletop in perspective, and the join ------------------------------------------


def _tabletop(
    kind: str, colour: str, colour_2: str, width: int, height: int, rng, *, unit: float, focus_row: int | None
) -> Tabletop:
    flat_w = max(int(width * FLAT_DENSITY * PERSPECTIVE_RATIO), 8)
    flat_h = max(int(height * FLAT_DEPTH * FLAT_DENSITY), 8)
    flat = to_image(material(kind, colour, colour_2, flat_w, flat_h, rng, unit=unit * FLAT_DENSITY), rng)
    near = flat_w / PERSPECTIVE_RATIO
    coefficients = _homography(
        [(0, 0), (width, 0), (width, height), (0, height)],
        [(0, 0), (flat_w, 0), ((flat_w + near) / 2, flat_h), ((flat_w - near) / 2, flat_h)],
    )
    table = flat.transform((width, height), Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BILINEAR)
    # Depth of field: sharp at the product's row, softer towards the back (and a little towards the front).
    soft = table.reduce(4).resize(table.size, Image.Resampling.BICUBIC)
    rows = np.arange(height, dtype=np.float32)
    focus = height * 0.5 if focus_row is None else float(np.clip(focus_row, 0, height))
    behind = np.clip((focus - rows) / max(focus, 1), 0, 1) ** 1.2
    front = np.clip((rows - focus) / max(height - focus, 1), 0, 1) ** 2 * 0.35
    return Tabletop(table, soft, np.maximum(behind, front))


class Tabletop:
    """The tabletop in perspective, sharp and softened (8-bit), and how far each row leans to the soft one.

    Blended a strip of rows at a time, when the compositor asks for them: the blend as float planes of
    the whole table, and its temporaries, were ~70 MiB at 2048 px.
    """

    def __init__(self, sharp: Image.Image, soft: Image.Image, blur: np.ndarray) -> None:
        self.sharp, self.soft, self.blur = np.asarray(sharp), np.asarray(soft), blur
        self.height = self.sharp.shape[0]

    def rows(self, start: int, stop: int) -> Planes:
        sharp = _planes(self.sharp[start:stop])
        return sharp + (_planes(self.soft[start:stop]) - sharp) * self.blur[None, start:stop, None]


def _planes(pixels: np.ndarray) -> Planes:
    """(h, w, 3) bytes as 0..1 float planes (3, h, w), as from_image makes them."""
    return np.stack([pixels[..., c].astype(np.float32) for c in range(3)]) / 255.0


def _homography(output: list[tuple[float, float]], source: list[tuple[float, float]]) -> tuple[float, ...]:
    """Pillow's PERSPECTIVE coefficients mapping each output corner onto its source corner."""
    rows, values = [], []
    for (x, y), (u, v) in zip(output, source, strict=True):
        rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
        values += [u, v]
    return tuple(float(c) for c in np.linalg.solve(np.array(rows, float), np.array(values, float)))
