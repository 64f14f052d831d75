"""The looks a new studio starts with, as partial dicts: looks.starter_looks() fills in the defaults.

Each is a believable brand preset on its own: a seamless white sweep for
marketplaces that want one, three tabletops (linen, oak, marble) and two
colour-led looks. Studios copy and change them; these stay as they are.
"""

from __future__ import annotations

STARTERS: list[tuple[str, dict]] = [
    (
        "Studio white",
        {
            "backdrop": {"kind": "gradient", "colour": "#f7f6f3", "colour_2": "#e6e3dd", "angle": 90},
            "horizon": None,
            "placement": {"scale": 0.62, "depth": 0.55},
            "shadow": {"opacity": 0.35, "softness": 0.6, "length": 0.2},
            "light": {"angle": 0, "intensity": 0.2, "ambient": 0.0},
            "grade": {"vignette": 0.08},
            "generative": {
                "prompt": "professional studio product photograph on a seamless white paper sweep, "
                "soft even light, subtle shadow, high detail"
            },
        },
    ),
    (
        "Linen morning",
        {
            "backdrop": {"kind": "colour", "colour": "#efe8dd"},
            "horizon": 0.56,
            "surface": {"material": "linen", "colour": "#d8cdbb", "colour_2": "#bfb19b"},
            "placement": {"anchor": "left-third", "scale": 0.58, "depth": 0.5},
            "shadow": {"opacity": 0.38, "softness": 0.7, "length": 0.45},
            "light": {"angle": 300, "intensity": 0.55, "ambient": 0.3},
            "grade": {"warmth": 0.35, "contrast": -0.1, "saturation": -0.1, "vignette": 0.2},
        },
    ),
    (
        "Oak table",
        {
            "backdrop": {"kind": "gradient", "colour": "#e9e3d9", "colour_2": "#d6cdbf", "angle": 90},
            "horizon": 0.6,
            "surface": {"material": "oak", "colour": "#b88c5c", "colour_2": "#7e5a37"},
            "placement": {"scale": 0.6, "depth": 0.45},
            "shadow": {"opacity": 0.45, "softness": 0.45, "length": 0.35},
            "light": {"angle": 315, "intensity": 0.45, "ambient": 0.3},
            "grade": {"warmth": 0.2, "vignette": 0.18},
        },
    ),
    (
        "Marble",
        {
            "backdrop": {"kind": "colour", "colour": "#ecebe8"},
            "horizon": 0.55,
            "surface": {"material": "marble", "colour": "#f1efec", "colour_2": "#8d8b8f"},
            "placement": {"anchor": "right-third", "scale": 0.6, "depth": 0.5},
            "output": {"aspect": "4:5"},
            "shadow": {"opacity": 0.4, "softness": 0.4, "length": 0.3},
            "light": {"angle": 45, "intensity": 0.35, "ambient": 0.2},
            "grade": {"warmth": -0.1, "contrast": 0.1, "vignette": 0.12},
        },
    ),
    (
        "Terrazzo",
        {
            "backdrop": {"kind": "colour", "colour": "#c98a6b"},
            "horizon": 0.62,
            "surface": {"material": "terrazzo", "colour": "#efe9e0", "colour_2": "#c0694a"},
            "placement": {"scale": 0.55, "depth": 0.5},
            "shadow": {"opacity": 0.45, "softness": 0.35, "length": 0.4},
            "light": {"angle": 280, "intensity": 0.5, "ambient": 0.2},
            "grade": {"saturation": 0.05, "vignette": 0.1},
        },
    ),
    (
        "Warm gradient",
        {
            "backdrop": {"kind": "gradient", "colour": "#f4dcc8", "colour_2": "#d49a7c", "angle": 135},
            "horizon": None,
            "placement": {"scale": 0.6, "depth": 0.5},
            "output": {"aspect": "4:5"},
            "shadow": {"opacity": 0.4, "softness": 0.55, "length": 0.3},
            "light": {"angle": 315, "intensity": 0.3, "ambient": 0.0},
            "grade": {"warmth": 0.25, "vignette": 0.22},
        },
    ),
]
