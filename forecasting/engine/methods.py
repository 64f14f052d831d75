"""The forecasting methods, each run over many series at once.

statsforecast (Nixtla) fits the smoothing and intermittent-demand methods: one call
per batch of series over a long data frame, split across processes when asked.
The window methods (moving average, naive, seasonal naive, historic mean) are a
line of numpy each, so they are computed here, vectorised, with their windows cut
to each series' history. statsforecast is imported inside the functions: Django
imports this package at start-up and the web process never needs it.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import os
import warnings
from collections.abc import Callable, Iterator, Sequence

import numpy as np

STATSFORECAST = ("SES", "TSB", "SBA", "Croston", "ADIDA", "IMAPA", "ETS", "Theta")
WINDOW = ("WA", "WAs", "Naive", "Mean", "SeasonalNaive")
AVERAGE_WINDOW = {"D": 28, "W": 13, "M": 6}  # WA: about a quarter (half a year for months): steady
SHORT_WINDOW = {"D": 7, "W": 4, "M": 3}  # WAs: about a month (a quarter for months): quick to follow a change
MIN_CHUNK = 300  # series per worker process: below it, forking costs more than it saves
SLOW = ("ETS", "Theta")  # model selection over the whole history: tens of ms per series
MIN_CHUNK_SLOW = 40  # ...so these split across processes from fewer series
FIT_HISTORY = {"D": 182, "W": 156, "M": 120}  # ...and see at most the last half year of days, 3 years of weeks
_FITS: contextvars.ContextVar[dict | None] = contextvars.ContextVar("forecast_fits", default=None)


@contextlib.contextmanager
def reuse_fits() -> Iterator[dict]:
    """Within the block, a fitted method's forecast of a series is kept and reused for the same input.

    A rolling-origin backtest fits the same methods on the same histories again:
    one origin's holdout cut is an earlier origin's holdout or forecast cut (they
    step by half a horizon). A fit is a function of the values it sees, its
    method and its horizon, so it is keyed on exactly those (a digest of the
    values): a reused forecast is the one a new fit would make. Outside such a
    block nothing is kept (a nightly refit sees each history once).
    """
    token = _FITS.set({})
    try:
        yield _FITS.get()
    finally:
        _FITS.reset(token)


def fit_key(name: str, horizon: int, values: np.ndarray, *extra) -> tuple:
    """The cache key of one fit: the method, the horizon, anything else it depends on, and its input."""
    digest = hashlib.blake2b(np.ascontiguousarray(values, dtype=float).tobytes(), digest_size=16).digest()
    return (name, horizon, *extra, digest)


def cached_fits(names: Sequence[str], keys: dict, fit: Callable) -> dict[str, np.ndarray]:
    """{name: (len(keys), horizon)}: what `fit(rows, names)` returns for each row's key, fitting only the
    rows some name of which is not cached yet (all of them outside `reuse_fits`)."""
    cache = _FITS.get()
    rows = list(keys)
    if cache is None:
        return fit(np.asarray(rows, dtype=int), names)
    missing = [r for r in rows if any((name, *keys[r]) not in cache for name in names)]
    if missing:
        fitted = fit(np.asarray(missing, dtype=int), names)
        for name in names:
            for k, r in enumerate(missing):
                cache[(name, *keys[r])] = fitted[name][k].copy()
    return {name: np.array([cache[(name, *keys[r])] for r in rows]) for name in names}


def _statsforecast_model(name: str):
    from statsforecast import models as M

    builders: dict[str, Callable] = {
        "SES": lambda: M.SimpleExponentialSmoothingOptimized(alias=name),
        "TSB": lambda: M.TSB(alpha_d=0.1, alpha_p=0.1, alias=name),
        "SBA": lambda: M.CrostonSBA(alias=name),
        "Croston": lambda: M.CrostonOptimized(alias=name),
        "ADIDA": lambda: M.ADIDA(alias=name),
        "IMAPA": lambda: M.IMAPA(alias=name),
        "ETS": lambda: M.AutoETS(season_length=1, alias=name),
        "Theta": lambda: M.Theta(season_length=1, alias=name),
    }
    return builders[name]()


def window_forecast(
    name: str, Y: np.ndarray, launch: np.ndarray, cut: int, horizon: int, *, freq: str = "W", season: int = 1
) -> np.ndarray:
    """The window methods for every row of Y at once, from data before `cut` (and from launch on)."""
    n = Y.shape[0]
    if n == 0:
        return np.zeros((0, horizon))
    history = np.maximum(cut - launch, 1)
    past = Y[:, :cut]
    t = np.arange(cut)[None, :]
    if name == "Naive":
        level = past[:, cut - 1]
    elif name in ("WA", "WAs", "Mean"):
        window = (
            np.minimum(history, {"WA": AVERAGE_WINDOW, "WAs": SHORT_WINDOW}[name][freq]) if name != "Mean" else history
        )
        inside = t >= cut - window[:, None]
        level = np.where(inside, past, 0.0).sum(axis=1) / window
    elif name == "SeasonalNaive":
        if season > cut:
            return window_forecast("Naive", Y, launch, cut, horizon, freq=freq, season=season)
        return past[:, cut - season :][:, np.arange(horizon) % season]
    else:
        raise ValueError(f"unknown window method {name!r}")
    return np.repeat(level[:, None], horizon, axis=1)


def _long_frame(Y: np.ndarray, launch: np.ndarray, rows: np.ndarray, cut: int):
    import pandas as pd

    alive = np.arange(cut)[None, :] >= launch[rows][:, None]
    return pd.DataFrame(
        {
            "unique_id": np.broadcast_to(rows[:, None], alive.shape)[alive],
            "ds": np.broadcast_to(np.arange(cut)[None, :], alive.shape)[alive],
            "y": Y[rows, :cut][alive],
        }
    )


def _fit_chunk(args) -> dict[str, np.ndarray]:
    frame, names, horizon = args
    from statsforecast import StatsForecast
    from statsforecast.models import HistoricAverage

    models = [_statsforecast_model(name) for name in names]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = StatsForecast(models=models, freq=1, n_jobs=1, fallback_model=HistoricAverage()).forecast(
            df=frame, h=horizon
        )
    result = result.sort_values(["unique_id", "ds"])
    count = result["unique_id"].nunique()
    return {name: result[name].to_numpy(dtype=float).reshape(count, horizon) for name in names}


def statsforecast_forecast(
    Y: np.ndarray,
    launch: np.ndarray,
    rows: np.ndarray,
    cut: int,
    horizon: int,
    names: Sequence[str],
    *,
    n_jobs: int = 1,
    freq: str | None = None,
) -> dict[str, np.ndarray]:
    """{method: (len(rows), horizon)} for the given rows (sorted), fitted on launch..cut-1
    (ETS and Theta on at most the last FIT_HISTORY[freq] periods of it when freq is given)."""
    rows = np.sort(np.asarray(rows, dtype=int))
    if not len(rows) or not names:
        return {name: np.zeros((len(rows), horizon)) for name in names}
    import statsforecast.models  # noqa: F401  (loaded once here, so forked workers don't each load it)

    out = {}
    slow, quick = [name for name in names if name in SLOW], [name for name in names if name not in SLOW]
    for group, size, start in (
        (quick, MIN_CHUNK, launch),
        (slow, MIN_CHUNK_SLOW, launch if freq is None else np.maximum(launch, cut - FIT_HISTORY[freq])),
    ):
        if not group:
            continue

        def fit(picked, names, size=size, start=start):
            if not len(picked):
                return {name: np.zeros((0, horizon)) for name in names}
            chunks = np.array_split(picked, max(1, min(resolve_jobs(n_jobs), len(picked) // size)))
            jobs = [(_long_frame(Y, start, chunk, cut), names, horizon) for chunk in chunks]
            parts = parallel_map(_fit_chunk, jobs, n_jobs)
            return {name: np.concatenate([part[name] for part in parts]) for name in names}

        keys = {int(r): fit_key("statsforecast", horizon, Y[r, start[r] : cut]) for r in rows}
        out.update(cached_fits(group, keys, fit))
    fallback = window_forecast("Mean", Y[rows], launch[rows], cut, horizon)
    for values in out.values():
        bad = ~np.isfinite(values)
        values[bad] = fallback[bad]
        np.clip(values, 0.0, None, out=values)
    return out


def forecast_methods(
    Y: np.ndarray,
    launch: np.ndarray,
    rows: np.ndarray,
    cut: int,
    horizon: int,
    names: Sequence[str],
    *,
    freq: str,
    season: int = 1,
    n_jobs: int = 1,
) -> dict[str, np.ndarray]:
    """Every named method for the given rows: {method: (len(rows), horizon)}, rows in sorted order.

    The fitted methods are non-seasonal: seasonal series reach them seasonally adjusted
    (see seasonal.py). `season` is the lag of SeasonalNaive.
    """
    rows = np.sort(np.asarray(rows, dtype=int))
    unknown = [name for name in names if name not in STATSFORECAST and name not in WINDOW]
    if unknown:
        raise ValueError(f"unknown method {unknown[0]!r}")
    fitted = [name for name in names if name in STATSFORECAST]
    out = statsforecast_forecast(Y, launch, rows, cut, horizon, fitted, n_jobs=n_jobs, freq=freq) if fitted else {}
    for name in names:
        if name in WINDOW:
            out[name] = window_forecast(name, Y[rows], launch[rows], cut, horizon, freq=freq, season=season)
    return out


def parallel_map(fn: Callable, jobs: list, n_jobs: int) -> list:
    """fn over jobs in up to n_jobs forked processes; in this process when there is one job or one core to use.

    A worker that may not fork (a daemonic process, a platform without fork) runs
    the jobs itself rather than failing.
    """
    n_jobs = min(resolve_jobs(n_jobs), len(jobs))
    if n_jobs <= 1:
        return [fn(job) for job in jobs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=n_jobs, mp_context=context) as pool:
            return list(pool.map(fn, jobs, chunksize=max(1, len(jobs) // (4 * n_jobs))))
    except (AssertionError, ValueError, OSError):  # "daemonic processes are not allowed to have children", no fork
        return [fn(job) for job in jobs]


def resolve_jobs(n_jobs: int) -> int:
    """n_jobs as joblib reads it: -1 means every core."""
    cores = os.cpu_count() or 1
    if n_jobs is None or n_jobs == 0:
        return 1
    return max(1, min(cores, n_jobs if n_jobs > 0 else cores + 1 + n_jobs))
