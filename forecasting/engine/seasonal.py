"""Seasonal adjustment by classical multiplicative decomposition, as in the M4 competition's benchmarks.

A series that shows a seasonal cycle (the autocorrelation at the season lag is
significant at 90 %) is divided by its seasonal indices, every method forecasts
the adjusted series, and the forecasts are multiplied back. So one set of
seasonal indices serves smoothing, moving averages and their ensemble alike, and
a median of methods cannot wash the season out.
"""

from __future__ import annotations

import numpy as np

MIN_CYCLES = 2  # full seasons of history needed before indices are estimated
INDEX_LIMITS = (0.1, 10.0)  # an index outside this is noise, not season: it would blow up the adjusted series


def seasonality_detected(y: np.ndarray, season: int) -> bool:
    """The M4 test: |ACF at lag `season`| above 1.645 · its standard error under no seasonality."""
    n = len(y)
    if season < 2 or n <= season + 1:
        return False
    centred = y - y.mean()
    denominator = (centred**2).sum()
    if denominator <= 0:
        return False
    acf = np.array([(centred[k:] * centred[: n - k]).sum() / denominator for k in range(1, season + 1)])
    limit = 1.645 * np.sqrt((1 + 2 * (acf[:-1] ** 2).sum()) / n)
    return bool(abs(acf[-1]) > limit)


def seasonal_indices(y: np.ndarray, first: int, season: int, *, min_cycles: float = MIN_CYCLES) -> np.ndarray | None:
    """Multiplicative indices by position (column index mod season), mean 1; None if y shows no season.

    `first` is the grid column of y[0], so positions line up across series. The
    test runs on the series itself, as in M4: a season that a trend hides is too
    weak to be worth the noise of estimating its indices. A smooth aggregate may
    pass min_cycles=1.5: under two full cycles the moving-average trend does not
    reach the ends, so it is carried flat to them (a weekly category total with
    two years of sales less the current week would otherwise show no year at all),
    and the season is tested on the series divided by that trend.
    """
    y = np.asarray(y, dtype=float)
    if season < 2 or len(y) < min_cycles * season + 1:
        return None
    if len(y) < MIN_CYCLES * season + 1:
        return _indices_flat_ends(y, first, season)
    if not seasonality_detected(y, season):
        return None
    if season % 2:
        weights = np.full(season, 1.0 / season)
    else:
        weights = np.r_[0.5, np.ones(season - 1), 0.5] / season
    trend = np.convolve(y, weights, mode="valid")
    offset = len(weights) // 2
    centre = np.arange(offset, offset + len(trend))
    usable = trend > 0
    if usable.sum() < season + 2 or not usable[-1]:
        return None
    ratios = y[centre[usable]] / trend[usable]
    if not usable.all():
        return None
    positions = (first + centre[usable]) % season
    counts = np.bincount(positions, minlength=season)
    if (counts == 0).any():
        return None
    index = np.bincount(positions, weights=ratios, minlength=season) / counts
    index = np.clip(index / index.mean(), *INDEX_LIMITS)
    return index / index.mean()


def _indices_flat_ends(y: np.ndarray, first: int, season: int) -> np.ndarray | None:
    weights = np.r_[0.5, np.ones(season - 1), 0.5] / season if season % 2 == 0 else np.full(season, 1.0 / season)
    valid = np.convolve(y, weights, mode="valid")
    offset = len(weights) // 2
    trend = np.r_[np.full(offset, valid[0]), valid, np.full(len(y) - offset - len(valid), valid[-1])]
    if (trend <= 0).any() or not seasonality_detected(y / trend, season):  # tested without its trend
        return None
    positions = (first + np.arange(len(y))) % season
    counts = np.bincount(positions, minlength=season)
    if (counts == 0).any():
        return None
    index = np.bincount(positions, weights=y / trend, minlength=season) / counts
    index = np.clip(index / index.mean(), *INDEX_LIMITS)
    return index / index.mean()


def seasonal_factors(Y: np.ndarray, launch: np.ndarray, rows: np.ndarray, cut: int, season: int) -> np.ndarray:
    """(n, season) indices for the given rows that show a season before `cut`; ones elsewhere."""
    factors = np.ones((Y.shape[0], max(season, 1)))
    if season < 2:
        return factors
    for i in rows:
        index = seasonal_indices(Y[i, launch[i] : cut], int(launch[i]), season)
        if index is not None:
            factors[i] = index
    return factors


def at(factors: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """The factor of each row at each grid column: (n, len(columns))."""
    return factors[:, np.asarray(columns) % factors.shape[1]]
