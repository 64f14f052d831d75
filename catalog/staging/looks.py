"""Looks: a studio's brand presets for staged photos, as plain, versioned data.

A look is stored as a JSON dict (the model keeps the dict and its versions);
`LookSpec.from_dict` turns it into a frozen, validated spec, filling every
missing setting with its default, and `to_dict` writes the full dict back, so a
stored look always says exactly what it renders. Errors name the setting
(`LookSpecError.field`, e.g. "output.size") and say in a shop manager's words
what is wrong and what is allowed.

Conventions a manager sees in the form:
- colours are "#rrggbb";
- fractions are of the frame: `horizon` 0.6 means the table meets the wall 60 %
  of the way down; `placement.scale` 0.6 means the product is 60 % of the height;
- angles are compass bearings of where the light comes from: 0 from the top,
  90 from the right, 180 from below, 270 from the left, 315 from the top left.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from catalog.staging.starters import STARTERS

LOOK_FORMAT = 1

BACKDROP_KINDS = ("colour", "gradient", "linen", "oak", "marble", "terrazzo")
KIND_LABELS = {
    "colour": "plain colour",
    "gradient": "gradient",
    "linen": "linen",
    "oak": "oak",
    "marble": "marble",
    "terrazzo": "terrazzo",
}
ANCHORS = ("centre", "left-third", "right-third")
ASPECTS: dict[str, tuple[int, int]] = {"1:1": (1, 1), "4:5": (4, 5), "3:2": (3, 2), "16:9": (16, 9)}
# Shopify's limits for a product image; Etsy recommends at least 2000 px.
MAX_LONG_SIDE = 4472
MAX_PIXELS = 20_000_000
MIN_LONG_SIDE = 1024

DEFAULT_NEGATIVE_PROMPT = (
    "text, watermark, logo, people, hands, extra objects, duplicate product, blurry, lowres, "
    "oversaturated, cartoon, illustration"
)


class LookSpecError(ValueError):
    """A setting of a look is missing its mark; `field` is its dotted name, `message` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def output_dimensions(aspect: str, long_side: int) -> tuple[int, int]:
    """(width, height) of an image of this aspect ratio and long side."""
    across, down = ASPECTS[aspect]
    if across >= down:
        return long_side, max(1, round(long_side * down / across))
    return max(1, round(long_side * across / down)), long_side


# --- Field rules --------------------------------------------------------------------

Rule = Callable[[Any, str], Any]
_HEX = re.compile(r"#[0-9a-fA-F]{6}")


def _colour(label: str) -> Rule:
    def parse(value: Any, name: str) -> str:
        if isinstance(value, str) and _HEX.fullmatch(value.strip()):
            return value.strip().lower()
        raise LookSpecError(
            name, f"{label} must be a colour written like #f4efe6 (# and six hex digits); {_shown(value)} isn't one."
        )

    return parse


def _choice(label: str, options: tuple[str, ...], names: dict[str, str] | None = None) -> Rule:
    def parse(value: Any, name: str) -> str:
        if isinstance(value, str) and value.strip().lower() in options:
            return value.strip().lower()
        offered = ", ".join(f"{names[o]} ({o})" if names and names[o] != o else o for o in options)
        raise LookSpecError(name, f"{label} {_shown(value)} isn't offered; choose one of: {offered}.")

    return parse


def _number(
    label: str,
    low: float,
    high: float,
    *,
    integer: bool = False,
    optional: bool = False,
    unit: str = "",
    hint: str = "",
) -> Rule:
    def parse(value: Any, name: str) -> Any:
        if value is None and optional:
            return None
        ok = isinstance(value, int) if integer else isinstance(value, (int, float))
        if isinstance(value, float) and integer and value.is_integer():
            value, ok = int(value), True
        if not ok or isinstance(value, bool) or (isinstance(value, float) and not math.isfinite(value)):
            kind = "a whole number" if integer else "a number"
            raise LookSpecError(name, f"{label} must be {kind}{' or empty' if optional else ''}; got {_shown(value)}.")
        if not low <= value <= high:
            raise LookSpecError(
                name, f"{label} must be between {_num(low)} and {_num(high)}{unit}{hint}; got {_num(value)}{unit}."
            )
        return int(value) if integer else float(value)

    return parse


def _text(label: str, longest: int) -> Rule:
    def parse(value: Any, name: str) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise LookSpecError(name, f"{label} must be text.")
        if len(value) > longest:
            raise LookSpecError(name, f"{label} is {len(value)} characters long; keep it to {longest}.")
        return value.strip()

    return parse


def _shown(value: Any) -> str:
    return f"“{value}”" if isinstance(value, str) else f"{value!r}"


def _num(value: float) -> str:
    return f"{value:g}"


# --- The spec -----------------------------------------------------------------------


