"""Prophet for the few series where it has a chance: steady sellers with two years of history and a season.

Prophet fits trend + yearly seasonality + the gifting calendar, which is what a
long, busy series of a handmade shop has, but it assumes Gaussian noise (it goes
negative on sparse sales) and one fit costs 0.1–0.5 s, so it is never run on the
whole catalogue.
"""

from __future__ import annotations

import logging

import numpy as np

from forecasting.engine.methods import cached_fits, fit_key, parallel_map
from forecasting.engine.panel import YEAR, period_grid

MIN_RATE = 2.0  # mean units per period over the last year: below it the noise drowns any seasonality
MAX_SERIES = 40  # the busiest eligible series only: Prophet's cost grows per series, its benefit does not


MIN_REPEAT = 0.5  # correlation of last year with the year before (trend removed) that counts as a yearly shape


def year_repeats(y: np.ndarray) -> bool:
    """Whether the last year of y repeats the shape of the year before it: their correlation, after a
    straight-line trend is taken out of both, is at least MIN_REPEAT. The ACF test of seasonal.py
    misses smooth weekly seasons (its bound grows with every short lag a smooth wave correlates at)."""
    half = len(y) // 2
    t = np.arange(len(y))
    detrended = y - np.polyval(np.polyfit(t, y, 1), t)
    before, last = detrended[-2 * half : -half], detrended[-half:]
    if before.std() == 0 or last.std() == 0:
        return False
    return bool(np.corrcoef(before, last)[0, 1] >= MIN_REPEAT)


def prophet_eligible(Y: np.ndarray, launch: np.ndarray, rows: np.ndarray, cut: int, *, freq: str) -> np.ndarray:
    """The rows (from rows) with two years before `cut` that show a yearly season and enough volume,
    busiest first, at most MAX_SERIES: where Prophet's yearly terms have something to fit. They
    are candidates only; each must still beat its pool's choice on its own holdouts (select.py)."""
    year = YEAR[freq]
    rows = np.asarray(rows, dtype=int)
    if cut < 2 * year + 1 or not len(rows):
        return rows[:0]
    rate = Y[rows, cut - year : cut].mean(axis=1)
    seasonal = np.array([year_repeats(Y[i, cut - 2 * year : cut]) for i in rows], dtype=bool)
    keep = (cut - launch[rows] >= 2 * year + 1) & (rate >= MIN_RATE) & seasonal
    picked, rate = rows[keep], rate[keep]
    return np.sort(picked[np.argsort(-rate, kind="stable")[:MAX_SERIES]])


def _fit_one(args) -> np.ndarray:
    values, first_date, freq, horizon, holidays = args
    import pandas as pd

    for name in ("cmdstanpy", "prophet"):
        logging.getLogger(name).disabled = True
    from prophet import Prophet

    dates = period_grid(first_date, len(values) + horizon, freq)
    model = Prophet(
        yearly_seasonality=len(values) >= YEAR[freq],
        weekly_seasonality=freq == "D",
        daily_seasonality=False,
        holidays=holidays,
        uncertainty_samples=0,
    )
    try:
        model.fit(pd.DataFrame({"ds": dates[: len(values)], "y": values}))
        predicted = model.predict(pd.DataFrame({"ds": dates[len(values) :]}))["yhat"].to_numpy(dtype=float)
    except Exception:  # a failed optimisation: the series' recent mean, rather than no forecast
        predicted = np.full(horizon, values[-min(len(values), YEAR[freq]) :].mean())
    return np.nan_to_num(predicted).clip(min=0.0)


def prophet_forecast(
    Y: np.ndarray, launch: np.ndarray, rows: np.ndarray, cut: int, horizon: int, *, dates, freq: str, n_jobs: int = 1
) -> np.ndarray:
    """(len(rows), horizon) Prophet forecasts from launch..cut-1; `dates` is the grid of Y's columns."""
    import prophet  # noqa: F401  (loaded once here, so forked workers don't each load it)

    from forecasting.engine.holidays import holidays_frame

    rows = np.sort(np.asarray(rows, dtype=int))
    if not len(rows):
        return np.zeros((0, horizon))
    first_year = dates[int(launch[rows].min())].year
    last_year = period_grid(dates[0], cut + horizon, freq)[-1].year
    holidays = holidays_frame(first_year, last_year, freq)
    calendar = tuple(map(tuple, holidays.astype(str).to_numpy()))

    def fit(picked, names):
        jobs = [(Y[i, launch[i] : cut].copy(), dates[int(launch[i])], freq, horizon, holidays) for i in picked]
        return {"Prophet": np.array(parallel_map(_fit_one, jobs, n_jobs)).reshape(len(picked), horizon)}

    keys = {
        int(i): fit_key("prophet", horizon, Y[i, launch[i] : cut], str(dates[int(launch[i])]), freq, calendar)
        for i in rows
    }
    return cached_fits(["Prophet"], keys, fit)["Prophet"]
