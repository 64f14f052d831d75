"""The forecasting engine: classes, forecasts, grids, borrowing, and the backtest contract (no database)."""

import datetime

import numpy as np
import pandas as pd
import pytest

from forecasting.engine import SeriesForecast, backtest, backtest_origins, classify_series, forecast_many
from forecasting.engine.classify import classify
from forecasting.engine.holidays import easter_sunday, gifting_days, holidays_frame
from forecasting.engine.panel import first_sale
from forecasting.engine.seasonal import seasonal_indices

RNG = np.random.default_rng(7)


def weekly(values, start="2024-01-01") -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq="W-MON"))


def smooth(n=40, level=20.0, seed=1):
    return np.random.default_rng(seed).poisson(level, n).astype(float)


def intermittent(n=60, every=3, size=4.0):
    values = np.zeros(n)
    values[::every] = size
    return values


def lumpy(n=60, seed=2):
    rng = np.random.default_rng(seed)
    values = np.zeros(n)
    sold = rng.random(n) < 0.25
    values[sold] = rng.choice([1, 2, 25, 60], sold.sum())
    values[0] = 30
    return values


def catalogue(n_each=6, length=52):
    """A small mixed catalogue: smooth, erratic, intermittent and lumpy series."""
    series = {}
    for k in range(n_each):
        series[f"S{k}"] = weekly(smooth(length, 15 + k, seed=k))
        series[f"E{k}"] = weekly(np.random.default_rng(100 + k).choice([1, 3, 40, 90], length).astype(float))
        series[f"I{k}"] = weekly(intermittent(length, 3 + k % 2, 2.0))
        series[f"L{k}"] = weekly(lumpy(length, seed=200 + k))
    return series


# ---- classification ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values, expected",
    [
        (smooth(40), "smooth"),
        ([5, 80, 2, 60, 1, 90, 3, 70] * 5, "erratic"),
        (intermittent(60, 3, 4.0), "intermittent"),
        (lumpy(60), "lumpy"),
        (np.zeros(30), "none"),
        ([0] * 30 + [3, 4, 2, 5, 3], "new"),  # five periods since its first sale, whatever came before
        ([0] * 30 + list(smooth(20)), "smooth"),  # leading zeros are before launch, not intermittence
    ],
)
def test_classification_of_constructed_series(values, expected):
    assert classify_series(values) == expected


def test_adi_and_cv2_follow_syntetos_boylan():
    Y = np.array([[4, 0, 0, 4, 0, 0, 4, 0, 0, 4.0], [2, 6, 2, 6, 2, 6, 2, 6, 2, 6.0]])
    classes, adi, cv2 = classify(Y, first_sale(Y), new_periods=4)
    assert adi[0] == pytest.approx(10 / 4) and cv2[0] == pytest.approx(0.0)
    assert adi[1] == pytest.approx(1.0) and cv2[1] == pytest.approx((2 / 4) ** 2)
    assert list(classes) == ["intermittent", "smooth"]


# ---- forecasts -----------------------------------------------------------------------------------


def test_weekly_forecasts_are_non_negative_ordered_and_on_the_grid():
    series = catalogue()
    series["FALLING"] = weekly(np.linspace(80, 2, 52).round())  # a trend that would cross zero
    result = forecast_many(series, freq="W", horizon=12, use_prophet=False)
    assert set(result) == set(series)
    first = datetime.date(2024, 12, 30)  # the Monday after the last week (2024-12-23)
    for forecast in result.values():
        assert isinstance(forecast, SeriesForecast)
        assert forecast.dates == [first + datetime.timedelta(weeks=k) for k in range(12)]
        for values in (forecast.mean, forecast.p10, forecast.p50, forecast.p90):
            assert len(values) == 12 and min(values) >= 0
        assert all(a <= b <= c for a, b, c in zip(forecast.p10, forecast.p50, forecast.p90))
    assert result["S3"].demand_class == "smooth"
    assert result["I1"].demand_class == "intermittent"
    assert 12 < np.mean(result["S3"].mean) < 24  # a Poisson(18) seller stays near 18 a week
    assert result["S3"].p90[0] > result["S3"].p10[0]
    assert result["S3"].validation_error is not None and result["S3"].validation_error > 0


def test_intermittent_quantiles_come_from_a_count_distribution():
    result = forecast_many(catalogue(), freq="W", horizon=4, use_prophet=False)
    forecast = result["I0"]  # 2 units every third week: a mean below one, a median of zero
    assert 0 < forecast.mean[0] < 1.5
    assert forecast.p10[0] == 0 and forecast.p90[0] >= 1
    assert all(float(q).is_integer() for q in forecast.p90)