@dataclass(frozen=True)
class BackdropSpec:
    """The wall behind the product, or the whole frame when the look is seamless."""

    kind: str = "colour"
    colour: str = "#f2eee8"
    colour_2: str = "#e2dbd0"  # the gradient's far end; the veins, grain or chips of a material
    angle: float = 90.0  # the gradient's direction: 90 = top to bottom, 0 = left to right

    rules = {
        "kind": _choice("Backdrop", BACKDROP_KINDS, KIND_LABELS),
        "colour": _colour("Backdrop colour"),
        "colour_2": _colour("Backdrop second colour"),
        "angle": _number("Gradient angle", 0, 360, unit="°"),
    }


@dataclass(frozen=True)
class SurfaceSpec:
    """What the product stands on, below the horizon (unused by a seamless look)."""

    material: str = "colour"
    colour: str = "#e6e0d6"
    colour_2: str = "#cbbfae"

    rules = {
        "material": _choice("Surface", BACKDROP_KINDS, KIND_LABELS),
        "colour": _colour("Surface colour"),
        "colour_2": _colour("Surface second colour"),
    }


@dataclass(frozen=True)
class PlacementSpec:
    anchor: str = "centre"
    depth: float = 0.55  # where the product stands on the surface: 0 at the horizon (back), 1 at the front edge
    scale: float = 0.6  # the share of the frame's height the product takes
    margin: float = 0.06  # the least free space kept on every side, as a share of the frame

    rules = {
        "anchor": _choice("Position", ANCHORS),
        "depth": _number("Position on the surface", 0, 1, hint=" (0 at the back, 1 at the front edge)"),
        "scale": _number("Product size", 0.2, 0.9, hint=" of the frame's height"),
        "margin": _number("Margin", 0, 0.2, hint=" of the frame"),
    }


@dataclass(frozen=True)
class OutputSpec:
    aspect: str = "1:1"
    size: int = 2048  # the long side in px the stager aims for (see layout.py for when it differs)

    rules = {
        "aspect": _choice("Aspect ratio", tuple(ASPECTS)),
        "size": _number(
            "Image size",
            MIN_LONG_SIDE,
            MAX_LONG_SIDE,
            integer=True,
            unit=" px",
            hint=" on the long side (Shopify accepts at most 4472 × 4472 px and 20 megapixels)",
        ),
    }


@dataclass(frozen=True)
class ShadowSpec:
    opacity: float = 0.4
    softness: float = 0.5
    length: float = 0.3  # how far the cast shadow reaches, as a share of the product's height

    rules = {
        "opacity": _number("Shadow strength", 0, 1),
        "softness": _number("Shadow softness", 0, 1),
        "length": _number("Shadow length", 0, 1.5, hint=" of the product's height"),
    }


@dataclass(frozen=True)
class LightSpec:
    angle: float = 315.0  # where the light comes from, as a compass bearing on the frame
    intensity: float = 0.4  # how much brighter the lit side of the backdrop is than the other
    ambient: float = 0.3  # how much of the original photo's colour cast the backdrop takes on

    rules = {
        "angle": _number("Light direction", 0, 360, unit="°", hint=" (0 from the top, 90 from the right)"),
        "intensity": _number("Light strength", 0, 1),
        "ambient": _number("Ambient match", 0, 1),
    }


@dataclass(frozen=True)
class GradeSpec:
    """A colour grade of the backdrop only: the product's own colours are never graded."""

    warmth: float = 0.0
    contrast: float = 0.0
    saturation: float = 0.0
    vignette: float = 0.15

    rules = {
        "warmth": _number("Warmth", -1, 1),
        "contrast": _number("Contrast", -1, 1),
        "saturation": _number("Saturation", -1, 1),
        "vignette": _number("Vignette", 0, 1),
    }


@dataclass(frozen=True)
class GenerativeSpec:
    """Settings of the diffusion stager; the compositor ignores them."""

    prompt: str = ""  # empty: a prompt is written from the backdrop and surface
    negative_prompt: str = DEFAULT_NEGATIVE_PROMPT
    seed: int | None = None  # set: every product gets the same scene; empty: each image's own seed
    strength: float = 0.9
    steps: int = 30
    guidance: float = 7.0

    rules = {
        "prompt": _text("The prompt", 1000),
        "negative_prompt": _text("The negative prompt", 1000),
        "seed": _number("Seed", 0, 2**32 - 1, integer=True, optional=True),
        "strength": _number("Strength", 0, 1, hint=" (how much of the scene the model repaints; 1 = all of it)"),
        "steps": _number("Steps", 1, 150, integer=True),
        "guidance": _number("Guidance", 0, 30),
    }


SECTIONS: dict[str, type] = {
    "backdrop": BackdropSpec,
    "surface": SurfaceSpec,
    "placement": PlacementSpec,
    "output": OutputSpec,
    "shadow": ShadowSpec,
    "light": LightSpec,
    "grade": GradeSpec,
    "generative": GenerativeSpec,
}
_HORIZON = _number(
    "Horizon",
    0.2,
    0.9,
    optional=True,
    hint=" of the height (where the table meets the wall), or empty for a seamless backdrop",
)


