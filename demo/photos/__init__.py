"""Procedural product shots for the demo studio.

Each shot is one object on a paper backdrop under a softbox: a glazed mug or
vase, a folded cloth with a woven texture, a ring or necklace, a candle. Colours
come from the variant's colourway; small details (glaze runs, specks, creases,
hammer marks) come from the seed, so the same seed draws the same pixels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from demo.photos.render import RGB, Scene

BACKDROPS: list[RGB] = [(243, 239, 232), (238, 237, 234), (241, 236, 229), (235, 237, 232), (244, 238, 234)]


@dataclass(frozen=True)
class Shot:
    """What to draw: a shape name, the colourway, an optional second colour and label text."""

    shape: str
    colour: RGB
    accent: RGB | None = None
    label: str = ""


def _shapes() -> dict[str, Callable[[Scene, Shot], None]]:
    from demo.photos import candles, jewellery, pottery, textiles

    return {**pottery.SHAPES, **textiles.SHAPES, **jewellery.SHAPES, **candles.SHAPES}


def shape_names() -> list[str]:
    return sorted(_shapes())


def render_photo(*, shot: Shot, seed: int, size: int = 2000, quality: int = 88) -> bytes:
    """A JPEG product shot, size × size pixels; the same seed gives the same bytes."""
    shapes = _shapes()
    if shot.shape not in shapes:
        raise ValueError(f"No drawing for shape {shot.shape!r}; known: {', '.join(sorted(shapes))}.")
    rng = np.random.default_rng(seed)
    scene = Scene(size=size, tone=BACKDROPS[int(rng.integers(len(BACKDROPS)))], rng=rng)
    shapes[shot.shape](scene, shot)
    return scene.jpeg(quality=quality)
