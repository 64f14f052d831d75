"""Rebuild the cut-out evaluation set in this folder: `.venv/bin/python tests/data/cutout/build.py`
(`… build.py --only side_plate,hoops` for some cases only).

Real photographs come from scikit-image's bundled images (skimage.data, loaded
offline); their masks are traced here by hand as polygons, in the photo's own
pixel coordinates. Rendered cases come from the demo's product-shot renderer
(demo.photos) with its exact mask: every pixel the renderer paints as part of
the object (Scene.paint) is product; shadows and a flame's glow are not.
README.md beside this file says where each case comes from.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
RENDER_SIZE = 1024

# The espresso cup, saucer and spoon of skimage.data.coffee() (600 × 400): the outline of their union,
# clockwise from the cup's rim, traced on a 10 px grid at 3× zoom.
COFFEE = [
    (300, 20), (333, 25), (360, 37), (380, 57), (397, 83), (398, 72), (410, 68), (423, 77), (420, 93),
    (415, 110), (433, 120), (450, 140), (463, 163), (473, 200), (477, 233), (473, 267), (463, 297),
    (447, 323), (423, 347), (397, 367), (360, 380), (320, 388), (300, 390), (277, 390), (237, 383),
    (203, 373), (177, 360), (147, 340), (120, 313), (100, 287), (87, 260), (78, 233), (77, 200),
    (78, 173), (83, 150), (93, 123), (110, 103), (143, 83), (177, 72), (187, 63), (210, 37), (247, 18),
    (280, 15),
]  # fmt: skip

# name: (shape, colour, accent, label, seed): the demo's hard cases.
RENDERED = {
    "white_mug": ("mug", (244, 238, 224), None, "", 3),  # ivory glaze on white paper
    "moon_jar": ("moon_vase", (238, 234, 226), None, "", 5),  # porcelain on white paper
    "labelled_jar": ("jar_candle", (142, 78, 32), None, "Fig & Cedar", 7),  # amber glass, paper label, flame
    "tin": ("tin_candle", (200, 201, 204), None, "Sea Salt & Sage", 11),  # tin with a lid label
    "pillar_flame": ("pillar_candle", (244, 238, 224), None, "", 13),  # ivory wax, a lit flame and its glow
    "chain": ("necklace", (202, 203, 206), None, "", 17),  # a fine silver chain
    "striped_cushion": ("cushion", (234, 226, 208), (44, 54, 84), "", 19),  # cream with navy stripes
    "pendant_loop": ("necklace", (202, 203, 206), (214, 222, 232), "", 1029),  # backdrop inside a chain's loop
    "garnet_ring": ("ring", (214, 176, 100), (120, 26, 36), "", 1025),  # backdrop and shadow inside a ring
    # The demo studio's own shots (seed 7) that its contact sheets flagged (issue 12):
    "side_plate": ("plate", (216, 204, 182), None, "", 7000091),  # a cream rim on pale paper
    "bangle": ("bangle", (190, 156, 86), None, "", 7000281),  # paper under the band, split off by its shadow
    "hoops": ("hoops", (202, 203, 206), None, "", 7000291),  # a pair of silver hoops and their shadows
}


def coffee() -> tuple[Image.Image, Image.Image]:
    from skimage import data

    photo = Image.fromarray(data.coffee())
    mask = Image.new("L", photo.size, 0)
    ImageDraw.Draw(mask).polygon(COFFEE, fill=255)
    return photo, mask


def rendered(shape: str, colour, accent, label: str, seed: int) -> tuple[bytes, Image.Image]:
    """The demo's JPEG of one shot and the mask of every pixel painted as the object."""
    from demo.photos import Shot, render_photo
    from demo.photos.render import Scene

    truth = np.zeros((RENDER_SIZE, RENDER_SIZE), dtype=bool)
    paint = Scene.paint

    def recording(scene, *, x0: int, y0: int, rgb, mask, soften: float = 0.9) -> None:
        h, w = mask.shape
        cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(scene.size, x0 + w), min(scene.size, y0 + h)
        if cx1 > cx0 and cy1 > cy0:
            truth[cy0:cy1, cx0:cx1] |= mask[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0].astype(bool)
        paint(scene, x0=x0, y0=y0, rgb=rgb, mask=mask, soften=soften)

    Scene.paint = recording
    try:
        content = render_photo(
            shot=Shot(shape=shape, colour=colour, accent=accent, label=label), seed=seed, size=RENDER_SIZE, quality=92
        )
    finally:
        Scene.paint = paint
    return content, Image.fromarray(truth.astype(np.uint8) * 255, "L")


def main() -> None:
    sys.path.insert(0, str(HERE.parents[2]))
    only = sys.argv[2].split(",") if len(sys.argv) > 2 and sys.argv[1] == "--only" else None
    if only is None:
        _, mask = coffee()
        mask.save(HERE / "coffee.mask.png", optimize=True)
    for name, spec in RENDERED.items():
        if only is not None and name not in only:
            continue
        content, mask = rendered(*spec)
        (HERE / f"{name}.jpg").write_bytes(content)
        mask.save(HERE / f"{name}.mask.png", optimize=True)
        with Image.open(io.BytesIO(content)) as image:
            print(f"{name}: {image.size[0]} × {image.size[1]}, product {np.mean(np.asarray(mask) > 0):.1%}")


if __name__ == "__main__":
    main()
