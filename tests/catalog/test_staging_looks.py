"""Looks as data: defaults, round trips, the starter looks, and errors a shop manager can act on."""

import copy

import pytest

from catalog.staging.looks import (
    ASPECTS,
    BACKDROP_KINDS,
    LOOK_FORMAT,
    LookSpec,
    LookSpecError,
    output_dimensions,
    starter_looks,
)


def test_an_empty_dict_is_the_default_look():
    look = LookSpec.from_dict({})
    assert look == LookSpec()
    assert look.output.size == 2048 and look.output.aspect == "1:1"
    assert look.dimensions == (2048, 2048)
    assert LookSpec.from_dict(None) == look


def test_to_dict_writes_every_setting_and_reads_back_the_same_look():
    data = LookSpec().to_dict()
    assert data["version"] == LOOK_FORMAT
    assert set(data) == {
        "version",
        "backdrop",
        "horizon",
        "surface",
        "placement",
        "output",
        "shadow",
        "light",
        "grade",
        "generative",
    }
    assert data["generative"]["seed"] is None
    assert LookSpec.from_dict(data) == LookSpec()


def test_partial_dicts_keep_the_other_defaults():
    look = LookSpec.from_dict({"backdrop": {"kind": "Marble", "colour": "#AABBCC"}, "horizon": None})
    assert look.backdrop.kind == "marble"
    assert look.backdrop.colour == "#aabbcc"  # stored in one spelling
    assert look.backdrop.colour_2 == LookSpec().backdrop.colour_2
    assert look.seamless and look.horizon is None
    assert look.shadow == LookSpec().shadow


def test_starter_looks_are_valid_complete_and_named():
    looks = starter_looks()
    assert 4 <= len(looks) <= 6
    names = [name for name, _ in looks]
    assert len(set(names)) == len(names)
    assert {"Linen morning", "Oak table", "Marble", "Terrazzo", "Studio white"} <= set(names)
    for name, data in looks:
        look = LookSpec.from_dict(data)
        assert look.to_dict() == data, name  # stored complete: what the dict says is what renders
    materials = {LookSpec.from_dict(data).surface.material for _, data in looks if data["horizon"] is not None}
    assert {"linen", "oak", "marble", "terrazzo"} <= materials


def test_starter_looks_are_fresh_copies():
    first = starter_looks()
    first[0][1]["backdrop"]["colour"] = "#000000"
    assert starter_looks()[0][1]["backdrop"]["colour"] != "#000000"


@pytest.mark.parametrize("aspect", sorted(ASPECTS))
def test_output_dimensions_follow_the_aspect_ratio(aspect):
    across, down = ASPECTS[aspect]
    width, height = output_dimensions(aspect, 4472)
    assert max(width, height) == 4472
    assert abs(width / height - across / down) < 0.001
    assert width * height <= 20_000_000


def _with(change: dict) -> dict:
    data = LookSpec().to_dict()
    for dotted, value in change.items():
        *path, key = dotted.split(".")
        target = data
        for part in path:
            target = target[part]
        target[key] = value
    return data


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"backdrop.colour": "red"}, "backdrop.colour", "#f4efe6"),
        ({"surface.colour_2": "#12345"}, "surface.colour_2", "six hex digits"),
        ({"backdrop.kind": "velvet"}, "backdrop.kind", "linen"),
        ({"surface.material": "granite"}, "surface.material", "terrazzo"),
        ({"output.aspect": "5:4"}, "output.aspect", "1:1, 4:5, 3:2, 16:9"),
        ({"output.size": 5000}, "output.size", "4472"),
        ({"output.size": 640}, "output.size", "1024"),
        ({"output.size": 2048.5}, "output.size", "whole number"),
        ({"generative.strength": 1.5}, "generative.strength", "between 0 and 1"),
        ({"generative.strength": -0.1}, "generative.strength", "between 0 and 1"),
        ({"generative.strength": 0.02, "generative.steps": 20}, "generative.strength", "single step"),
        ({"generative.steps": 0}, "generative.steps", "between 1 and 150"),
        ({"generative.seed": -4}, "generative.seed", "between 0"),
        ({"horizon": 0.95}, "horizon", "seamless"),
        ({"placement.anchor": "top"}, "placement.anchor", "left-third"),
        ({"placement.scale": 0.9, "placement.margin": 0.1}, "placement.scale", "margin"),
        ({"light.angle": 400}, "light.angle", "between 0 and 360"),
        ({"shadow.opacity": True}, "shadow.opacity", "number"),
        ({"grade.warmth": "warm"}, "grade.warmth", "number"),
        ({"grade.vignette": float("nan")}, "grade.vignette", "number"),
    ],
)
def test_bad_settings_name_the_field_and_say_what_is_allowed(change, field, says):
    with pytest.raises(LookSpecError) as caught:
        LookSpec.from_dict(_with(change))
    assert caught.value.field == field
    assert says in caught.value.message
    assert str(caught.value).startswith(field + ": ")


def test_unknown_settings_are_refused_not_ignored():
    with pytest.raises(LookSpecError) as caught:
        LookSpec.from_dict({"backdrop": {"colr": "#ffffff"}})
    assert caught.value.field == "backdrop.colr"
    assert "Unknown setting “colr”" in caught.value.message and "colour" in caught.value.message
    with pytest.raises(LookSpecError) as caught:
        LookSpec.from_dict({"lighting": {}})
    assert caught.value.field == "lighting"


def test_a_section_that_is_not_a_group_and_a_newer_format_are_explained():
    with pytest.raises(LookSpecError, match="group of settings") as caught:
        LookSpec.from_dict({"shadow": 0.5})
    assert caught.value.field == "shadow"
    with pytest.raises(LookSpecError, match="newer Atelier") as caught:
        LookSpec.from_dict({"version": LOOK_FORMAT + 1})
    assert caught.value.field == "version"
    with pytest.raises(LookSpecError, match="JSON object"):
        LookSpec.from_dict(["not", "a", "look"])


def test_every_backdrop_kind_is_accepted_for_wall_and_surface():
    for kind in BACKDROP_KINDS:
        look = LookSpec.from_dict({"backdrop": {"kind": kind}, "surface": {"material": kind}})
        assert look.backdrop.kind == kind and look.surface.material == kind


def test_the_scene_prompt_is_the_looks_own_or_written_from_its_materials():
    assert LookSpec.from_dict({"generative": {"prompt": "on a mossy stone"}}).scene_prompt() == "on a mossy stone"
    written = LookSpec.from_dict({"surface": {"material": "oak"}}).scene_prompt()
    assert "oak tabletop" in written
    seamless = LookSpec.from_dict({"horizon": None, "backdrop": {"kind": "gradient"}}).scene_prompt()
    assert "seamless gradient" in seamless


def test_the_dict_passed_in_is_not_changed():
    data = _with({"backdrop.colour": "#ABCDEF"})
    before = copy.deepcopy(data)
    LookSpec.from_dict(data)
    assert data == before