@pytest.mark.parametrize(
    "freq, index, first, step",
    [
        (
            "D",
            pd.date_range("2024-03-01", periods=60, freq="D"),
            datetime.date(2024, 4, 30),
            datetime.timedelta(days=1),
        ),
        ("M", pd.date_range("2021-01-01", periods=40, freq="MS"), datetime.date(2024, 5, 1), None),
    ],
)
def test_daily_and_monthly_grids(freq, index, first, step):
    series = {f"K{k}": pd.Series(smooth(len(index), 10 + k, seed=k), index=index) for k in range(3)}
    result = forecast_many(series, freq=freq, horizon=5, use_prophet=False)
    dates = result["K0"].dates
    assert dates[0] == first and len(dates) == 5
    if step:
        assert all(b - a == step for a, b in zip(dates, dates[1:]))
    else:
        assert all(d.day == 1 for d in dates) and [d.month for d in dates] == [5, 6, 7, 8, 9]


def test_series_with_different_starts_share_the_latest_end():
    old = weekly(smooth(40), start="2024-01-01")
    young = weekly(smooth(12, 5), start="2024-07-22")
    result = forecast_many({"old": old, "young": young}, freq="W", horizon=3, use_prophet=False)
    assert result["old"].dates == result["young"].dates
    assert result["young"].dates[0] == datetime.date(2024, 10, 14)


def test_all_zero_series_gets_zeros():
    series = catalogue(n_each=2)
    series["NEVER"] = weekly(np.zeros(52))
    forecast = forecast_many(series, freq="W", horizon=6, use_prophet=False)["NEVER"]
    assert forecast.demand_class == "none" and forecast.method == "Zero"
    assert forecast.mean == [0.0] * 6 and forecast.p90 == [0.0] * 6


def test_new_product_borrows_from_its_category():
    busy = {f"MUG{k}": weekly(smooth(52, 30, seed=k)) for k in range(6)}
    quiet = {f"SCARF{k}": weekly(smooth(52, 2, seed=10 + k)) for k in range(6)}
    launch = np.r_[np.zeros(49), [6, 5, 7]]  # three weeks on sale
    series = {**busy, **quiet, "NEW-MUG": weekly(launch), "NEW-SCARF": weekly(launch)}
    groups = {**{k: "mugs" for k in busy}, **{k: "scarves" for k in quiet}, "NEW-MUG": "mugs", "NEW-SCARF": "scarves"}
    result = forecast_many(series, freq="W", horizon=8, groups=groups, use_prophet=False)
    mug, scarf = result["NEW-MUG"], result["NEW-SCARF"]
    assert mug.demand_class == scarf.demand_class == "new"
    assert mug.method == "Category(mugs)" and scarf.method == "Category(scarves)"
    # the same three weeks of sales, pulled towards each group's typical rate (30 vs 2 a week)
    assert np.mean(scarf.mean) < 6 < np.mean(mug.mean) < 30
    assert mug.p10[0] <= mug.p50[0] <= mug.p90[0]


def test_monthly_season_shows_in_the_forecast():
    months = pd.date_range("2019-01-01", periods=60, freq="MS")
    peak = np.where(months.month == 12, 3.0, 1.0)
    series = {
        f"G{k}": pd.Series(np.random.default_rng(k).poisson(20 * peak).astype(float), index=months) for k in range(4)
    }
    forecast = forecast_many(series, freq="M", horizon=12, use_prophet=False)["G0"]
    december = forecast.dates.index(datetime.date(2024, 12, 1))
    others = [m for i, m in enumerate(forecast.mean) if i != december]
    assert forecast.mean[december] > 1.8 * np.mean(others)


def test_prophet_is_a_candidate_only_for_busy_seasonal_series_with_two_years():
    """Prophet competes where two years show a yearly shape, one series at a time, never inside an ensemble."""
    weeks = pd.date_range("2022-01-03", periods=130, freq="W-MON")
    level = 40 + 25 * np.sin(2 * np.pi * np.arange(130) / 52)
    rng = np.random.default_rng(3)
    series = {
        "BUSY": pd.Series(rng.poisson(level).astype(float), index=weeks),
        "FLAT": pd.Series(rng.poisson(40, 130).astype(float), index=weeks),
    }
    result = forecast_many(series, freq="W", horizon=6, use_prophet=True)
    assert result["BUSY"].rule.startswith("smooth+prophet pool")
    assert result["FLAT"].rule.startswith("smooth pool")
    assert result["BUSY"].method == "Prophet" or "Prophet" not in result["BUSY"].method
    assert min(result["BUSY"].mean) >= 0 and len(result["BUSY"].mean) == 6
    without = forecast_many(series, freq="W", horizon=6, use_prophet=False)["BUSY"]
    assert "Prophet" not in without.method and without.rule.startswith("smooth pool")


