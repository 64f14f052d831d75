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


PROFILE_HARMONICS = 2  # a group's yearly wave: two Fourier pairs (a peak and its asymmetry)
PROFILE_ALPHA = 0.05  # ...kept only where the harmonics explain the members' rates beyond chance (F-test)
PROFILE_MIN_ALIVE = 3  # periods where fewer members were on sale say little about the group's season


def group_profile(
    Y: np.ndarray, launch: np.ndarray, members: np.ndarray, cut: int, season: int, *, min_alive: int = PROFILE_MIN_ALIVE
):
    """A group's seasonal index by grid position ((season,), mean 1) from its members' sales before `cut`,
    or None when the group shows no season beyond chance.

    Each member's sales are divided by its own mean since its first sale (so a big
    seller doesn't outweigh the rest, and a late launch isn't a rise), averaged over
    the members on sale each period, and fitted by least squares with a level, a
    linear trend and PROFILE_HARMONICS Fourier pairs of the season (weighted by how
    many members were on sale). A smooth wave is what a sparse product's sales can
    borrow: two pairs are four numbers, shared by the group, where 52 weekly indices
    from under two years would be noise. It needs every position of the cycle seen
    once; unlike the autocorrelation test, which hardly passes under two cycles, the
    F-test of those pairs against the level and trend alone then judges whether the
    wave is there.
    """
    from scipy import stats

    members = np.asarray(members, dtype=int)
    harmonics = min(PROFILE_HARMONICS, season // 2)
    if harmonics < 1 or not len(members):
        return None
    t = np.arange(cut)
    alive = t[None, :] >= launch[members][:, None]
    history = np.where(alive, Y[members, :cut], 0.0)
    level = history.sum(axis=1) / np.maximum(alive.sum(axis=1), 1)
    keep = level > 0
    if keep.sum() < min(2, len(members)):
        return None
    weight = alive[keep].sum(axis=0).astype(float)
    used = weight >= min(min_alive, len(members))
    if np.ptp(t[used]) < season or used.sum() < season:  # every position of the cycle seen at least once
        return None
    rate = (history[keep] / level[keep, None]).sum(axis=0)[used] / weight[used]
    span = t[used]
    waves = [f(2 * np.pi * k * span / season) for k in range(1, harmonics + 1) for f in (np.cos, np.sin)]
    base = np.stack([np.ones(len(span)), (span - span.mean()) / max(np.ptp(span), 1)], axis=1)
    full = np.column_stack([base, *waves])
    root = np.sqrt(weight[used])
    fits = [np.linalg.lstsq(X * root[:, None], rate * root, rcond=None) for X in (base, full)]
    rss = [float(((X @ fit[0] - rate) ** 2 * weight[used]).sum()) for X, fit in zip((base, full), fits, strict=True)]
    extra, residual = 2 * harmonics, len(span) - full.shape[1]
    if residual < 1 or rss[1] <= 0:
        return None
    if stats.f.sf((rss[0] - rss[1]) / extra / (rss[1] / residual), extra, residual) > PROFILE_ALPHA:
        return None
    beta = fits[1][0]
    if beta[0] <= 0:
        return None
    position = np.arange(season)
    wave = sum(
        beta[2 + 2 * (k - 1)] * np.cos(2 * np.pi * k * position / season)
        + beta[3 + 2 * (k - 1)] * np.sin(2 * np.pi * k * position / season)
        for k in range(1, harmonics + 1)
    )
    index = np.clip(1 + wave / beta[0], *INDEX_LIMITS)
    return index / index.mean()


def runs_against(Y: np.ndarray, launch: np.ndarray, rows: np.ndarray, cut: int, index: np.ndarray) -> np.ndarray:
    """Per row: whether its own history before `cut` (at least a full season of it) correlates negatively
    with a group's seasonal `index` (by grid position): it peaks when the group dips."""
    rows = np.asarray(rows, dtype=int)
    season = len(index)
    t = np.arange(cut)
    alive = (t[None, :] >= launch[rows][:, None]) & (cut - launch[rows] >= season)[:, None]
    x = np.where(alive, index[t % season][None, :], 0.0)
    y = np.where(alive, Y[rows, :cut], 0.0)
    count = np.maximum(alive.sum(axis=1), 1)
    x_mean, y_mean = x.sum(axis=1) / count, y.sum(axis=1) / count
    covariance = (np.where(alive, (x - x_mean[:, None]) * (y - y_mean[:, None]), 0.0)).sum(axis=1)
    return alive.any(axis=1) & (covariance < 0)