@dataclass(frozen=True)
class LookSpec:
    backdrop: BackdropSpec = field(default_factory=BackdropSpec)
    horizon: float | None = 0.58  # None: seamless, the backdrop sweeps under the product
    surface: SurfaceSpec = field(default_factory=SurfaceSpec)
    placement: PlacementSpec = field(default_factory=PlacementSpec)
    output: OutputSpec = field(default_factory=OutputSpec)
    shadow: ShadowSpec = field(default_factory=ShadowSpec)
    light: LightSpec = field(default_factory=LightSpec)
    grade: GradeSpec = field(default_factory=GradeSpec)
    generative: GenerativeSpec = field(default_factory=GenerativeSpec)

    @classmethod
    def from_dict(cls, data: dict | None) -> LookSpec:
        """The validated look; missing settings take their defaults. Raises LookSpecError."""
        data = {} if data is None else data
        if not isinstance(data, dict):
            raise LookSpecError("look", "A look must be a set of named settings (a JSON object).")
        version = data.get("version", LOOK_FORMAT)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise LookSpecError("version", f"The look format version must be a whole number; got {_shown(version)}.")
        if version > LOOK_FORMAT:
            raise LookSpecError(
                "version",
                f"This look was saved by a newer Atelier (look format {version}); "
                f"this one reads up to format {LOOK_FORMAT}.",
            )
        _no_unknown(data, {"version", "horizon", *SECTIONS}, "")
        values: dict[str, Any] = {"horizon": _HORIZON(data.get("horizon", cls.horizon), "horizon")}
        for name, section in SECTIONS.items():
            values[name] = _section(section, data.get(name, {}), name)
        look = cls(**values)
        look._check_combinations()
        return look

    def to_dict(self) -> dict:
        return {"version": LOOK_FORMAT, **{f.name: _plain(getattr(self, f.name)) for f in fields(self)}}

    @property
    def dimensions(self) -> tuple[int, int]:
        """(width, height) of the output the look asks for."""
        return output_dimensions(self.output.aspect, self.output.size)

    @property
    def seamless(self) -> bool:
        return self.horizon is None

    def scene_prompt(self) -> str:
        """The prompt for generative staging: the look's own, or one written from its backdrop and surface."""
        if self.generative.prompt:
            return self.generative.prompt
        wall = {"colour": "a plain wall", "gradient": "a softly graded wall"}.get(
            self.backdrop.kind, f"a {self.backdrop.kind} wall"
        )
        if self.seamless:
            scene = f"on a seamless {KIND_LABELS[self.backdrop.kind]} backdrop"
        else:
            material = self.surface.material
            material = "a plain tabletop" if material == "colour" else f"a {material} tabletop"
            scene = f"standing on {material} in front of {wall}"
        return (
            f"professional product photograph of a handmade object {scene}, soft natural daylight, "
            f"gentle shadows, shallow depth of field, high detail"
        )

    def _check_combinations(self) -> None:
        p = self.placement
        if p.scale + 2 * p.margin > 1:
            raise LookSpecError(
                "placement.scale",
                f"A product {p.scale:.0%} of the height can't keep a {p.margin:.0%} "
                f"margin above and below; lower the size or the margin.",
            )
        width, height = self.dimensions
        if width * height > MAX_PIXELS:
            raise LookSpecError(
                "output.size",
                f"{width} × {height} px is {width * height / 1e6:.1f} megapixels; "
                f"Shopify accepts at most 20. Lower the image size.",
            )
        g = self.generative
        if int(g.steps * g.strength) < 1:
            raise LookSpecError(
                "generative.strength",
                f"With strength {g.strength:g} and {g.steps} steps the "
                f"model would not take a single step; raise either.",
            )


def _section(cls: type, data: Any, prefix: str):
    if not isinstance(data, dict):
        raise LookSpecError(prefix, f"“{prefix}” must be a group of settings (a JSON object).")
    _no_unknown(data, set(cls.rules), prefix)
    defaults = cls()
    return cls(
        **{name: rule(data.get(name, getattr(defaults, name)), f"{prefix}.{name}") for name, rule in cls.rules.items()}
    )


def _no_unknown(data: dict, known: set[str], prefix: str) -> None:
    unknown = sorted(str(key) for key in data if key not in known)
    if unknown:
        where = f" in {prefix}" if prefix else ""
        name = f"{prefix}.{unknown[0]}" if prefix else unknown[0]
        raise LookSpecError(name, f"Unknown setting “{unknown[0]}”{where}; known: {', '.join(sorted(known))}.")


def _plain(value: Any) -> Any:
    return asdict(value) if hasattr(value, "__dataclass_fields__") else value


# --- Starter looks --------------------------------------------------------------------


def starter_looks() -> list[tuple[str, dict]]:
    """The built-in looks a new studio starts with: (name, the full look dict) pairs, freshly made each call."""
    return [(name, LookSpec.from_dict(partial).to_dict()) for name, partial in STARTERS]