# ---- holidays and seasonal indices ---------------------------------------------------------------


def test_gifting_calendar():
    assert easter_sunday(2024) == datetime.date(2024, 3, 31)
    assert easter_sunday(2025) == datetime.date(2025, 4, 20)
    days = gifting_days(2024)
    assert days["mothering_sunday_uk"] == datetime.date(2024, 3, 10)
    assert days["mothers_day_us"] == datetime.date(2024, 5, 12)
    assert days["black_friday"] == datetime.date(2024, 11, 29)
    weekly_table = holidays_frame(2024, 2024, "W")
    assert (weekly_table["ds"].dt.weekday == 0).all()  # on the grid of Monday weeks
    christmas = weekly_table[weekly_table["holiday"] == "christmas"].iloc[0]
    assert christmas["lower_window"] == -21 and christmas["lower_window"] % 7 == 0


def test_seasonal_indices_find_a_december_peak_and_ignore_noise():
    months = pd.date_range("2019-01-01", periods=48, freq="MS")
    y = np.where(months.month == 12, 300.0, 100.0)
    index = seasonal_indices(y, 0, 12)
    assert index is not None and np.argmax(index) == 11 and index.mean() == pytest.approx(1.0)
    assert seasonal_indices(np.random.default_rng(1).poisson(50, 48).astype(float), 0, 12) is None


# ---- backtest contract ---------------------------------------------------------------------------


def sales_frame(Y: np.ndarray, start="2024-01-01") -> pd.DataFrame:
    dates = pd.date_range(start, periods=Y.shape[1], freq="W-MON")
    rows = [(d.date().isoformat(), f"SKU{i}", q) for i in range(Y.shape[0]) for d, q in zip(dates, Y[i]) if q]
    return pd.DataFrame(rows, columns=["date", "sku", "quantity"])


def test_origins_follow_the_contract():
    assert backtest_origins(52, 8, 3) == [36, 40, 44]
    assert backtest_origins(84, 12, 3) == [60, 66, 72]
    assert backtest_origins(30, 5, 4) == [19, 21, 23, 25]  # steps of 5 // 2 = 2
    with pytest.raises(ValueError, match="too few"):
        backtest_origins(10, 8, 3)


def small_catalogue(length=40):
    series = catalogue(n_each=3, length=length)
    Y = np.array([s.to_numpy() for s in series.values()])
    Y[0, :] = 0
    Y[0, 34:] = 5  # a product launched after the first origins
    return Y


def test_backtest_rows_columns_and_origins():
    Y = small_catalogue()
    frame = sales_frame(Y)
    run = backtest(frame, freq="W", horizon=6, origins=3, use_prophet=False)
    out = run.forecasts
    assert list(out.columns) == ["sku", "origin", "date", "yhat", "p10", "p50", "p90", "mean", "method", "rule"]
    assert (out["yhat"] <= out["mean"] + 1e-9).all()  # the point forecast is a share of the mean, never more
    dates = pd.date_range("2024-01-01", periods=40, freq="W-MON").date
    assert run.origins == [dates[28], dates[31], dates[34]]  # T - H = 34, stepping back 3
    assert len(out) == Y.shape[0] * 3 * 6
    assert set(out["sku"]) == {f"SKU{i}" for i in range(Y.shape[0])}
    for origin, part in out.groupby("origin"):
        position = list(dates).index(origin)
        assert sorted(set(part["date"])) == list(dates[position : position + 6])
    assert (out[["yhat", "p10", "p50", "p90"]] >= 0).all().all()
    assert (out["p10"] <= out["p50"]).all() and (out["p50"] <= out["p90"]).all()
    unlaunched = out[(out["sku"] == "SKU0") & (out["origin"] < dates[34])]
    assert len(unlaunched) == 12 and (unlaunched["yhat"] == 0).all()


def test_backtest_never_sees_the_origin_or_after():
    Y = small_catalogue()
    base = backtest(sales_frame(Y), freq="W", horizon=6, origins=3, use_prophet=False).forecasts

    late = Y.copy()
    late[:, 34:] += 10_000  # a huge spike from the last origin (period T - H = 34) on
    pd.testing.assert_frame_equal(
        base, backtest(sales_frame(late), freq="W", horizon=6, origins=3, use_prophet=False).forecasts
    )

    early = Y.copy()
    early[5, 28] = 50_000  # a spike at the first origin itself: seen by the later origins only
    changed = backtest(sales_frame(early), freq="W", horizon=6, origins=3, use_prophet=False).forecasts
    first = base["origin"] == base["origin"].min()
    pd.testing.assert_frame_equal(base[first], changed[first])
    later = (~first) & (base["sku"] == "SKU5")
    assert (changed[later]["yhat"].to_numpy() > base[later]["yhat"].to_numpy()).all()
