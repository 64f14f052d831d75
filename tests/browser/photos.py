"""Small product photos drawn with Pillow, so the browser tests' catalogue looks like a shop.

Each is a simple still life (an object on a table, lit from the upper left), made
at twice the size and scaled down for smooth edges. Deterministic: the same
arguments always give the same bytes, so photo_add() de-duplicates them.
"""

from __future__ import annotations

import copy
import functools
import io
import random

from PIL import Image, ImageDraw, ImageFilter

SIZE = 720
S = 2  # supersampling factor


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return tuple(int(value[i : i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]


def _mix(a, b, t: float):
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def _backdrop(wall: str, table: str) -> Image.Image:
    size = SIZE * S
    image = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(image)
    wall_rgb, table_rgb = _rgb(wall), _rgb(table)
    horizon = int(size * 0.66)
    for y in range(size):
        if y < horizon:
            colour = _mix(_mix(wall_rgb, (255, 255, 255), 0.25), wall_rgb, y / horizon)
        else:
            colour = _mix(table_rgb, _mix(table_rgb, (0, 0, 0), 0.12), (y - horizon) / (size - horizon))
        draw.line([(0, y), (size, y)], fill=colour)
    return image


def _shadow(image: Image.Image, box: tuple[int, int, int, int], strength: int = 90) -> None:
    layer = Image.new("L", image.size, 0)
    ImageDraw.Draw(layer).ellipse([v * S for v in box], fill=strength)
    layer = layer.filter(ImageFilter.GaussianBlur(18 * S))
    image.paste((40, 30, 25), mask=layer)


def _speckle(
    image: Image.Image, box: tuple[int, int, int, int], seed: int, colour=(60, 45, 35), count: int = 220
) -> None:
    rng = random.Random(seed)
    draw = ImageDraw.Draw(image)
    x0, y0, x1, y1 = (v * S for v in box)
    for _ in range(count):
        x, y = rng.randint(x0, x1), rng.randint(y0, y1)
        r = rng.choice([1, 1, 2, 2, 3])
        draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)


def _finish(image: Image.Image) -> bytes:
    image = image.resize((SIZE, SIZE), Image.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=84, optimize=True)
    return buffer.getvalue()


def _sc(*values: float) -> list[int]:
    return [round(v * S) for v in values]


def mug(glaze: str, wall: str = "#efe6da", table: str = "#c9b59b", seed: int = 1) -> bytes:
    image = _backdrop(wall, table)
    _shadow(image, (220, 540, 560, 610))
    draw = ImageDraw.Draw(image)
    body, dark = _rgb(glaze), _mix(_rgb(glaze), (0, 0, 0), 0.25)
    draw.rounded_rectangle(_sc(470, 330, 600, 500), radius=60 * S, outline=dark, width=30 * S)
    draw.rounded_rectangle(_sc(230, 260, 500, 580), radius=38 * S, fill=body)
    draw.rectangle(_sc(230, 500, 500, 580), fill=_mix(_rgb("#d9c3a5"), body, 0.15))  # unglazed foot
    draw.ellipse(_sc(230, 238, 500, 284), fill=dark)
    draw.ellipse(_sc(244, 246, 486, 278), fill=_mix(body, (255, 255, 255), 0.1))
    draw.rounded_rectangle(_sc(262, 300, 292, 470), radius=14 * S, fill=_mix(body, (255, 255, 255), 0.35))
    _speckle(image, (240, 290, 490, 500), seed)
    return _finish(image)


def bowl(glaze: str, wall: str = "#ece4d8", table: str = "#b99f80", seed: int = 2) -> bytes:
    image = _backdrop(wall, table)
    _shadow(image, (160, 520, 560, 600))
    draw = ImageDraw.Draw(image)
    body = _rgb(glaze)
    draw.pieslice(_sc(150, 200, 570, 600), start=0, end=180, fill=body)
    draw.ellipse(_sc(150, 360, 570, 440), fill=_mix(body, (0, 0, 0), 0.3))
    draw.ellipse(_sc(165, 368, 555, 432), fill=_mix(body, (255, 255, 255), 0.18))
    draw.rectangle(_sc(300, 580, 420, 596), fill=_rgb("#d8c2a4"))
    draw.arc(_sc(190, 240, 530, 560), start=120, end=160, fill=_mix(body, (255, 255, 255), 0.4), width=14 * S)
    _speckle(image, (170, 440, 550, 570), seed)
    return _finish(image)


def vase(glaze: str, wall: str = "#e8e0d4", table: str = "#a99277", seed: int = 3) -> bytes:
    image = _backdrop(wall, table)
    _shadow(image, (240, 560, 480, 620))
    draw = ImageDraw.Draw(image)
    body = _rgb(glaze)
    draw.ellipse(_sc(230, 300, 490, 600), fill=body)
    draw.rectangle(_sc(318, 170, 402, 340), fill=body)
    draw.ellipse(_sc(300, 150, 420, 190), fill=_mix(body, (0, 0, 0), 0.3))
    draw.ellipse(_sc(318, 158, 402, 182), fill=_mix(body, (0, 0, 0), 0.55))
    draw.ellipse(_sc(268, 350, 318, 500), fill=_mix(body, (255, 255, 255), 0.3))
    draw.rectangle(_sc(250, 500, 470, 510), fill=_mix(body, (255, 255, 255), 0.15))
    _speckle(image, (250, 320, 470, 580), seed, count=160)
    return _finish(image)


def teapot(glaze: str, wall: str = "#ebe2d6", table: str = "#8f7760", seed: int = 4) -> bytes:
    image = _backdrop(wall, table)
    _shadow(image, (150, 540, 590, 610))
    draw = ImageDraw.Draw(image)
    body, dark = _rgb(glaze), _mix(_rgb(glaze), (0, 0, 0), 0.3)
    draw.polygon(_sc(200, 420, 110, 300, 130, 290, 240, 380), fill=body)
    draw.arc(_sc(460, 330, 600, 520), start=270, end=90, fill=dark, width=28 * S)
    draw.ellipse(_sc(190, 300, 530, 590), fill=body)
    draw.ellipse(_sc(270, 282, 450, 322), fill=dark)
    draw.ellipse(_sc(335, 250, 385, 292), fill=body)
    draw.ellipse(_sc(235, 360, 290, 470), fill=_mix(body, (255, 255, 255), 0.28))
    _speckle(image, (210, 330, 510, 570), seed, colour=(30, 22, 18), count=120)
    return _finish(image)


def dish(glaze: str, wall: str = "#efe8de", table: str = "#c7b195", seed: int = 5) -> bytes:
    image = _backdrop(wall, table)
    _shadow(image, (170, 470, 560, 590))
    draw = ImageDraw.Draw(image)
    body = _rgb(glaze)
    draw.ellipse(_sc(160, 400, 560, 570), fill=_mix(body, (0, 0, 0), 0.15))
    draw.ellipse(_sc(175, 392, 545, 550), fill=body)
    draw.ellipse(_sc(215, 420, 505, 525), fill=_mix(body, (255, 255, 255), 0.22))
    draw.ellipse(_sc(400, 450, 430, 470), fill=_rgb("#d8b45a"))
    draw.ellipse(_sc(330, 462, 380, 492), outline=_rgb("#c9a247"), width=8 * S)
    return _finish(image)


def runner(colour: str, stripe: str, wall: str = "#ece6dc", table: str = "#a48a6c") -> bytes:
    image = _backdrop(wall, table)
    _shadow(image, (90, 470, 640, 620), strength=60)
    draw = ImageDraw.Draw(image)
    base = _rgb(colour)
    draw.polygon(_sc(120, 600, 600, 600, 560, 430, 170, 430), fill=base)
    for i, y in enumerate(range(445, 600, 22)):
        left, right = 120 + (600 - y) * 0.3 + 4, 600 - (600 - y) * 0.24 - 4
        accent = i % 3 == 0
        draw.line(
            _sc(left, y, right, y),
            fill=_rgb(stripe) if accent else _mix(base, (0, 0, 0), 0.06),
            width=(5 if accent else 2) * S,
        )
    for x in range(180, 560, 12):
        draw.line(_sc(x, 430, x - 3, 412), fill=_mix(base, (0, 0, 0), 0.12), width=2 * S)
    return _finish(image)


def napkins(colour: str, wall: str = "#e9e3da", table: str = "#b59c7f") -> bytes:
    image = _backdrop(wall, table)
    _shadow(image, (170, 500, 560, 600))
    draw = ImageDraw.Draw(image)
    base = _rgb(colour)
    for i in range(4):
        y = 540 - i * 34
        fill = _mix(base, (255, 255, 255), 0.08 * i)
        draw.polygon(_sc(180, y + 50, 540, y + 50, 500, y - 20, 220, y - 20), fill=fill)
        draw.line(_sc(180, y + 50, 540, y + 50), fill=_mix(base, (0, 0, 0), 0.3), width=3 * S)
    for cx, cy in [(300, 420), (380, 410), (450, 425)]:
        draw.ellipse(_sc(cx - 26, cy - 12, cx + 26, cy + 12), outline=(236, 240, 248), width=5 * S)
    return _finish(image)


def candle(wax: str, wall: str = "#2f2722", table: str = "#5b4a3d") -> bytes:
    image = _backdrop(wall, table)
    glow = Image.new("L", image.size, 0)
    ImageDraw.Draw(glow).ellipse(_sc(250, 60, 470, 300), fill=150)
    glow = glow.filter(ImageFilter.GaussianBlur(50 * S))
    image.paste((255, 196, 120), mask=glow)
    _shadow(image, (250, 570, 470, 620))
    draw = ImageDraw.Draw(image)
    body = _rgb(wax)
    draw.rectangle(_sc(280, 250, 440, 600), fill=body)
    draw.ellipse(_sc(280, 235, 440, 270), fill=_mix(body, (255, 255, 255), 0.25))
    draw.rectangle(_sc(280, 250, 310, 600), fill=_mix(body, (255, 255, 255), 0.2))
    draw.line(_sc(360, 250, 360, 215), fill=(40, 30, 25), width=4 * S)
    draw.ellipse(_sc(346, 140, 374, 222), fill=(255, 214, 120))
    draw.ellipse(_sc(353, 175, 367, 218), fill=(255, 246, 220))
    return _finish(image)


def ring(metal: str = "#c8ccd2", wall: str = "#e9e4dd", table: str = "#d3c6b4") -> bytes:
    image = _backdrop(wall, table)
    _shadow(image, (230, 480, 500, 560), strength=70)
    draw = ImageDraw.Draw(image)
    body = _rgb(metal)
    draw.ellipse(_sc(230, 300, 490, 540), outline=_mix(body, (0, 0, 0), 0.35), width=44 * S)
    draw.ellipse(_sc(236, 300, 484, 532), outline=body, width=34 * S)
    draw.arc(_sc(250, 312, 470, 520), start=200, end=260, fill=(255, 255, 255), width=10 * S)
    for x in range(262, 460, 26):
        draw.line(_sc(x, 318, x + 8, 326), fill=_mix(body, (255, 255, 255), 0.5), width=3 * S)
    return _finish(image)


def drawn_and_prepared(filename: str, drawer: str, *args, **kwargs):
    """A drawing's bytes and what intake, QC and the cut-out make of them (photo_prepare), worked out once per
    process: both are pure functions of the arguments, and the cut-out and QC take most of a fixture that adds
    photos (about a second a photo on CI's machine). photo_add(prepared=...) stores the same rows and files
    from them as it would from the bytes alone. Each caller gets its own copy (the row keeps the cut-out's dicts).
    """
    content, prepared = _drawn_and_prepared(filename, drawer, *args, **kwargs)
    return content, copy.deepcopy(prepared)


@functools.cache
def _drawn_and_prepared(filename: str, drawer: str, *args, **kwargs):
    from catalog.services import photo_prepare  # Django's models: only once the tests have set it up

    content = globals()[drawer](*args, **kwargs)
    return content, photo_prepare(content=content, filename=filename)
