"""Forecasts in a maker's words (issue 15): ranges and how good a forecast is, without statistics."""

import pytest
from django.urls import reverse

from forecasting.templatetags.forecast_words import accuracy_words, band_outlook, outlook, worse_than_naive
from tests.forecasting.test_plans import _forecast, busy_maker  # noqa: F401  (a fixture)


@pytest.mark.parametrize(
    "mean, p10, p90, words",
    [
        (20, 15, 26, "about 20 a week, likely 15–26"),
        (1.2, 0.3, 2.4, "about 1 a week, likely 0–2"),
        (3, 3, 3, "about 3 a week"),
        (0.3, 0, 1.4, "fewer than 1 a week, at most about 1"),
        (0.1, 0, 0.2, "hardly any sales expected"),
    ],
)
def test_a_weekly_outlook_reads_in_words(mean, p10, p90, words):
    values = {"mean": [mean] * 6, "p10": [p10] * 6, "p50": [mean] * 6, "p90": [p90] * 6}
    assert outlook(values) == words


def test_the_outlook_averages_only_the_next_four_weeks():
    values = {"mean": [10, 10, 10, 10, 100], "p10": [8] * 5, "p90": [12] * 5}
    assert outlook(values) == "about 10 a week, likely 8–12"
    assert band_outlook([("2026-12-07", 8, 10, 12)] * 4 + [("2027-01-04", 80, 100, 120)]) == outlook(values)


@pytest.mark.parametrize("broken", [None, {}, {"mean": []}, {"mean": ["x"], "p10": [1], "p90": [2]}])
def test_a_broken_forecast_says_nothing_rather_than_failing(broken):
    assert outlook(broken) == ""


@pytest.mark.parametrize(
    "rmsse, words, flagged",
    [
        (0.5, "usually closer than “same as last week”", False),
        (0.95, "about as close as “same as last week”", False),
        (1.3, "further off than “same as last week”, so treat it as a rough guide", True),
        (None, "not tested yet: too little history", False),
    ],
)
def test_how_good_a_forecast_is_in_words(rmsse, words, flagged):
    assert accuracy_words(rmsse) == words
    assert worse_than_naive(rmsse) is flagged


def test_a_forecast_worse_than_last_week_is_flagged_on_the_pages(busy_maker, artisan_client):  # noqa: F811
    from catalog.models import Variant
    from forecasting.models import Forecast

    Forecast.objects.filter(variant=Variant.objects.get(sku="MUG-1")).update(validation_error=1.4)
    product = Variant.objects.get(sku="MUG-1").product
    html = artisan_client.get(reverse("product-detail", args=[product.pk])).content.decode()
    assert "further off than “same as last week”" in html
    overview = artisan_client.get(reverse("forecast-overview")).content.decode()
    assert "<strong>3 of 4</strong> did as well or better" in overview
    assert "1 did worse" in overview
    assert "Predictive build" not in overview and "RMSSE" not in overview
