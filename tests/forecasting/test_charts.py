"""Forecast charts: valid, accessible, escaped SVG that says in words what it draws."""

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from django.utils.safestring import SafeString

from forecasting.charts import forecast_chart_svg, nice_ticks, sparkline_svg

SVG = "{http://www.w3.org/2000/svg}"
START = date(2024, 12, 2)
HISTORY = [(START + timedelta(weeks=i), 2.0) for i in range(52)]
FORECAST = [(START + timedelta(weeks=52 + i), 1.0, 1.5, 2.5) for i in range(12)]


def chart(history=HISTORY, forecast=FORECAST, title="Celadon mug", **kwargs) -> ET.Element:
    svg = forecast_chart_svg(history=history, forecast=forecast, title=title, **kwargs)
    assert isinstance(svg, SafeString)
    return ET.fromstring(svg)


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [el for el in root.iter() if name in el.get("class", "").split()]


def test_a_full_chart_has_every_part_and_is_accessible():
    root = chart()
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    for name in ("chart-history", "chart-band", "chart-forecast", "chart-axis", "chart-today"):
        assert by_class(root, name), name
    assert by_class(root, "chart-history")[0].get("d").count("Z") == 52  # a bar a week
    assert by_class(root, "chart-forecast")[0].get("stroke-dasharray")
    texts = [el.text for el in by_class(root, "chart-axis")[0].iter(f"{SVG}text")]
    assert "Jan 2025" in texts and "Jun" in texts and "units/week" in texts
    assert {"0", "1", "2", "3"} <= set(texts) and "4" not in texts  # round y ticks just above the p90 of 2.5


def test_desc_summarises_history_and_forecast():
    desc = chart().find(f"{SVG}desc").text
    # 52 weeks of 2; 12 weeks at p50 1.5 → 18, range 18 − √(12 × 0.5²) … 18 + √(12 × 1²)
    assert desc == "Sold 104 in the last 52 weeks; forecast 18 over the next 12 weeks (p10–p90 range 16–21)."


def test_hostile_title_is_escaped():
    hostile = 'Mug <script>alert("x")</script> & co\'s "best"\x00'
    svg = forecast_chart_svg(history=HISTORY, forecast=FORECAST, title=hostile)
    assert "<script" not in svg
    assert "&lt;script&gt;" in svg
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title").text == hostile.replace("\x00", "")
    assert not list(root.iter("script")) and not list(root.iter(f"{SVG}script"))


def test_hostile_unit_is_escaped():
    root = chart(unit='<b onclick="x">&')
    texts = [el.text for el in root.iter(f"{SVG}text")]
    assert '<b onclick="x">&' in texts


def test_no_colours_but_current_color():
    svg = forecast_chart_svg(history=HISTORY, forecast=FORECAST, title="t")
    assert not re.search(r"#[0-9a-fA-F]{3,8}\b|rgb\(|style=", svg)
    assert set(re.findall(r'(?:fill|stroke)="([^"]*)"', svg)) <= {"currentColor", "none"}


@pytest.mark.parametrize(
    ("history", "forecast", "desc"),
    [
        ([], [], "No sales history yet; no forecast yet."),
        ([], FORECAST, "No sales history yet; forecast 18 over the next 12 weeks (p10–p90 range 16–21)."),
        (HISTORY, [], "Sold 104 in the last 52 weeks; no forecast yet."),
        ([(START, 0.0)] * 3, [(START + timedelta(weeks=3), 0.0, 0.0, 0.0)], None),
        ([(START, 5.0)], [(START + timedelta(weeks=1), 1.0, 2.0, 3.0)], None),
        (
            [(START, 1e300), (START + timedelta(weeks=1), float("inf"))],
            [(START + timedelta(weeks=2), float("nan"), 1e20, 1e30)],
            None,
        ),
    ],
    ids=["empty", "forecast-only", "history-only", "all-zero", "single-points", "huge"],
)
def test_awkward_inputs_still_draw_valid_svg(history, forecast, desc):
    svg = forecast_chart_svg(history=history, forecast=forecast, title="Vase")
    root = ET.fromstring(svg)
    assert not re.search(r"nan|inf", svg, re.IGNORECASE)
    if desc:
        assert root.find(f"{SVG}desc").text == desc
    if history or forecast:
        assert by_class(root, "chart-history") and by_class(root, "chart-today")
    if forecast:
        assert by_class(root, "chart-band") and by_class(root, "chart-forecast")


def test_single_points_summarise_in_the_singular():
    desc = chart(history=[(START, 5.0)], forecast=[(START + timedelta(weeks=1), 1.0, 2.0, 3.0)]).find(f"{SVG}desc")
    assert desc.text == "Sold 5 in the last week; forecast 2 over the next week (p10–p90 range 1–3)."


def test_huge_values_get_short_axis_labels():
    root = chart(history=[(START, 3.2e9), (START + timedelta(weeks=1), 1e9)], forecast=[])
    texts = [el.text for el in root.iter(f"{SVG}text")]
    assert "4B" in texts


def test_nice_ticks():
    assert nice_ticks(37) == [0, 10, 20, 30, 40]
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(1) == [0, 0.25, 0.5, 0.75, 1]
    assert nice_ticks(4) == [0, 1, 2, 3, 4]
    assert nice_ticks(2.5) == [0, 1, 2, 3]


def test_tiny_sizes_are_refused():
    with pytest.raises(ValueError):
        forecast_chart_svg(history=HISTORY, forecast=FORECAST, title="t", width=50)


def test_sparkline():
    svg = sparkline_svg([1, 2, 3, 0, 5])
    assert isinstance(svg, SafeString)
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title").text == "Last 5 weeks: 11 in total, latest 5, peak 5"
    assert by_class(root, "sparkline-line") and by_class(root, "sparkline-last")
    assert ET.fromstring(sparkline_svg([])).find(f"{SVG}title").text == "No sales yet"
    assert by_class(ET.fromstring(sparkline_svg([0.0])), "sparkline-line")
